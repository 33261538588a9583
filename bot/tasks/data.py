"""The ``export`` and ``import`` tasks: a user's data out as files, and an export file back in.

Both run outside the update's transaction: the export reads with a read-only session, and
the import downloads the file from Telegram first and writes in one short transaction of its
own, together with the report it sends.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from babel.dates import format_interval
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile

from bot.data.export import (
    JSON_FILE_NAME,
    MARKDOWN_FILE_NAME,
    archive_markdown,
    build_export,
    export_bytes,
)
from bot.data.importer import COUNTED, ImportProblem, ImportReport, import_document, parse_document
from bot.data.schema import SCHEMA_VERSION
from bot.i18n import Safe, Translator, translator
from bot.pipeline.outgoing import Outgoing
from bot.pipeline.tasks import TaskContext
from bot.storage import users
from bot.storage.journal import load_journal

if TYPE_CHECKING:
    from bot.imports.base import ImportRefused

log = logging.getLogger(__name__)

MAX_IMPORT_MB = 20  # what Telegram lets a bot download; an export with photos needs it
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
MAX_PROBLEM_CHARS = 300
PENDING_IMPORT = "import_pending"  # bot.handlers.data.PENDING_IMPORT
FORMAT_NAMES = {"dayone": "Day One", "jrnl": "jrnl", "daylio": "Daylio"}


async def run_export(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Send everything stored about the user as JSON and a Markdown archive."""
    async with ctx.services.reading() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        document = await build_export(session, user, ctx.now)
        journal = await load_journal(session, user)
    tr = translator(user.language)
    json_name = JSON_FILE_NAME.format(user_id=user.id)
    markdown_name = MARKDOWN_FILE_NAME.format(user_id=user.id)
    await ctx.send_document(InputFile(export_bytes(document), filename=json_name))
    archive = archive_markdown(journal, user.language).encode("utf-8")
    await ctx.send_document(InputFile(archive, filename=markdown_name))
    await ctx.send_message(tr("data.export.done", json_name=json_name, markdown_name=markdown_name))
    log.info("data_exported", extra={"user": user.id})


async def _download(ctx: TaskContext, file_id: str) -> bytes:
    file = await ctx.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def _is_journal(raw: bytes, name: str) -> bool:
    """Another app's journal (Day One, jrnl, Daylio, Markdown), not this bot's export: a
    JSON file that is neither goes the export's way, whose errors say what is wrong."""
    from bot.imports.base import ImportRefused
    from bot.imports.formats import detect, files_of

    if not name.lower().endswith(".json"):
        return True  # a .zip, .csv or .md: only journals come that way
    if b'"schema_version"' in raw[:1_000_000]:
        return False
    try:
        return detect(files_of(raw, name)) is not None
    except ImportRefused:
        return False


