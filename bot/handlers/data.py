"""/export, /delete, /privacy and importing an export file sent to the bot.

The user's data is theirs: /export sends all of it (a JSON file that can be imported back and
a Markdown archive), sending that JSON file restores it, /delete erases every row about them
after a confirmation, and /privacy says what is kept and where.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from bot.data.export import (
    JSON_FILE_NAME,
    MARKDOWN_FILE_NAME,
    archive_markdown,
    build_export,
    export_bytes,
)
from bot.data.importer import (
    COUNTED,
    ImportProblem,
    ImportReport,
    import_document,
    parse_document,
)
from bot.data.schema import SCHEMA_VERSION
from bot.handlers.turn import Turn, private_turn
from bot.i18n import Safe, Translator
from bot.storage import users
from bot.storage.journal import load_journal
from bot.storage.models import Answer, Entry, Goal, Review

log = logging.getLogger(__name__)

MAX_IMPORT_MB = 5
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
MAX_PROBLEM_CHARS = 300
CONFIRM = "data:delete:confirm"
CANCEL = "data:delete:cancel"


@private_turn()
async def export_command(turn: Turn) -> None:
    """Send everything stored about the user as JSON and a Markdown archive."""
    user = turn.user
    document = await build_export(turn.session, user, turn.now)
    journal = await load_journal(turn.session, user)
    json_name = JSON_FILE_NAME.format(user_id=user.id)
    markdown_name = MARKDOWN_FILE_NAME.format(user_id=user.id)
    bot = turn.context.bot
    await bot.send_document(user.chat_id, InputFile(export_bytes(document), filename=json_name))
    archive = archive_markdown(journal, user.language).encode("utf-8")
    await bot.send_document(user.chat_id, InputFile(archive, filename=markdown_name))
    await turn.reply(turn.tr("data.export.done", json_name=json_name, markdown_name=markdown_name))
    log.info("data_exported", extra={"user": user.id})


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
    await turn.reply(text, keyboard)


@private_turn()
async def privacy_command(turn: Turn) -> None:
    """Say what is stored, where, and how to export or delete it."""
    await turn.reply(turn.tr("data.privacy.text"))


@private_turn()
async def on_data_button(turn: Turn) -> None:
    """``data:delete:confirm`` / ``data:delete:cancel``."""
    query = turn.update.callback_query
    assert query is not None
    if query.data == CONFIRM:
        await _delete_everything(turn)
    elif query.data == CANCEL:
        await turn.edit_or_reply(turn.tr("data.delete.cancelled"))
    else:
        await turn.reply(turn.tr("error.stale_button"))


async def _delete_everything(turn: Turn) -> None:
    """Erase the user; ON DELETE CASCADE takes every other row about them along."""
    text = turn.tr("data.delete.done")  # in their language, before the settings are gone
    user_id = turn.user.id
    await users.delete_user(turn.session, user_id)
    # Nothing loaded in this turn may be written back when the transaction commits (the
    # turn sets ``updated_at`` on the user after this handler): detach it all.
    turn.session.expunge_all()
    await turn.edit_or_reply(text)
    log.info("user_deleted", extra={"user": user_id})


def _is_json(document: Document) -> bool:
    name = (document.file_name or "").lower()
    return name.endswith(".json") or document.mime_type == "application/json"


@private_turn()
async def on_document(turn: Turn) -> None:
    """A document: an export JSON to import, anything else gets a friendly reply."""
    message = turn.message
    document = message.document if message is not None else None
    if document is None or not _is_json(document):
        await turn.reply(turn.tr("unsupported.kind"))
        return
    too_big = turn.tr("data.import.too_big", limit=MAX_IMPORT_MB)
    if document.file_size is not None and document.file_size > MAX_IMPORT_BYTES:
        await turn.reply(too_big)
        return
    file = await turn.context.bot.get_file(document.file_id)
    raw = bytes(await file.download_as_bytearray())
    if len(raw) > MAX_IMPORT_BYTES:
        await turn.reply(too_big)
        return
    try:
        parsed = parse_document(raw)
        if parsed.user.id != turn.user.id:
            log.info("import_refused_other_user", extra={"user": turn.user.id})
            await turn.reply(turn.tr("data.import.other_user"))
            return
        report = await import_document(turn.session, parsed, now=turn.now)
    except ImportProblem as problem:
        # The import's savepoint was rolled back, which expired what it had changed.
        await turn.session.refresh(turn.user)
        log.info("import_refused", extra={"user": turn.user.id, "kind": problem.kind})
        await turn.reply(_problem_text(turn.tr, problem))
        return
    log.info(
        "data_imported",
        extra={"user": turn.user.id, "added": sum(report.added.values())},
    )
    await turn.reply(_report_text(turn.tr, report))


def _problem_text(tr: Translator, problem: ImportProblem) -> str:
    if problem.kind == "newer_version":
        return tr("data.import.newer_version", version=problem.version, supported=SCHEMA_VERSION)
    if problem.kind == "invalid":
        detail = str(problem)
        if len(detail) > MAX_PROBLEM_CHARS:
            detail = detail[: MAX_PROBLEM_CHARS - 1] + "…"
        return tr("data.import.invalid", problem=detail)
    return tr(f"data.import.{problem.kind}")


def _counts(tr: Translator, counts: dict[str, int]) -> str:
    parts = [tr.n(f"data.count.{kind}", counts[kind]) for kind in COUNTED if counts.get(kind)]
    return ", ".join(parts) or tr("data.import.nothing")


def _report_text(tr: Translator, report: ImportReport) -> str:
    text = tr(
        "data.import.done",
        added=Safe(_counts(tr, report.added)),
        present=Safe(_counts(tr, report.present)),
    )
    key = (
        "data.import.settings_restored" if report.settings_restored else "data.import.settings_kept"
    )
    return text + "\n\n" + tr(key)
