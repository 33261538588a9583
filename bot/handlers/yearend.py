"""/yearend [year]: six questions that open and close the year's draft, in the user's words.

In the spirit of YearCompass and the seed posts: pick the moments that mattered from the
year's highlights (inline buttons), then name the year, the biggest lesson, what to leave
behind, whom to thank, and what you still believe. Text questions show a few of the user's
own answers from the year as reminders. Answers are stored like review answers
(:class:`~bot.storage.models.YearEndAnswer`): edits of the message update them, 🔒 makes one
private, and /export and /delete include them. "Later" (or anything else) leaves the session;
/yearend picks it up at the first question without an answer.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.domain.journal import Journal, MessageKind
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.handlers import keyboards as kb
from bot.handlers.content import Content
from bot.handlers.reactions import SAVED_REACTION
from bot.handlers.turn import Turn, private_turn
from bot.pipeline.outgoing import target_json, target_of
from bot.reports.stats import week_number, weeks_of_year
from bot.storage import users, yearend

log = logging.getLogger(__name__)
STATE = "yearend"
KEYS = ("moments", "name", "lesson", "leave", "thanks", "believe")
SHORTLIST = 8
FIRST_YEAR = 2000
# Reminders from the user's own year for each text question: answers of these sections.
HINTS: dict[str, Section] = {
    "lesson": Section.LESSONS,
    "thanks": Section.PEOPLE,
    "believe": Section.READING,
}
HINT_COUNT = 3
SESSION_HOURS = 12  # a question left longer than this no longer takes the next message
HINT_LENGTH = 80


def ref_of(week: IsoWeek, question_key: str) -> str:
    """How a picked moment is stored: ``2026-W14/win``."""
    return f"{week.key}/{question_key}"


def _year_asked(turn: Turn) -> int | None:
    """The year of ``/yearend [year]``: this year by default, from November on; else last
    year (a session before November looks back on the year that ended)."""
    args = turn.context.args or []
    today = turn.now.astimezone(turn.zone).date()
    if not args:
        return today.year if today.month >= 11 else today.year - 1
    year = kb.small_int(args[0].removesuffix("년")) if len(args) == 1 else None  # "2026년"
    if year is None or not FIRST_YEAR <= year <= today.year:
        return None
    return year


async def _journal(turn: Turn, year: int) -> Journal:
    from bot.storage.journal import load_journal  # loaded with the first session, not at start

    weeks = weeks_of_year(year)
    return await load_journal(turn.session, turn.user, weeks[0], weeks[-1])


def _short(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= HINT_LENGTH else line[: HINT_LENGTH - 1] + "…"


@private_turn()
async def yearend_command(turn: Turn) -> None:
    """Start or resume the guided year-end session."""
    year = _year_asked(turn)
    if year is None:
        turn.reply(turn.tr("yearend.usage"))
        return
    await start(turn, year)


async def start(turn: Turn, year: int) -> None:
    """Ask the first question without an answer, or show the answers when all are in."""
    answered = await yearend.answers_of(turn.session, turn.user.id, year)
    for key in KEYS:
        if key not in answered:
            await ask(turn, year, key)
            return
    await users.set_state(turn.session, turn.user, None)
    await show_summary(turn, year, edit=False)


async def ask(turn: Turn, year: int, key: str) -> None:
    """Send question ``key`` and make the user's next message its answer."""
    state: dict[str, Any] = {"year": year, "key": key}
    hints = await _hints(turn, year, key)
    if hints:
        state["hints"] = hints
    if key == "moments":
        from bot.reports import collect
        from bot.reports.highlights import curate
        from bot.reports.recap_html import media_mentions

        journal = await _journal(turn, year)
        views = collect.views_for(journal.weeks, weeks_of_year(year))
        chosen = curate(views, include_private=False).chosen[:SHORTLIST]
        if not chosen:  # nothing to pick from yet: go on to the next question
            await yearend.keep(
                turn.session, user_id=turn.user.id, year=year, key=key, now=turn.now, skipped=True
            )
            await ask(turn, year, KEYS[1])
            return
        state["shortlist"] = [
            [
                ref_of(q.week, q.question_key),
                week_number(q.week, turn.user.language),
                # A voice note or an uncaptioned photo has no words to show: name it.
                _short(q.text) or " ".join(media_mentions(turn.tr, q)),
            ]
            for q in chosen
        ]
        state["picked"] = []
    row = turn.reply(_question_text(turn, year, key, state), _question_keyboard(turn, year, state))
    state["message"] = target_json(await turn.out.ref(row))
    state["asked_at"] = turn.now.timestamp()
    await users.set_state(turn.session, turn.user, STATE, state)