async def run_import(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Download the file: this bot's export is checked (outside any transaction), then
    imported in one transaction, with its report; another app's journal gets a preview with
    Import / Cancel."""
    raw = await _download(ctx, str(params["file_id"]))
    if _is_journal(raw, str(params.get("file_name") or "export.json")):
        await preview_journal(ctx, params, raw)
        return
    async with ctx.services.reading() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        user_id, tr = user.id, translator(user.language)
    refusal: str | None = None
    if len(raw) > MAX_IMPORT_BYTES:
        refusal = tr("data.import.too_big", limit=MAX_IMPORT_MB)
    else:
        try:  # JSON and schema checks of up to 20 MB: not while holding the write lock
            parsed = await asyncio.to_thread(parse_document, raw)
        except ImportProblem as problem:
            log.info("import_refused", extra={"user": user_id, "kind": problem.kind})
            refusal = problem_text(tr, problem)
        else:
            if parsed.user.id != user_id:
                log.info("import_refused_other_user", extra={"user": user_id})
                refusal = tr("data.import.other_user")
    if refusal is not None:
        await ctx.send_message(refusal)
        return
    async with ctx.services.transaction() as session:
        user = await users.get_user(session, user_id)
        if user is None:
            return
        out = Outgoing(session, ctx.chat_id, ctx.now, user.id)
        try:
            report = await import_document(session, parsed, now=ctx.now)
        except ImportProblem as problem:
            log.info("import_refused", extra={"user": user.id, "kind": problem.kind})
            out.send_message(problem_text(tr, problem))
            return
        log.info("data_imported", extra={"user": user.id, "added": sum(report.added.values())})
        out.send_message(report_text(tr, report))


def problem_text(tr: Translator, problem: ImportProblem) -> str:
    if problem.kind == "newer_version":
        return tr("data.import.newer_version", version=problem.version, supported=SCHEMA_VERSION)
    if problem.kind == "invalid":
        detail = str(problem)
        if len(detail) > MAX_PROBLEM_CHARS:
            detail = detail[: MAX_PROBLEM_CHARS - 1] + "…"
        return tr("data.import.invalid", problem=detail)
    return tr(f"data.import.{problem.kind}")


def journal_done_text(tr: Translator, added: int, weeks: int, photos: int, present: int) -> str:
    """What an import of a journal brought: only the counts that are not zero."""
    if not added:
        text = tr("data.journal.nothing_new")
    else:
        notes = tr.n("data.journal.n_notes", added)
        spread = tr.n("data.journal.n_weeks", weeks)
        if photos:
            photo_count = tr.n("data.journal.n_photos", photos)
            text = tr("data.journal.done_photos", notes=notes, weeks=spread, photos=photo_count)
        else:
            text = tr("data.journal.done", notes=notes, weeks=spread)
    if present:
        text += " " + tr.n("data.journal.n_present", present)
    if added:
        text += " " + tr("data.journal.where")
    return text


def _counts(tr: Translator, counts: dict[str, int]) -> str:
    parts = [tr.n(f"data.count.{kind}", counts[kind]) for kind in COUNTED if counts.get(kind)]
    return ", ".join(parts) or tr("data.import.nothing")


def report_text(tr: Translator, report: ImportReport) -> str:
    text = tr(
        "data.import.done",
        added=Safe(_counts(tr, report.added)),
        present=Safe(_counts(tr, report.present)),
    )
    key = (
        "data.import.settings_restored" if report.settings_restored else "data.import.settings_kept"
    )
    return text + "\n\n" + tr(key)


# --- another app's journal ------------------------------------------------------------------


def _journal_reason(tr: Translator, refused: ImportRefused) -> str:
    """Why the journal cannot be imported, in the user's language."""
    return tr("data.journal.refused", reason=refused.text.render(tr)[:MAX_PROBLEM_CHARS])


async def preview_journal(ctx: TaskContext, params: dict[str, Any], raw: bytes) -> None:
    """Parse the journal (nothing stored) and offer Import / Cancel with what was found."""
    from bot.imports.base import ImportRefused
    from bot.imports.formats import parse_export

    async with ctx.services.reading() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        zone, lang, onboarded = user.timezone or "UTC", user.language, user.onboarded
    tr = translator(lang)
    if not onboarded:  # its weeks follow the time zone; and setup's question stays open
        await ctx.send_message(tr("data.journal.setup_first"))
        return
    name = str(params.get("file_name") or "export")
    try:
        parsed = await asyncio.to_thread(parse_export, raw, name, zone)
    except ImportRefused as refused:
        log.info("journal_refused", extra={"user": ctx.user_id})
        await ctx.send_message(_journal_reason(tr, refused))
        return
    span = parsed.span()
    if span is None:
        await ctx.send_message(tr("data.journal.empty", problems=_problems(tr, parsed)))
        return
    found = [tr.n("data.journal.n_entries", len(parsed.entries))]
    if parsed.photos:
        found.append(tr.n("data.journal.n_photos", parsed.photos))
    text = tr(
        "data.journal.preview",
        format=tr.plain("site.markdown")
        if parsed.format == "markdown"
        else FORMAT_NAMES.get(parsed.format, parsed.format),
        entries=Safe(", ".join(found)),
        # "Mar – Jun 2025" / "2025년 3월~6월"; one month once
        span=format_interval(span[0].date(), span[1].date(), "yMMM", locale=lang),
    ) + _problems(tr, parsed)
    async with ctx.services.transaction() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        file_id = str(params["file_id"])
        await users.set_state(
            session,
            user,
            PENDING_IMPORT,
            {"file_id": file_id, "file_name": name, "kind": parsed.format},
        )
        token = import_token(file_id)  # the buttons act on this preview's file only
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        tr.plain("data.journal.import"), callback_data=f"imp:go:{token}"
                    ),
                    InlineKeyboardButton(
                        tr.plain("data.journal.cancel"), callback_data=f"imp:cancel:{token}"
                    ),
                ]
            ]
        )
        Outgoing(session, ctx.chat_id, ctx.now, user.id).send_message(text, keyboard)


def import_token(file_id: str) -> str:
    """A short name for the file a journal preview is about, carried by its buttons."""
    return hashlib.sha256(file_id.encode()).hexdigest()[:12]


def _problems(tr: Translator, parsed: Any) -> Safe:
    """The line about entries that were left out (HTML, escaped once), or nothing."""
    if not parsed.problems:
        return Safe("")
    first = parsed.problems[0]
    return Safe(
        "\n"
        + tr.n(
            "data.journal.problems",
            len(parsed.problems),
            example=f"{first.place.render(tr)}: {first.cause.render(tr)}"[:MAX_PROBLEM_CHARS],
        )
    )


async def run_import_journal(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Download and parse again, then store the entries in short batches and report."""
    from bot.imports.base import ImportRefused
    from bot.imports.formats import parse_export
    from bot.imports.store import store

    raw = await _download(ctx, str(params["file_id"]))
    async with ctx.services.reading() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        zone, lang, chat_id = user.timezone or "UTC", user.language, user.chat_id
    tr = translator(lang)
    try:
        parsed = await asyncio.to_thread(
            parse_export,
            raw,
            str(params.get("file_name") or "export"),
            zone,
            kind=params.get("kind") or None,
        )
    except ImportRefused as refused:
        await ctx.send_message(_journal_reason(tr, refused))
        return
    stored = await store(
        ctx.services.transaction,
        parsed,
        user_id=user.id,
        chat_id=chat_id,
        zone=zone,
        now=ctx.now,
        between_batches=lambda: asyncio.sleep(0),
    )
    log.info("journal_imported", extra={"user": user.id, "added": stored.added})
    await ctx.send_message(
        journal_done_text(tr, stored.added, len(stored.weeks), stored.photos, stored.present)
    )
