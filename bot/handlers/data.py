"""/export, /delete, /privacy and importing an export file sent to the bot.

The user's data is theirs: /export sends all of it (a JSON file that can be imported back and
a Markdown archive), sending that JSON file restores it, /delete erases every row about them
after a confirmation, and /privacy says what is kept and where.
"""

from __future__ import annotations

import datetime as dtm
import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.turn import Turn, private_turn
from bot.i18n import Safe
from bot.pipeline.outgoing import SERVICE_CHAT, Outgoing
from bot.storage import inbox, outbox, users
from bot.storage.models import Answer, Entry, Goal, Review

log = logging.getLogger(__name__)

CONFIRM = "data:delete:confirm"
CANCEL = "data:delete:cancel"
DELETE_ASKED = "delete_asked_at"  # in user.state_data: when /delete asked to confirm
CONFIRM_WITHIN = dtm.timedelta(hours=1)


@private_turn()
async def export_command(turn: Turn) -> None:
    """Send everything stored about the user as JSON and a Markdown archive."""
    turn.out.task("export")


async def _count(session: AsyncSession, model: type[Review | Answer | Goal], user_id: int) -> int:
    query = select(func.count()).select_from(model).where(model.user_id == user_id)
    return int(await session.scalar(query) or 0)


async def _count_notes(session: AsyncSession, user_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Entry)
        .where(Entry.user_id == user_id, Entry.answer_id.is_(None))
    )
    return int(await session.scalar(query) or 0)


@private_turn()
async def delete_command(turn: Turn) -> None:
    """Say exactly what would be erased and ask for confirmation."""
    tr, session, user_id = turn.tr, turn.session, turn.user.id
    text = tr(
        "data.delete.confirm",
        reviews=Safe(tr.n("data.count.reviews", await _count(session, Review, user_id))),
        answers=Safe(tr.n("data.count.answers", await _count(session, Answer, user_id))),
        notes=Safe(tr.n("data.count.notes", await _count_notes(session, user_id))),
        goals=Safe(tr.n("data.count.goals", await _count(session, Goal, user_id))),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr.plain("data.delete.button.confirm"), callback_data=CONFIRM)],
            [InlineKeyboardButton(tr.plain("data.delete.button.cancel"), callback_data=CANCEL)],
        ]
    )
    # Beside whatever is open (a review, a pending import), which /delete must not end.
    user = turn.user
    user.state_data = {**(user.state_data or {}), DELETE_ASKED: turn.now.timestamp()}
    turn.reply(text, keyboard)


@private_turn()
async def privacy_command(turn: Turn) -> None:
    """Say what is stored, where, and how to export or delete it."""
    turn.reply(turn.tr("data.privacy.text"))


@private_turn(create=False)  # a tap after the account was deleted does not make a new one
async def on_data_button(turn: Turn) -> None:
    """``data:delete:confirm`` / ``data:delete:cancel``."""
    query = turn.update.callback_query
    assert query is not None
    if query.data == CONFIRM:
        # Only right after /delete: a tap an hour later, after other steps, or a forged one
        # without any /delete never erases anything.
        asked = (turn.user.state_data or {}).get(DELETE_ASKED)
        if not isinstance(asked, int | float) or not (
            dtm.timedelta(0)
            <= turn.now - dtm.datetime.fromtimestamp(asked, dtm.UTC)
            <= CONFIRM_WITHIN
        ):
            turn.edit_or_reply(turn.tr("data.delete.expired"))
            return
        await _delete_everything(turn)
    elif query.data == CANCEL:
        user = turn.user
        if DELETE_ASKED in (user.state_data or {}):
            user.state_data = {
                k: v for k, v in (user.state_data or {}).items() if k != DELETE_ASKED
            } or None
        turn.edit_or_reply(turn.tr("data.delete.cancelled"))
    else:
        turn.reply(turn.tr("error.stale_button"))


async def _delete_everything(turn: Turn) -> None:
    """Erase the user; ON DELETE CASCADE takes every other row about them along."""
    text = turn.tr("data.delete.done")  # in their language, before the settings are gone
    user_id, chat_id, key_id = turn.user.id, turn.user.chat_id, turn.user.key_id
    await users.delete_user(turn.session, user_id)
    # The pipeline's own copies go too: stored updates and queued or sent messages (what
    # they sent after confirming stays pending, to be stored afresh).
    await inbox.forget_chat(turn.session, chat_id, turn.update.update_id)
    await outbox.forget_chat(turn.session, chat_id)
    # Nothing loaded in this turn may be written back when the transaction commits (the
    # turn sets ``updated_at`` on the user after this handler): detach it all.
    turn.session.expunge_all()
    query = turn.update.callback_query
    if query is not None:  # its answer went with the rest of the chat's outbox
        turn.out.answer_callback(query.id)
    turn.edit_or_reply(text)
    # Once this commits, their data key is destroyed (crypto-shredding: every sealed copy of
    # their words, in backups too, becomes unreadable) and the write-ahead log is emptied.
    Outgoing(turn.session, SERVICE_CHAT, turn.now).task("shred", key_id=key_id)
    log.info("user_deleted", extra={"user": user_id})


JOURNAL_SUFFIXES = (".zip", ".csv", ".md", ".markdown")  # Day One, Daylio, Markdown notes
MAX_JOURNAL_MB = 20  # what Telegram lets a bot download
PENDING_IMPORT = "import_pending"  # user.state while a journal's preview awaits Import


def _is_json(document: Document) -> bool:
    name = (document.file_name or "").lower()
    return name.endswith(".json") or document.mime_type == "application/json"


def _is_journal(document: Document) -> bool:
    return (document.file_name or "").lower().endswith(JOURNAL_SUFFIXES)


@private_turn()
async def on_document(turn: Turn) -> None:
    """A document: an export JSON, or another app's journal to preview; else a friendly reply.

    A .json file may be this bot's export or a Day One / jrnl journal: the ``import`` task
    tells them apart once it has downloaded the file (outside this transaction)."""
    message = turn.message
    document = message.document if message is not None else None
    if document is None or not (_is_json(document) or _is_journal(document)):
        turn.reply(turn.tr("unsupported.kind"))
        return
    if document.file_size is not None and document.file_size > MAX_JOURNAL_MB * 1024 * 1024:
        turn.reply(turn.tr("data.import.too_big", limit=MAX_JOURNAL_MB))
        return
    turn.out.task("import", file_id=document.file_id, file_name=document.file_name or "export")


@private_turn()
async def on_import_button(turn: Turn) -> None:
    """``imp:go:<token>`` / ``imp:cancel:<token>`` under a journal's preview."""
    from bot.tasks.data import import_token

    query = turn.update.callback_query
    assert query is not None
    _, action, token = ([*(query.data or "").split(":", 2), "", ""])[:3]
    pending = turn.user.state_data or {}
    file_id = pending.get("file_id")
    if turn.user.state != PENDING_IMPORT or not isinstance(file_id, str):
        turn.reply(turn.tr("error.stale_button"))
        return
    if token and token != import_token(file_id):  # no token: a preview from before tokens
        turn.reply(turn.tr("data.journal.stale"))  # an older preview: another file waits
        return
    await users.set_state(turn.session, turn.user, None)
    if action == "go":
        turn.edit_or_reply(turn.tr("data.journal.importing"))
        turn.out.task(
            "import_journal",
            file_id=pending["file_id"],
            file_name=str(pending.get("file_name") or "export"),
            kind=str(pending.get("kind") or ""),
        )
    else:
        turn.edit_or_reply(turn.tr("data.journal.cancelled"))
