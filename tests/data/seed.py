"""A user with a bit of everything, built through the bot, and row counts for every table.

Shared by the export/import, delete and CLI tests of ``tests/data``.
"""

from __future__ import annotations

import datetime as dtm
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.data.export import archive_markdown
from bot.domain.journal import Journal, MessageKind
from bot.domain.questions import Section
from bot.reports.draft import compile_draft
from bot.storage import entries, goals, questions, reviews
from bot.storage.journal import load_journal
from bot.storage.models import Base, Delivery, InboxUpdate, OutboxMessage
from tests.conftest import Bot
from tests.fakes import FakeUser
from tests.helpers import finish_review, onboard

SLOT = dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC)  # Sunday 19:00 in Seoul, week 47
HEADLINE = "Open-sourced the model\n\n*after* two sleepless nights <3 & [links](x)"
GENERATED_ON = dtm.date(2026, 12, 31)


YEAR_NAME = "The year I shipped"
DAYONE = Path(__file__).parent / "imports" / "dayone.zip"


async def seed_user(bot: Bot, user_id: int = 1001, *, language: str = "en") -> FakeUser:
    """Onboard ``user_id`` and store notes, a full review with photos, a voice note, ⭐ and 🔒,
    a late review of an older week, a custom question, goals with a check-in, a delivery."""
    user = bot.user(user_id, language_code=language)
    if language == "en":
        await onboard(user)
    else:
        await onboard(user, zone="서울", day="일요일", hour="19:00")
    await user.send("an idea for later")
    await user.send_photo(caption="Sunset at the river")
    await user.send_voice(duration=7)
    note = await user.send("a note I will edit")
    await user.edit(note, "a note I edited")

    bot.clock.set(SLOT)
    await bot.tick()
    await user.tap(next(b for b in user.buttons() if b.startswith("▶️")))
    await user.send(HEADLINE)
    await _next(user)
    await user.send_photo(caption="Release party")
    await user.send("shipped v1.0")
    await _next(user)
    await _skip(user)  # challenge
    await user.send_voice(duration=12)
    await user.send("Thanks to my team lead")
    await _next(user)
    await user.tap("4")  # energy
    await user.send("slept badly midweek")
    await _next(user)
    await user.send("Write the tech report")
    await finish_review(user)
    await user.tap("⭐ 2")  # the win is a highlight
    await user.tap("🔒 4")  # the people answer is private
    await user.send("/review 2026-W45")
    await user.send("A late headline for week 45")

    async with bot.services.transaction() as session:
        run = await goals.add_goal(session, user_id, 2026, "Run a half marathon", SLOT)
        run.done, run.done_at = True, SLOT
        read = await goals.add_goal(session, user_id, 2026, "Read 20 books", SLOT)
        await goals.add_goal(session, user_id, 2027, "Learn to sail", SLOT)
        await goals.add_goal(session, user_id, 2025, "Move to Seoul", SLOT)
        review = await reviews.get_review(session, user_id, "2026-W47")
        assert review is not None
        checkin = await reviews.ensure_answer(
            session,
            review,
            key=f"goal:{read.id}",
            section=Section.GOALS.value,
            prompt="How is “Read 20 books” going?",
            now=SLOT,
            goal_id=read.id,
        )
        await entries.add_entry(
            session,
            user_id=user_id,
            week="2026-W47",
            chat_id=user.chat_id,
            message_id=900_001,
            kind=MessageKind.TEXT,
            text="Book 14 done",
            sent_at=SLOT,
            answer_id=checkin.id,
        )
        await questions.add_custom(session, user_id, "What made you proud?", Section.GROWTH)
        session.add(Delivery(user_id=user_id, kind="recap", period="2026-10", created_at=SLOT))
    # A Day One journal brought in (its photo is stored: Telegram has no copy).
    await user.send_document(DAYONE.read_bytes(), "dayone.zip", "application/zip")
    await user.tap(next(b for b in user.buttons() if b.startswith("📥")))
    # The year-end session, begun: the ⭐ win picked as a moment, the year named, then later.
    await user.send("/yearend 2026")
    await user.tap("1")
    await _next(user)
    await user.send(YEAR_NAME)
    await user.tap(next(b for b in user.buttons() if b.startswith(("Later", "나중에"))))
    return user


async def _next(user: FakeUser) -> None:
    await user.tap(next(b for b in user.buttons() if b.startswith(("Next", "다음"))))


async def _skip(user: FakeUser) -> None:
    await user.tap(next(b for b in user.buttons() if b.startswith(("Skip", "건너뛰기"))))


async def journal_of(bot: Bot, user_id: int = 1001) -> Journal:
    async with bot.services.transaction() as session:
        from bot.storage.users import get_user

        user = await get_user(session, user_id)
        assert user is not None
        return await load_journal(session, user)


async def drafts(bot: Bot, user_id: int = 1001, lang: str = "en") -> tuple[str, str, str]:
    """The 2026 draft without and with private answers, and the Markdown archive."""
    journal = await journal_of(bot, user_id)
    return (
        compile_draft(journal, 2026, lang, generated_on=GENERATED_ON),
        compile_draft(journal, 2026, lang, include_private=True, generated_on=GENERATED_ON),
        archive_markdown(journal, lang),
    )


async def rows_by_table(bot: Bot, user_id: int | None = None) -> dict[str, int]:
    """Rows in every table of the schema (those about ``user_id`` only, when given)."""
    counts = {}
    async with bot.services.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "service_state":
                continue
            query = select(func.count()).select_from(table)
            if table.name in PIPELINE_CONTENT:  # the rows there that still hold user content
                chat, payload = PIPELINE_CONTENT[table.name]
                query = query.where(payload.is_not(None))
                if user_id is not None:
                    query = query.where(chat == user_id)  # private chat id == user id
            elif user_id is not None:
                column = table.c.id if table.name == "users" else table.c.user_id
                query = query.where(column == user_id)
            counts[table.name] = int(await session.scalar(query) or 0)
    return counts


PIPELINE_CONTENT: dict[str, tuple[Any, Any]] = {
    "inbox_updates": (InboxUpdate.chat_key, InboxUpdate.payload),
    "outbox_messages": (OutboxMessage.chat_id, OutboxMessage.payload),
}
"""Pipeline tables, and the columns that say whose chat a row is and whether it holds text."""
