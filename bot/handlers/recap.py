"""/recap [month]: a month of the user's own answers, at a glance."""

from __future__ import annotations

from bot.handlers import keyboards as kb
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


@private_turn()
async def on_recap_button(turn: Turn) -> None:
    """The "📅 <month> in review" button the first prompt of a month carries."""
    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")
    year = kb.small_int(parts[1]) if len(parts) == 3 else None
    month = kb.small_int(parts[2]) if len(parts) == 3 else None
    if year is None or month is None or not 2000 <= year <= 2100 or not 1 <= month <= 12:
        turn.reply(turn.tr("error.stale_button"))
        return
    turn.out.task("recap", year=year, month=month)
