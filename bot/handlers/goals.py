"""/goals: the goals of this year and next, added one per message, edited, marked done.

The last review of the year ends by asking for next year's goals the same way.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.limits import MAX_GOAL_CHARS, MAX_GOALS_PER_YEAR
from bot.handlers import keyboards as kb
from bot.handlers.turn import Turn, private_turn
from bot.reports.html_split import TELEGRAM_LIMIT, text_content, utf16_len
from bot.review.messages import preview
from bot.storage import goals as store
from bot.storage import users
from bot.storage.models import Goal

ADD_GOALS = "add_goals"
EDIT_GOAL = "edit_goal"
MAX_BUTTONS = 100  # Telegram's limit for one inline keyboard
GOAL_TEXT_LIMITS = (None, 200, 100, 50, 20)
"""Characters of each goal shown in /goals: in full if the message fits, else shortened."""


def _years(turn: Turn) -> tuple[int, int]:
    year = turn.now.astimezone(turn.zone).year
    return year, year + 1


@private_turn()
async def goals_command(turn: Turn) -> None:
    """List this year's and next year's goals with buttons to add, edit and mark done."""
    await users.leave_side_question(turn.session, turn.user)
    turn.reply(*await render(turn))


async def render(turn: Turn, *, notice: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The goals message: each goal in full, or shortened when all of them in full would not
    fit in one Telegram message (up to 60 goals of 500 characters)."""
    this_year, next_year = _years(turn)
    by_year = {
        year: await store.goals_of(turn.session, turn.user.id, year)
        for year in (this_year, next_year)
    }
    for limit in GOAL_TEXT_LIMITS:
        text = _goals_text(turn, by_year, notice, limit)
        if _fits(text):
            return text, _goals_keyboard(turn, by_year)
    # More goals than even their beginnings fit (an older export restored): the first ones
    # of each year, and how many more there are.
    shown = {year: list(goals) for year, goals in by_year.items()}
    while not _fits(text := _goals_text(turn, shown, notice, GOAL_TEXT_LIMITS[-1], by_year)):
        longest = max(shown, key=lambda year: len(shown[year]))
        shown[longest].pop()
    return text, _goals_keyboard(turn, by_year)


def _fits(text: str) -> bool:
    return utf16_len(text_content(text)) <= TELEGRAM_LIMIT


