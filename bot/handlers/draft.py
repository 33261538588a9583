"""/draft [year] [all]: the year in review as Markdown, and a ZIP with photos on request."""

from __future__ import annotations

import datetime as dtm

from bot.handlers import keyboards as kb
from bot.handlers.turn import Turn, private_turn

FIRST_YEAR = 2000


def _parse(args: list[str], current_year: int) -> tuple[int, bool] | None:
    """``[]``, ``["2026"]``, ``["all"]``, ``["2026", "all"]`` → (year, include_private)."""
    year, include_private = current_year, False
    for arg in args:
        word = arg.lower().removesuffix("년")  # "2026년"
        if word in ("all", "전체"):
            include_private = True
        elif len(word) == 4 and (number := kb.small_int(word)) is not None:
            year = number
        else:
            return None
    return year, include_private


def default_year(today: dtm.date) -> int:
    """The year a bare ``/draft`` compiles: this one, except in January, when the year that
    just ended is the one people write about (the new one has barely begun)."""
    return today.year - 1 if today.month == 1 else today.year


@private_turn()
async def draft_command(turn: Turn) -> None:
    """Compile the year's draft from the user's own answers and send it as a file."""
    today = turn.now.astimezone(turn.zone).date()
    parsed = _parse(turn.context.args or [], default_year(today))
    if parsed is None:
        turn.reply(turn.tr("draft.usage", year=today.year))
        return
    year, include_private = parsed
    if year > today.year or year < FIRST_YEAR:
        turn.reply(turn.tr("draft.bad_year", year=year))
        return
    turn.out.task("draft", year=year, include_private=include_private)


@private_turn()
async def on_draft_button(turn: Turn) -> None:
    """``draft:zip:<year>:<0|1>[:<format>]``: the ZIP laid out for a site; remembers it."""
    from bot.reports.site import FORMATS, parse_format, site_name  # loaded with the first ZIP

    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")
    year = kb.small_int(parts[2]) if len(parts) in (4, 5) else None
    site = parts[4] if len(parts) == 5 else turn.user.draft_format
    if (
        year is None
        or not FIRST_YEAR <= year <= 9998
        or parts[3] not in ("0", "1")
        or site not in FORMATS
    ):
        turn.reply(turn.tr("error.stale_button"))
        return
    turn.user.draft_format = site
    include_private = parts[3] == "1"
    sender = turn.update.effective_user
    author = (sender.username or sender.first_name) if sender else None
    turn.reply(turn.tr("draft.zip_preparing", format=site_name(parse_format(site), turn.tr.plain)))
    turn.out.task("draft_zip", year=year, include_private=include_private, site=site, author=author)
