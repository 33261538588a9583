"""The ``draft`` and ``draft_zip`` tasks: ``review-2026.md``, and a ZIP with photos and chart
laid out as plain Markdown or for Hugo, Jekyll or MkDocs (:mod:`bot.reports.site`)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import TelegramError

from bot.domain.journal import Journal, MessageKind, WeekView
from bot.i18n import translator
from bot.pipeline.tasks import TaskContext
from bot.reports import collect
from bot.reports.charts import energy_chart_png
from bot.reports.draft import DraftNumbers, compile_draft, draft_numbers
from bot.reports.site import FORMATS, Layout, SiteFormat, parse_format, site_name
from bot.reports.stats import week_number, weeks_of_year
from bot.scheduling import open_week
from bot.storage import users
from bot.storage.journal import load_journal
from bot.storage.models import ImportedFile, User

log = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 49 * 1024 * 1024  # Telegram bots may send files up to 50 MB
CHART_NAME = "energy-{year}.png"


@dataclass(frozen=True)
class Draft:
    """A compiled draft and what the bot says about it."""

    year: int
    markdown: str
    numbers: DraftNumbers
    include_private: bool
    offer_year_end: bool = False  # the /yearend session was not done for this year

    @property
    def filename(self) -> str:
        return f"review-{self.year}.md"


def _today(user: User, now: dtm.datetime) -> dtm.date:
    return now.astimezone(ZoneInfo(user.timezone or "UTC")).date()


def has_content(numbers: DraftNumbers) -> bool:
    return numbers.answers > 0 or numbers.notes > 0


def compile_for(
    journal: Journal, user: User, year: int, now: dtm.datetime, *, include_private: bool = False
) -> Draft:
    """The draft of ``year`` from a loaded journal (pure: no database, no Telegram)."""
    today, open_from = _today(user, now), open_week(user, now)
    numbers = draft_numbers(
        journal, year, as_of=today, open_from=open_from, include_private=include_private
    )
    markdown = compile_draft(
        journal,
        year,
        user.language,
        include_private=include_private,
        generated_on=today,
        open_from=open_from,
    )
    answered = {v.key for v in journal.year_end if v.year == year}
    return Draft(year, markdown, numbers, include_private, offer_year_end=not answered)


def summary_text(user: User, draft: Draft) -> str:
    tr = translator(user.language)
    n = draft.numbers
    energy = (
        tr("draft.summary.energy", energy=f"{n.average_energy:.1f}")
        if n.average_energy is not None
        else ""
    )
    return (
        tr(
            "draft.summary",
            year=draft.year,
            answered=n.weeks_answered,
            total=n.weeks_total,
            longest=n.longest_streak,
            notes=n.notes,
            photos=n.photos,
            highlights=n.highlights,
            starred=n.highlights_starred,
        )
        + energy
        + "\n\n"
        + (
            tr("draft.summary.private_included")
            if draft.include_private
            else tr("draft.summary.private_left_out", year=draft.year)
        )
    )


def zip_keyboard(user: User, draft: Draft) -> InlineKeyboardMarkup:
    """One button per site format (the user's last choice marked ✓): a tap sends the ZIP."""
    flag = 1 if draft.include_private else 0
    chosen = parse_format(user.draft_format)
    plain = translator(user.language).plain
    buttons = [
        InlineKeyboardButton(
            f"📦 {site_name(site, plain)}" + (" ✓" if site == chosen else ""),
            callback_data=f"draft:zip:{draft.year}:{flag}:{site}",
        )
        for site in FORMATS
    ]
    rows = [buttons[:2], buttons[2:]]
    if draft.offer_year_end:
        offer = plain("yearend.button.offer")
        rows.append([InlineKeyboardButton(offer, callback_data=f"ye:start:{draft.year}:go")])
    return InlineKeyboardMarkup(rows)


async def send_draft(ctx: TaskContext, user: User, draft: Draft) -> None:
    """One message: the Markdown file, captioned with the numbers and the offer of a ZIP."""
    document = InputFile(draft.markdown.encode("utf-8"), filename=draft.filename)
    await ctx.send_document(
        document, caption=summary_text(user, draft), reply_markup=zip_keyboard(user, draft)
    )


async def imported_files(session: AsyncSession, user_id: int) -> dict[str, bytes]:
    """The user's photos that came with imported journal entries, by file_unique_id."""
    rows = await session.scalars(select(ImportedFile).where(ImportedFile.user_id == user_id))
    return {row.file_unique_id: bytes(row.content) for row in rows}


async def _user_and_journal(ctx: TaskContext) -> tuple[User, Journal] | None:
    """The task's user and all their weeks, read without holding the write lock."""
    async with ctx.services.reading() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return None  # deleted since the task was queued
        return user, await load_journal(session, user)


async def run_draft(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Compile and send the draft of ``params["year"]``; an empty year gets a short note when
    the user asked, and nothing when it was the automatic December draft."""
    year, include_private = int(params["year"]), bool(params.get("include_private"))
    loaded = await _user_and_journal(ctx)
    if loaded is None:
        return
    user, journal = loaded
    # Pure CPU work (story threads among it): off the event loop, so other chats go on.
    draft = await asyncio.to_thread(
        compile_for, journal, user, year, ctx.now, include_private=include_private
    )
    if not has_content(draft.numbers):
        if params.get("automatic"):
            log.info("draft_skipped_empty", extra={"user": user.id, "year": year})
        else:
            await ctx.send_message(translator(user.language)("draft.empty", year=year))
        return
    await send_draft(ctx, user, draft)


async def run_zip(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Build the ZIP (photos fetched from Telegram, outside any transaction) and send it."""
    year, include_private = int(params["year"]), bool(params.get("include_private"))
    loaded = await _user_and_journal(ctx)
    if loaded is None:
        return
    user, journal = loaded
    tr = translator(user.language)
    site = parse_format(params.get("site") or user.draft_format)
    author = params.get("author")
    async with ctx.services.reading() as session:
        imported = await imported_files(session, user.id)
    archive = await build_archive(
        ctx.bot,
        user,
        journal,
        year,
        ctx.now,
        include_private=include_private,
        site=site,
        author=author if isinstance(author, str) else None,
        imported=imported,
    )
    if len(archive.content) > MAX_UPLOAD_BYTES:
        await ctx.send_message(tr("draft.zip_too_big"))
        return
    caption = tr.n("draft.zip_caption", archive.photos) + "\n" + tr(f"draft.site.{site}")
    if archive.missing:
        caption += "\n" + tr("draft.zip_missing", weeks=", ".join(archive.missing[:20]))
    await ctx.send_document(
        InputFile(archive.content, filename=archive.layout.archive_name), caption=caption[:1024]
    )


@dataclass(frozen=True)
class DraftArchive:
    content: bytes
    photos: int
    missing: list[str]  # week labels of photos that could not be downloaded
    layout: Layout


def _photos(views: list[WeekView], include_private: bool) -> list[tuple[WeekView, str | None, str]]:
    """(week, Telegram file_id or None for an imported photo, file_unique_id) of every photo
    the draft may show, in order."""
    found: list[tuple[WeekView, str | None, str]] = []
    for view in views:
        for answer in view.answers:
            if answer.private and not include_private:
                continue
            found += [
                (view, m.file_id, m.file_unique_id)
                for m in answer.messages
                if m.kind is MessageKind.PHOTO and m.file_id and m.file_unique_id
            ]
        found += [
            (view, m.file_id, m.file_unique_id)
            for m in view.notes
            if m.kind is MessageKind.PHOTO and m.file_unique_id
        ]
    return found


async def build_archive(
    bot: Bot,
    user: User,
    journal: Journal,
    year: int,
    now: dtm.datetime,
    *,
    include_private: bool,
    site: SiteFormat = "markdown",
    author: str | None = None,
    imported: dict[str, bytes] | None = None,
) -> DraftArchive:
    """The draft with its photos and the year's energy chart, laid out for ``site``
    (:mod:`bot.reports.site`)."""
    layout = Layout(site, year, _today(user, now))
    weeks = weeks_of_year(year)
    views = collect.views_for(journal.weeks, weeks)
    images: dict[str, str] = {}
    files: dict[str, bytes] = {}
    missing: list[str] = []
    counters: dict[str, int] = {}
    for view, file_id, unique_id in _photos(views, include_private):
        if unique_id in images:
            continue
        counters[view.week.key] = counters.get(view.week.key, 0) + 1
        # The year in the name too: two years' ZIPs unpacked into one folder keep their own.
        name = f"{view.week.year}-w{view.week.week:02d}-{counters[view.week.key]}.jpg"
        path, link = layout.image(name)
        try:
            if file_id is None:  # brought in from another journal: its bytes are stored
                if unique_id not in (imported or {}):
                    raise TelegramError("imported photo missing")
                content = (imported or {})[unique_id]
            else:
                telegram_file = await bot.get_file(file_id)
                content = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("photo_not_fetched", extra={"user": user.id, "reason": type(exc).__name__})
            missing.append(week_number(view.week, user.language))
            continue
        images[unique_id] = link
        files[path] = content
    chart_path, chart_link = layout.image(CHART_NAME.format(year=year))
    tr = translator(user.language)
    chart_views = [
        journal.week(w) or WeekView(week=w)
        for w in journal.since_joined(weeks)
        if w.monday <= _today(user, now)
    ]
    open_from = open_week(user, now)
    files[chart_path] = energy_chart_png(
        chart_views, user.language, tr.plain("draft.chart_title", year=year), open_from=open_from
    )
    markdown = await asyncio.to_thread(
        compile_draft,
        journal,
        year,
        user.language,
        include_private=include_private,
        images=images,
        energy_chart=chart_link,
        generated_on=_today(user, now),
        open_from=open_from,
        site=site,
        author=author,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(layout.page, markdown)
        for path, content in files.items():
            archive.writestr(path, content)
    return DraftArchive(buffer.getvalue(), len(images), missing, layout)