def _goals_text(
    turn: Turn,
    by_year: dict[int, list[Goal]],
    notice: str | None,
    limit: int | None,
    every: dict[int, list[Goal]] | None = None,
) -> str:
    """The list; with ``every``, ``by_year`` holds the first goals of each year of it."""
    next_year = _years(turn)[1]
    parts = [notice] if notice else []
    parts.append(turn.tr("goals.title"))
    for year, goals in by_year.items():
        if not goals and year == next_year:
            continue
        lines = [turn.tr("goals.year", year=year)]
        if not goals:
            lines.append(turn.tr("goals.none"))
        for number, goal in enumerate(goals, start=1):
            text = goal.text if limit is None else preview(goal.text, limit)
            lines.append(
                turn.tr("goals.line", n=number, mark="✅" if goal.done else "▫️", text=text)
            )
        hidden = len((every or by_year)[year]) - len(goals)
        if hidden:
            lines.append(turn.tr.n("goals.more", hidden))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _goals_keyboard(turn: Turn, by_year: dict[int, list[Goal]]) -> InlineKeyboardMarkup:
    this_year, next_year = _years(turn)
    rows: list[list[InlineKeyboardButton]] = []
    for year, goals in by_year.items():
        for number, goal in enumerate(goals, start=1):
            if 2 * (len(rows) + 2) > MAX_BUTTONS:
                break  # more goals than the cap (an older export imported): listed, no buttons
            rows.append(
                [
                    InlineKeyboardButton(
                        ("↩️ " if goal.done else "✅ ") + f"{year} · {number}",
                        callback_data=f"goal:done:{goal.id}",
                    ),
                    InlineKeyboardButton(
                        f"✏️ {year} · {number}", callback_data=f"goal:edit:{goal.id}"
                    ),
                ]
            )
    rows.append(
        [
            InlineKeyboardButton(
                turn.tr.plain("goals.add", year=this_year), callback_data=f"goal:add:{this_year}"
            ),
            InlineKeyboardButton(
                turn.tr.plain("goals.add", year=next_year), callback_data=f"goal:add:{next_year}"
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


@private_turn()
async def on_goals_button(turn: Turn) -> None:
    """``goal:add:<year>``, ``goal:done:<id>``, ``goal:edit:<id>``, ``goal:finish``."""
    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    _, action, value = (*query.data.split(":", 2), "")[:3]
    if action == "finish":
        await users.set_state(turn.session, turn.user, None)
        turn.reply(*await render(turn, notice=turn.tr("settings.saved")))
        return
    number = kb.small_int(value)
    if action == "add" and number is not None and number in _years(turn):
        await ask_for_goals(turn, number)
        return
    goal = (
        await store.goal_by_id(turn.session, turn.user.id, number) if number is not None else None
    )
    if goal is None:
        turn.reply(turn.tr("error.stale_button"))
        return
    if action == "done":
        goal.done = not goal.done
        goal.done_at = turn.now if goal.done else None
        await turn.session.flush()
        turn.edit_or_reply(*await render(turn))
    elif action == "edit":
        await users.set_state(
            turn.session, turn.user, EDIT_GOAL, {"goal_id": goal.id}, now=turn.now
        )
        turn.reply(turn.tr("goals.ask_edit", text=goal.text))
    else:
        turn.reply(turn.tr("error.stale_button"))


async def ask_for_goals(turn: Turn, year: int) -> None:
    """Collect goals for ``year``, one per message, until the user taps Done."""
    await users.set_state(turn.session, turn.user, ADD_GOALS, {"year": year}, now=turn.now)
    done = InlineKeyboardMarkup(
        [[InlineKeyboardButton(turn.tr.plain("goals.done_button"), callback_data="goal:finish")]]
    )
    turn.reply(turn.tr("goals.ask", year=year, limit=MAX_GOAL_CHARS), done)


async def handle_goal_text(turn: Turn, text: str) -> None:
    """A message while we collect or edit goals."""
    text = text.strip()
    if not text or len(text) > MAX_GOAL_CHARS:
        turn.reply(turn.tr("goals.bad_text", limit=MAX_GOAL_CHARS))
        return
    data = turn.user.state_data or {}
    if turn.user.state == EDIT_GOAL:
        goal_id = data.get("goal_id")
        goal = (
            await store.goal_by_id(turn.session, turn.user.id, goal_id)
            if isinstance(goal_id, int)
            else None
        )
        await users.set_state(turn.session, turn.user, None)
        if goal is None:
            turn.reply(turn.tr("error.stale_button"))
            return
        goal.text = text
        await turn.session.flush()
        turn.reply(*await render(turn, notice=turn.tr("settings.saved")))
        return
    year = data.get("year")
    if not isinstance(year, int):
        await users.set_state(turn.session, turn.user, None)
        return
    existing = await store.goals_of(turn.session, turn.user.id, year)
    if len(existing) >= MAX_GOALS_PER_YEAR:
        turn.reply(turn.tr("goals.too_many", limit=MAX_GOALS_PER_YEAR))
        return
    added = await store.add_goal(turn.session, turn.user.id, year, text, turn.now)
    # Still collecting: the next goal may take as long as this one did.
    await users.set_state(turn.session, turn.user, ADD_GOALS, {"year": year}, now=turn.now)
    done = InlineKeyboardMarkup(
        [[InlineKeyboardButton(turn.tr.plain("goals.done_button"), callback_data="goal:finish")]]
    )
    turn.reply(
        turn.tr("goals.added", n=added.position + 1, year=year, text=preview(text, 60)), done
    )