def _question_text(turn: Turn, year: int, key: str, state: dict[str, Any]) -> str:
    tr = turn.tr
    lines = [
        tr("yearend.step", year=year, step=KEYS.index(key) + 1, steps=len(KEYS)),
        tr(f"yearend.q.{key}", year=year),
    ]
    if key == "moments":
        picked = set(state.get("picked", []))
        lines.append("")
        for number, (ref, week, text) in enumerate(state.get("shortlist", []), start=1):
            mark = "✅" if ref in picked else f"{number}."
            lines.append(tr("yearend.moment", mark=mark, text=text, week=week))
    elif state.get("hints"):
        lines += ["", tr("yearend.hints"), *(f"• {html.escape(h)}" for h in state["hints"])]
    return "\n".join(lines)


def _question_keyboard(turn: Turn, year: int, state: dict[str, Any]) -> InlineKeyboardMarkup:
    tr = turn.tr
    key = state["key"]
    rows = []
    if key == "moments":
        picked = set(state.get("picked", []))
        toggles = [
            kb.button(("✅ " if ref in picked else "") + str(number), f"ye:pick:{year}:{number}")
            for number, (ref, _, _) in enumerate(state.get("shortlist", []), start=1)
        ]
        rows += kb.rows(toggles, 4)
        rows.append([kb.button(tr.plain("yearend.button.next"), f"ye:next:{year}:{key}")])
    else:
        rows.append([kb.button(tr.plain("yearend.button.skip"), f"ye:skip:{year}:{key}")])
    rows.append([kb.button(tr.plain("yearend.button.later"), f"ye:later:{year}:{key}")])
    return InlineKeyboardMarkup(rows)


async def _advance(turn: Turn, year: int, key: str) -> None:
    """Close the answered question's keyboard and ask the next one (or finish)."""
    state = turn.user.state_data or {}
    target = target_of(state.get("message"))
    if target is not None:
        turn.out.edit_keyboard(target, None)
    later = KEYS[KEYS.index(key) + 1 :]
    answered = await yearend.answers_of(turn.session, turn.user.id, year)
    for next_key in later:
        if next_key not in answered:
            await ask(turn, year, next_key)
            return
    await users.set_state(turn.session, turn.user, None)
    log.info("yearend_finished", extra={"user": turn.user.id, "year": year})
    await show_summary(turn, year, edit=False)


async def _hints(turn: Turn, year: int, key: str) -> list[str]:
    """A few of the user's own answers of the year that the question may bring back."""
    section = HINTS.get(key)
    if section is None:
        return []
    from bot.reports import collect

    journal = await _journal(turn, year)
    found = [
        q
        for q in collect.quotes(journal.weeks, include_private=False)
        if q.section is section and q.text
    ]
    longest = sorted(found, key=lambda q: -len(q.text))[:HINT_COUNT]
    return [_short(q.text) for q in sorted(longest, key=lambda q: q.week)]


async def handle_message(turn: Turn, content: Content) -> bool:
    """Take a text message as the open question's answer; False when no session is open.

    Anything that is not an answer leaves the session and is kept as a note: a photo or voice
    note, text while the moments are being picked, or any message once the question has
    waited :data:`SESSION_HOURS` (a session walked away from must not swallow next week's
    notes)."""
    if turn.user.state != STATE:
        return False
    state = turn.user.state_data or {}
    year, key = state.get("year"), state.get("key")
    if not isinstance(year, int) or key not in KEYS:
        await users.set_state(turn.session, turn.user, None)
        return False
    message = turn.message
    assert message is not None
    asked_at = state.get("asked_at")
    stale = not isinstance(asked_at, int | float) or (
        turn.now.timestamp() - asked_at > SESSION_HOURS * 3600
    )
    is_answer = content.kind is MessageKind.TEXT and bool((content.text or "").strip())
    if key == "moments" or not is_answer or stale:
        await _leave(turn, state, say=not stale)
        return False
    await yearend.keep(
        turn.session,
        user_id=turn.user.id,
        year=year,
        key=key,
        now=turn.now,
        text=content.text,
        chat_id=message.chat_id,
        message_id=message.message_id,
    )
    log.info("yearend_answered", extra={"user": turn.user.id, "year": year, "key": key})
    turn.out.react(message.message_id, SAVED_REACTION)
    await _advance(turn, year, key)
    return True


