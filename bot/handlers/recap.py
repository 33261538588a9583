"""/recap [month]: a month of the user's own answers, at a glance."""

from __future__ import annotations

from bot.handlers.turn import Turn, private_turn
from bot.reports.months import MonthError, parse_month
from bot.reports.stats import month_name


@private_turn()
async def recap_command(turn: Turn) -> None:
    """/recap, /recap 2026-10, /recap oct, /recap 10, /recap last (Korean forms too)."""
    today = turn.now.astimezone(turn.zone).date()
    choice = parse_month(" ".join(turn.context.args or []), today)
    if isinstance(choice, MonthError):
        turn.reply(turn.tr(f"report.month.{choice.reason.value}"))
        return
    if choice.defaulted_to_last:
        month = month_name(choice.year, choice.month, turn.user.language)
        turn.reply(turn.tr("report.month.defaulted", month=month))
    turn.out.task("recap", year=choice.year, month=choice.month)
