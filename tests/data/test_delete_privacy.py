"""/delete erases every row about the user (and nothing else); /privacy says what is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Bot
from tests.data.seed import PIPELINE_CONTENT, rows_by_table, seed_user
from tests.fakes import FakeUser
from tests.helpers import note_update, onboard, reacted, stored_entries, stored_user

CONFIRM = "🗑 Delete everything"


async def _other_user(bot: Bot) -> FakeUser:
    other = bot.user(1002, first_name="Bea")
    await onboard(other)
    await other.send("Bea's own note")
    return other


async def test_delete_says_exactly_what_will_be_erased(bot: Bot) -> None:
    user = await seed_user(bot)
    await user.send("/delete")
    text = user.last_text()
    assert "2 weekly reviews, with 9 answers" in text
    assert "9 notes" in text  # 4 sent, 5 from the Day One journal
    assert "4 goals" in text
    assert "settings and your question list" in text
    assert "file ids" in text
    assert "/export" in text
    assert user.buttons() == [CONFIRM, "Cancel"]


async def test_confirming_erases_every_row_about_the_user(bot: Bot) -> None:
    await _other_user(bot)
    user = await seed_user(bot)
    others = await rows_by_table(bot, 1002)
    assert others["users"] == others["entries"] == 1
    mine = await rows_by_table(bot, 1001)
    assert all(n for t, n in mine.items() if t not in PIPELINE_CONTENT), mine  # every table

    await user.send("/delete")
    await user.tap(CONFIRM)

    assert await rows_by_table(bot, 1001) == dict.fromkeys(mine, 0)
    assert await rows_by_table(bot, 1002) == others
    assert await stored_user(bot, 1001) is None
    assert "Everything I kept about you is gone" in user.last_text()
    assert "/start" in user.last_text()
    assert user.last_message().reply_markup is None  # the confirmation lost its buttons


async def test_everything_left_is_exactly_the_other_users_rows(bot: Bot) -> None:
    await _other_user(bot)
    user = await seed_user(bot)  # its scheduler tick prompts the other user too
    others = await rows_by_table(bot, 1002)
    await user.send("/delete")
    await user.tap(CONFIRM)
    everything = await rows_by_table(bot)
    assert {t: n for t, n in everything.items() if t != "alembic_version"} == others


async def test_cancel_keeps_everything(bot: Bot) -> None:
    user = await seed_user(bot)
    before = await rows_by_table(bot)
    await user.send("/delete")
    await user.tap("Cancel")
    assert await rows_by_table(bot) == before
    assert "Nothing was deleted" in user.last_text()
    assert user.last_message().reply_markup is None


async def test_after_deleting_start_begins_afresh(bot: Bot) -> None:
    user = await seed_user(bot)
    await user.send("/delete")
    await user.tap(CONFIRM)
    await user.send("/start")
    assert "Hi! I'm your weekly review companion" in user.texts_since(0)[-2]
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert not stored.onboarded
    assert (await rows_by_table(bot, 1001))["entries"] == 0


async def test_deleted_user_gets_no_more_prompts(bot: Bot) -> None:
    user = await seed_user(bot)
    await user.send("/delete")
    await user.tap(CONFIRM)
    mark = user.mark()
    bot.clock.advance(days=14)
    await bot.tick()
    assert user.texts_since(mark) == []


async def test_delete_works_for_a_user_who_never_set_up(bot: Bot) -> None:
    user = bot.user()
    await user.send("/delete")
    assert "0 weekly reviews" in user.last_text()
    await user.tap(CONFIRM)
    assert await stored_user(bot, 1001) is None


async def test_tapping_an_older_confirmation_too_is_harmless(bot: Bot) -> None:
    user = await seed_user(bot)
    await user.send("/delete")
    first = user.last_message().message_id
    await user.send("/delete")
    second = user.last_message().message_id
    await user.tap(CONFIRM, second)
    await user.tap(CONFIRM, first)
    assert sum((await rows_by_table(bot, 1001)).values()) == 0
    assert "Everything I kept about you is gone" in user.last_text()


async def test_delete_in_korean(bot: Bot) -> None:
    user = bot.user(language_code="ko")
    await user.send("/delete")
    assert "정말 모두 지울까요?" in user.last_text()
    assert user.buttons() == ["🗑 모두 지우기", "취소"]
    await user.tap("🗑 모두 지우기")
    assert "모두 지웠어요" in user.last_text()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "What I store",
                "Where",
                "Telegram file ids",
                "goals",
                "database of the person who runs this bot",
                "Nothing is shared",
                "/export",
                "/delete",
                "locked with a key of your own",
                "Your key is destroyed too",
                "not even in backups the operator made before",
            ],
        ),
        (
            "ko",
            [
                "저장하는 것",
                "저장하는 곳",
                "텔레그램 파일 ID",
                "목표",
                "운영하는 분의 데이터베이스",
                "공유하지 않고",
                "/export",
                "/delete",
                "나만의 열쇠로 암호화해서 저장해요",
                "내 열쇠도 함께 없애기 때문에",
                "그전에 만든 백업에 남은 내용까지",
            ],
        ),
    ],
)
async def test_privacy_says_what_is_stored_where_and_how_to_delete(
    bot: Bot, language: str, expected: list[str]
) -> None:
    user = bot.user(language_code=language)
    await user.send("/privacy")
    text = user.last_text()
    for phrase in expected:
        assert phrase in text
    assert "sqlite" not in text.lower()
    assert bot.services.settings.database_url not in text


async def test_delete_leaves_nothing_of_the_chat_in_the_pipeline(bot: Bot) -> None:
    """Stored updates and sent or queued messages of the chat go too, not only the user's
    tables: nothing in the inbox or outbox names the chat once the confirmation is out."""
    from sqlalchemy import func, select

    from bot.storage.models import InboxUpdate, OutboxMessage

    user = await seed_user(bot)
    async with bot.services.reading() as session:
        kept = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == 1001)
        )
    assert kept, "the seeded review keeps the ids of messages it may still edit"
    await user.send("/delete")
    await user.tap(CONFIRM)
    async with bot.services.reading() as session:
        inbox = await session.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.chat_key == 1001)
        )
        outbox = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == 1001)
        )
    assert (inbox, outbox) == (0, 0)
    assert "Everything I kept about you is gone" in user.last_text()


def _database_files(database_url: str) -> tuple[Path, Path]:
    """The SQLite database file and its write-ahead log."""
    from bot.storage.engine import sqlite_path

    path = sqlite_path(database_url)
    assert path is not None
    return path, path.with_name(path.name + "-wal")


def _database_bytes(database_url: str) -> bytes:
    """The database file and its write-ahead log, as they are on disk now."""
    path, wal = _database_files(database_url)
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def _sealed_notes(bot: Bot, user_id: int) -> list[bytes]:
    """The user's notes as they are on disk: sealed (tests/crypto shows no word is plain)."""
    from sqlalchemy import select

    from bot.storage.models import Entry

    table = Entry.__table__
    async with bot.services.engine.connect() as connection:
        texts = await connection.scalars(
            select(table.c.text).where(table.c.user_id == user_id, table.c.text.is_not(None))
        )
        return [text.encode() for text in texts]