@private_turn()
async def on_yearend_button(turn: Turn) -> None:
    """``ye:<action>:<year>:<arg>``: pick, next, skip, later, private toggles, start."""
    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    parts = query.data.split(":")
    year = kb.small_int(parts[2]) if len(parts) == 4 else None
    this_year = turn.now.astimezone(turn.zone).year
    if year is None or not FIRST_YEAR <= year <= this_year:
        turn.reply(turn.tr("error.stale_button"))
        return
    action, arg = parts[1], parts[3]
    if action == "start":
        await start(turn, year)
        return
    if action == "private":
        await _toggle_private(turn, year, arg)
        return
    if action == "draft":
        turn.out.task("draft", year=year, include_private=False)
        return
    state = turn.user.state_data or {}
    asked = "moments" if action in ("pick", "next") else arg
    valid = (action != "next" or arg == "moments") and (action != "skip" or arg != "moments")
    if (
        not valid
        or turn.user.state != STATE
        or state.get("year") != year
        or (state.get("key") != asked)
    ):
        turn.reply(turn.tr("error.stale_button"))  # a question answered or left earlier
        return
    if action == "pick":
        await _pick(turn, year, arg, state)
    elif action == "next":
        picked = [str(p) for p in state.get("picked", [])]
        await yearend.keep(
            turn.session,
            user_id=turn.user.id,
            year=year,
            key="moments",
            now=turn.now,
            picked=picked,
            skipped=not picked,
        )
        await _advance(turn, year, "moments")
    elif action == "skip":
        await yearend.keep(
            turn.session, user_id=turn.user.id, year=year, key=arg, now=turn.now, skipped=True
        )
        await _advance(turn, year, arg)
    elif action == "later":
        await _leave(turn, state, say=True)
    else:
        turn.reply(turn.tr("error.stale_button"))


async def _leave(turn: Turn, state: dict[str, Any], *, say: bool) -> None:
    """End the session for now (its answers stay); /yearend resumes it."""
    target = target_of(state.get("message"))
    if target is not None:
        turn.out.edit_keyboard(target, None)
    await users.set_state(turn.session, turn.user, None)
    if say:  # the session's year: a bare /yearend may mean another one
        year = state.get("year")
        command = f"/yearend {year}" if isinstance(year, int) else "/yearend"
        turn.reply(turn.tr("yearend.later", command=command))


async def _pick(turn: Turn, year: int, arg: str, state: dict[str, Any]) -> None:
    shortlist = state.get("shortlist", [])
    number = kb.small_int(arg)
    if number is None or not 1 <= number <= len(shortlist):
        turn.reply(turn.tr("error.stale_button"))
        return
    ref = shortlist[number - 1][0]
    picked = [p for p in state.get("picked", []) if p != ref]
    if len(picked) == len(state.get("picked", [])):
        picked.append(ref)
    state = {**state, "picked": picked}
    await users.set_state(turn.session, turn.user, STATE, state)
    turn.edit_or_reply(
        _question_text(turn, year, "moments", state), _question_keyboard(turn, year, state)
    )


async def show_summary(turn: Turn, year: int, *, edit: bool) -> None:
    """The answers of ``year`` with a 🔒 toggle each and a button for the draft."""
    answered = await yearend.answers_of(turn.session, turn.user.id, year)
    tr = turn.tr
    lines = [tr("yearend.summary", year=year), ""]
    toggles = []
    for number, key in enumerate(KEYS, start=1):
        row = answered.get(key)
        if row is None or row.skipped:
            value = tr("yearend.summary.skipped")
        elif key == "moments":
            value = tr.n("yearend.summary.picked", len(row.picked or []))
        else:
            value = html.escape(_short(row.text or ""))
        lock = "🔒 " if row is not None and row.private else ""
        lines.append(f"{number}. {lock}<b>{tr(f'yearend.label.{key}')}</b> {value}")
        if row is not None and not row.skipped:
            toggles.append(
                kb.button(
                    ("🔓 " if row.private else "🔒 ") + str(number), f"ye:private:{year}:{key}"
                )
            )
    lines += ["", tr("yearend.summary.after", year=year)]
    rows = kb.rows(toggles, 3)
    rows.append([kb.button(tr.plain("yearend.button.draft"), f"ye:draft:{year}:go")])
    keyboard = InlineKeyboardMarkup(rows)
    if edit:
        turn.edit_or_reply("\n".join(lines), keyboard)
    else:
        turn.reply("\n".join(lines), keyboard)


async def _toggle_private(turn: Turn, year: int, key: str) -> None:
    row = (await yearend.answers_of(turn.session, turn.user.id, year)).get(key)
    if key not in KEYS or row is None:
        turn.reply(turn.tr("error.stale_button"))
        return
    row.private = not row.private
    await show_summary(turn, year, edit=True)
