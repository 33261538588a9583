"""/questions: switch questions on and off, add your own (with the section it feeds), reorder."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.limits import MAX_QUESTION_CHARS, MAX_QUESTIONS
from bot.domain.questions import ROTATING_KEY, Section
from bot.handlers.turn import Turn, private_turn
from bot.i18n import Translator
from bot.review import messages
from bot.storage import questions as store
from bot.storage import users
from bot.storage.models import UserQuestion

ASK_QUESTION = "ask_question"
CUSTOM_SECTIONS = (
    Section.HIGHLIGHTS,
    Section.GROWTH,
    Section.LESSONS,
    Section.PEOPLE,
    Section.HEALTH,
    Section.READING,
    Section.ODDS,
    Section.FOCUS,
    Section.TIMELINE,
)


@private_turn()
async def questions_command(turn: Turn) -> None:
    """Show the weekly questions with buttons to change them."""
    await users.leave_side_question(turn.session, turn.user)
    rows = await store.user_questions(turn.session, turn.user.id)
    turn.reply(*render(turn.tr, rows))


@private_turn()
async def on_questions_button(turn: Turn) -> None:
    """``q:tog|up|down:<key>``, ``q:add`` and ``q:sec:<section>``."""
    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    _, action, value = (*query.data.split(":", 2), "")[:3]
    rows = await store.user_questions(turn.session, turn.user.id)
    row = next((r for r in rows if r.key == value), None)
    if action == "tog" and row is not None:
        row.enabled = not row.enabled
    elif action in ("up", "down") and row is not None:
        store.move(rows, value, -1 if action == "up" else 1)
    elif action == "add":
        if len(rows) >= MAX_QUESTIONS:
            turn.reply(turn.tr("questions.too_many", limit=MAX_QUESTIONS))
            return
        await users.set_state(turn.session, turn.user, ASK_QUESTION, now=turn.now)
        turn.reply(turn.tr("questions.ask_text", limit=MAX_QUESTION_CHARS))
        return
    elif (
        action == "sec"
        and value in Section.__members__.values()
        and turn.user.state == ASK_QUESTION
    ):
        text = (turn.user.state_data or {}).get("text")
        if not isinstance(text, str):
            turn.reply(turn.tr("error.stale_button"))
            return
        await store.add_custom(turn.session, turn.user.id, text, Section(value))
        await users.set_state(turn.session, turn.user, None)
        rows = await store.user_questions(turn.session, turn.user.id)
        turn.edit_or_reply(*render(turn.tr, rows, saved=True))
        return
    else:
        turn.reply(turn.tr("error.stale_button"))
        return
    await turn.session.flush()
    turn.edit_or_reply(*render(turn.tr, rows))


async def handle_question_text(turn: Turn, text: str) -> None:
    """The user typed the wording of their own question: ask which section it feeds."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_QUESTION_CHARS:
        turn.reply(turn.tr("questions.bad_text", limit=MAX_QUESTION_CHARS))
        return
    await users.set_state(turn.session, turn.user, ASK_QUESTION, {"text": text}, now=turn.now)
    buttons = [
        [
            InlineKeyboardButton(
                turn.tr.plain(f"section.{s.value}"), callback_data=f"q:sec:{s.value}"
            )
        ]
        for s in CUSTOM_SECTIONS
    ]
    turn.reply(turn.tr("questions.ask_section", text=text), InlineKeyboardMarkup(buttons))


def _label(tr: Translator, row: UserQuestion) -> str:
    if row.key == ROTATING_KEY:
        return tr.plain("questions.rotating")
    if row.text is not None:
        return row.text
    return tr.plain(f"question.{row.key}.title")


def render(
    tr: Translator, rows: list[UserQuestion], *, saved: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    ordered = sorted(rows, key=lambda r: r.position)
    lines = []
    buttons = []
    for number, row in enumerate(ordered, start=1):
        mark = "✅" if row.enabled else "⬜"
        label = _label(tr, row)
        lines.append(tr("questions.line", n=number, mark=mark, label=messages.preview(label, 60)))
        buttons.append(
            [
                InlineKeyboardButton(
                    f"{mark} {number}. {messages.preview(label, 24)}",
                    callback_data=f"q:tog:{row.key}",
                ),
                InlineKeyboardButton("⬆️", callback_data=f"q:up:{row.key}"),
                InlineKeyboardButton("⬇️", callback_data=f"q:down:{row.key}"),
            ]
        )
    buttons.append([InlineKeyboardButton(tr.plain("questions.add"), callback_data="q:add")])
    text = (tr("settings.saved") + "\n\n" if saved else "") + tr("questions.title")
    text += "\n\n" + "\n".join(lines) + "\n\n" + tr("questions.footer")
    return text, InlineKeyboardMarkup(buttons)