def _on_disk(database_url: str, sealed: list[bytes]) -> int:
    data = _database_bytes(database_url)
    return sum(value in data for value in sealed)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Zebra orchids on the balcony 7741"), ("ko", "베란다의 얼룩말 난초 7741")],
)
async def test_deleted_words_are_in_no_database_file(
    bot: Bot, database_url: str, language: str, words: str
) -> None:
    """After /delete neither the database file nor its -wal holds the user's words, not even
    sealed: the rows are overwritten (secure_delete) and the log is checkpointed and
    truncated. (Their data key is destroyed as well: tests/crypto/test_crypto_shredding.py.)"""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's files only; PostgreSQL's dead rows are vacuum's business")
    other = await _other_user(bot)
    user = await seed_user(bot, language=language)
    await user.send(words)
    await user.send(f"{words}, again")
    sealed = await _sealed_notes(bot, 1001)
    assert _on_disk(database_url, sealed) == len(sealed) >= 10, "the notes were stored"
    theirs = await _sealed_notes(bot, 1002)

    await user.send("/delete")
    await user.tap(user.buttons()[0])

    assert _on_disk(database_url, sealed) == 0
    assert _on_disk(database_url, theirs) == len(theirs) == 1  # hers stay
    await other.send("Bea writes on")  # the bot keeps working on the truncated log
    assert (await rows_by_table(bot, 1002))["entries"] == 2


