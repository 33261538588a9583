"""The ``export`` and ``import`` tasks: a user's data out as files, and an export file back in.

Both run outside the update's transaction: the export reads with a read-only session, and
the import downloads the file from Telegram first and writes in one short transaction of its
own, together with the report it sends.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InputFile

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

log = logging.getLogger(__name__)

MAX_IMPORT_MB = 5
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
MAX_PROBLEM_CHARS = 300


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


async def run_import(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Download the file, then import it and queue the report in one transaction."""
    file = await ctx.bot.get_file(str(params["file_id"]))
    raw = bytes(await file.download_as_bytearray())
    async with ctx.services.transaction() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        tr = translator(user.language)
        out = Outgoing(session, ctx.chat_id, ctx.now, user.id)
        if len(raw) > MAX_IMPORT_BYTES:
            out.send_message(tr("data.import.too_big", limit=MAX_IMPORT_MB))
            return
        try:
            parsed = parse_document(raw)
            if parsed.user.id != user.id:
                log.info("import_refused_other_user", extra={"user": user.id})
                out.send_message(tr("data.import.other_user"))
                return
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