async def test_words_are_shredded_even_when_the_user_blocks_the_bot_at_once(
    bot: Bot, database_url: str
) -> None:
    """Shredding is the bot's upkeep, not a message to the chat: when Telegram answers 403
    (the chat's pending messages are dropped), the key is destroyed and the log emptied all
    the same."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's files only")
    user = await seed_user(bot)
    await user.send("Blocked right after deleting 5521")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.key_id is not None
    sealed = await _sealed_notes(bot, 1001)
    await user.send("/delete")
    bot.api.block(user.chat_id)  # gone before the confirmation's answer can reach them
    await user.tap(CONFIRM)
    assert await stored_user(bot, 1001) is None
    assert _on_disk(database_url, sealed) == 0
    assert await bot.services.vault.keyring.get(stored.key_id) is None


async def test_a_reader_on_an_older_snapshot_makes_the_shredding_wait(
    bot: Bot, database_url: str
) -> None:
    """A checkpoint held up by a reader (a draft being compiled) fails as transient, so the
    sender runs it again later; once the reader is done, the log is emptied."""
    from sqlalchemy import text

    from bot.storage.errors import StillBusy, is_transient
    from bot.tasks.shred import truncate_wal

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log only")
    user = await seed_user(bot)
    _, wal = _database_files(database_url)
    async with bot.services.engine.connect() as reader:
        await reader.execute(text("SELECT count(*) FROM entries"))  # it holds a snapshot
        await user.send("written while the reader reads")
        with pytest.raises(StillBusy) as busy:
            await truncate_wal(bot.services)
        assert is_transient(busy.value)
    await truncate_wal(bot.services)
    assert wal.stat().st_size == 0


async def test_a_note_sent_right_after_confirming_is_kept_for_the_fresh_start(bot: Bot) -> None:
    """The confirmation and a note sent just after it are both stored before either is
    handled (a backlog, a restart, the webhook): the delete must not take the note along."""
    user = await seed_user(bot)
    await user.send("/delete")
    confirm = user.press(CONFIRM)
    note = note_update(bot, 1001, "Starting over: first note of the new journal")
    await bot.pipeline.receive([confirm, note])  # stored, queued: neither handled yet
    await bot.pipeline.settle()

    assert [entry.text for entry in await stored_entries(bot, 1001)] == [
        "Starting over: first note of the new journal"
    ]
    assert note.message is not None
    assert reacted(bot, 1001, note.message.message_id)  # acknowledged, as the user expects
    assert confirm.callback_query is not None
    assert confirm.callback_query.message is not None
    asked = bot.api.message_state(1001, confirm.callback_query.message.message_id)
    assert "Everything I kept about you is gone" in (asked.text or "")  # the delete happened


async def test_a_confirmation_without_a_recent_delete_erases_nothing(bot: Bot) -> None:
    from tests.helpers import tap_data

    user = await seed_user(bot)
    before = await rows_by_table(bot, 1001)
    await tap_data(bot, user, "data:delete:confirm", forged=True)  # no /delete before it
    assert "expired" in user.last_text()
    await user.send("/delete")
    confirmation = user.last_message().message_id
    bot.clock.advance(hours=2)
    await user.tap(CONFIRM, confirmation)
    assert "expired" in user.last_text()
    assert await rows_by_table(bot, 1001) == before
    await user.send("/delete")
    await user.tap(CONFIRM)
    assert sum((await rows_by_table(bot, 1001)).values()) == 0


async def test_delete_then_cancel_leaves_an_open_review_open(bot: Bot) -> None:
    import datetime as dtm

    from tests.helpers import onboard, stored_entries

    user = bot.user()
    await onboard(user)
    bot.clock.set(dtm.datetime(2026, 11, 22, 10, 0, tzinfo=dtm.UTC))  # Sunday 19:00 Seoul
    await bot.tick()
    await user.tap("▶️ Start")
    await user.send("/delete")
    await user.tap("Cancel")
    await user.send("my headline answer")
    [entry] = await stored_entries(bot, 1001)
    assert entry.answer_id is not None  # the answer to the open question, not a note
