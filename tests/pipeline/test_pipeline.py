"""The data path's promises, through the production application and the fake Bot API:
stored before acknowledged, a failed reply never loses data, order per chat, replays are
harmless, a crash loses nothing, and only one process sends."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from telegram import Update

from bot.pipeline import sender as sender_module
from bot.pipeline.outgoing import Outgoing
from bot.storage import inbox
from bot.storage.models import InboxUpdate, OutboxMessage, User
from tests.conftest import Bot, BotFactory
from tests.helpers import note_update, onboard, reacted, stored_entries, stored_user


async def count(bot: Bot, model: type) -> int:
    async with bot.services.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_note_is_acknowledged_on_its_own_message(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    ids = [await user.send(f"thought {n}") for n in range(3)]
    assert all(reacted(bot, 1001, message_id) for message_id in ids)
    # One message says where notes go; the later notes get the reaction only.
    assert sum("Saved to week" in t for t in user.texts_since(0)) == 1


async def test_a_failing_reply_never_loses_the_note_and_arrives_later(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.api.fail_next("setMessageReaction", "network", times=4)
    waited_before = sum(bot.clock.slept)
    message_id = await user.send("kept even when Telegram is down")
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == "kept even when Telegram is down"
    assert reacted(bot, 1001, message_id)  # retried with pauses until it went through
    failed = [c for c in bot.api.calls_to("setMessageReaction") if not c.ok]
    assert len(failed) == 4
    # Growing pauses between the tries (1 + 2 + 4 + 8 s), on the injected clock.
    assert sum(bot.clock.slept) - waited_before >= 14.5


async def test_a_reply_that_times_out_is_sent_again_once(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    mark = user.mark()
    bot.api.fail_next("sendMessage", "timeout")
    await user.send("/help")
    assert sum("/review" in text for text in user.texts_since(mark)) == 1


async def test_a_rejected_reply_is_dropped_and_the_chat_moves_on(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.api.fail_next("setMessageReaction", "bad_request", description="Bad Request: nope")
    await user.send("first")
    await user.send("/help")  # the chat is not stuck behind the rejected row
    assert "/review" in user.last_text()
    assert len(await stored_entries(bot, 1001)) == 1
    async with bot.services.reading() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    assert pending == 0


async def test_blocked_bot_stops_the_schedule_and_drops_pending_messages(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.api.fail_next("setMessageReaction", "forbidden")
    await user.send("note right before blocking")
    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.blocked
    assert stored.next_due_at is None
    assert len(await stored_entries(bot, 1001)) == 1  # what was sent is still kept


async def test_a_redelivered_update_is_stored_and_answered_once(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    update = note_update(bot, 1001, "sent twice by Telegram")
    await bot.feed(update)
    again = Update.de_json(json.loads(update.to_json()), bot.app.bot)
    assert again is not None
    await bot.feed(again)
    assert [e.text for e in await stored_entries(bot, 1001)] == ["sent twice by Telegram"]
    assert update.message is not None
    reactions = [
        c
        for c in bot.api.calls_to("setMessageReaction")
        if c.params["message_id"] == update.message.message_id
    ]
    assert len(reactions) == 1


async def test_updates_of_one_chat_keep_their_order_across_chats(bot: Bot) -> None:
    for user_id in (1001, 1002, 1003):
        await onboard(bot.user(user_id))
    batch = [
        note_update(bot, user_id, f"{user_id}: {n}")
        for n in range(5)
        for user_id in (1001, 1002, 1003)
    ]
    await bot.pipeline.receive(batch)
    await bot.pipeline.settle()
    for user_id in (1001, 1002, 1003):
        texts = [e.text for e in await stored_entries(bot, user_id)]
        assert texts == [f"{user_id}: {n}" for n in range(5)]


async def test_stored_updates_survive_a_crash_and_are_handled_first_in_order(
    factory: BotFactory,
) -> None:
    first = await factory.start()
    await onboard(first.user())
    updates = [note_update(first, 1001, f"before the crash {n}") for n in range(4)]
    # The process dies right after the batch was committed (and so confirmed to Telegram),
    # before any of it was handled.
    async with first.services.transaction() as session:
        await inbox.store(
            session,
            [(u.update_id, 1001, u.to_json()) for u in updates],
            first.clock.now(),
        )
    factory.crash(first)  # never stopped cleanly: no shutdown, no lease release
    first.clock.advance(seconds=20)  # long enough for its sender lease to run out
    second = await factory.start(api=first.api)
    assert await second.pipeline.recover(second.app.bot) == 4
    await second.pipeline.settle()
    texts = [e.text for e in await stored_entries(second, 1001)]
    assert texts == [f"before the crash {n}" for n in range(4)]
    assert all(reacted(second, 1001, u.message.message_id) for u in updates if u.message)
    async with second.services.reading() as session:
        left = await session.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
        )
    assert left == 0


async def test_a_handler_that_fails_keeps_the_update_and_apologises(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    async with bot.services.transaction() as session:  # a zone this machine does not know
        await session.execute(
            User.__table__.update().where(User.id == 1001).values(timezone="Nowhere/Void")
        )
    update = note_update(bot, 1001, "written while the bot has a bug")
    await bot.feed(update)
    assert bot.errors, "the handler was expected to fail"
    bot.errors.clear()
    async with bot.services.reading() as session:
        row = await session.get(InboxUpdate, update.update_id)
    assert row is not None
    assert row.error is not None
    assert "ZoneInfoNotFoundError" in row.error
    assert row.payload is not None
    assert "written while the bot has a bug" in row.payload  # kept for the operator
    assert "Something went wrong" in user.last_text()


async def test_a_failing_update_costs_the_others_handled_with_it_nothing(bot: Bot) -> None:
    """Updates of several chats share a transaction; one handler failing must not lose,
    repeat or hold up the notes of the others."""
    for user_id in (1001, 1002, 1003):
        await onboard(bot.user(user_id))
    async with bot.services.transaction() as session:  # 1002's handler will fail
        await session.execute(
            User.__table__.update().where(User.id == 1002).values(timezone="Nowhere/Void")
        )
    notes = [note_update(bot, user_id, f"note of {user_id}") for user_id in (1001, 1002, 1003)]
    await bot.pipeline.receive(notes)
    await bot.pipeline.settle()
    assert bot.errors, "the handler was expected to fail"
    bot.errors.clear()
    for update in (notes[0], notes[2]):
        chat = update.effective_chat
        assert chat is not None
        assert update.message is not None
        assert [e.text for e in await stored_entries(bot, chat.id)] == [f"note of {chat.id}"]
        assert reacted(bot, chat.id, update.message.message_id)
    assert await stored_entries(bot, 1002) == []
    async with bot.services.reading() as session:
        kept = await session.get(InboxUpdate, notes[1].update_id)
    assert kept is not None
    assert kept.error is not None
    assert kept.payload is not None
    assert "Something went wrong" in bot.user(1002).last_text()


async def test_only_one_process_sends(factory: BotFactory) -> None:
    first = await factory.start()
    second = await factory.start(api=first.api)
    await onboard(first.user())
    sent_by_first = len(first.api.calls)
    await second.pipeline.receive([note_update(second, 1001, "handled by the second")])
    await second.pipeline.settle()  # handled here, but the first holds the sender lease
    assert len(await stored_entries(second, 1001)) == 1
    assert len(first.api.calls) == sent_by_first
    await first.pipeline.settle()  # the sender sends it
    assert len(first.api.calls) > sent_by_first


async def test_the_stored_offset_follows_telegram_when_its_update_ids_start_lower(
    bot: Bot,
) -> None:
    """After a week without updates Telegram numbers them afresh, possibly lower: both notes
    are stored, and a restart asks from after the newer one, not from the old, higher
    offset (which would confirm the updates that arrived while the bot was down)."""
    await onboard(bot.user(1001))
    before = note_update(bot, 1001, "the last note before a quiet week", update_id=900_000_000)
    after = note_update(bot, 1001, "the first note after it", update_id=12_345)
    for update in (before, after):
        await bot.pipeline.receive([update], offset=update.update_id + 1, handle_now=True)
        assert await bot.pipeline.offset() == update.update_id + 1
    await bot.pipeline.settle()
    assert [e.text for e in await stored_entries(bot, 1001)] == [
        "the last note before a quiet week",
        "the first note after it",
    ]


async def test_polling_stores_and_handles_a_quiet_chat_in_one_commit(bot: Bot) -> None:
    """With nothing queued, polling's batch is handled in the transaction that stores it:
    the notes are stored once, in order, and acknowledged."""
    await onboard(bot.user(1001))
    notes = [note_update(bot, 1001, f"quick {n}") for n in range(3)]
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(bot.services.engine.sync_engine, "commit", count)
    await bot.pipeline.receive(notes, offset=notes[-1].update_id + 1, handle_now=True)
    event.remove(bot.services.engine.sync_engine, "commit", count)
    assert len(commits) == 1
    assert bot.pipeline.worker.queued == 0
    await bot.pipeline.settle()
    assert [e.text for e in await stored_entries(bot, 1001)] == [f"quick {n}" for n in range(3)]
    for update in notes:
        assert update.message is not None
        assert reacted(bot, 1001, update.message.message_id)
    assert await bot.pipeline.offset() == notes[-1].update_id + 1
    async with bot.services.reading() as session:  # the words live only in the entries
        rows = [await session.get(InboxUpdate, update.update_id) for update in notes]
    assert all(row is not None and row.processed_at is not None for row in rows)
    assert [row.payload for row in rows if row is not None] == [None, None, None]


async def test_notes_handled_in_one_transaction_say_where_notes_go_once(bot: Bot) -> None:
    """Several notes of a user in one polling batch are written together at the commit; each
    is stored once, and only the week's first one says where notes go."""
    await onboard(bot.user(1001))
    await onboard(bot.user(1002))
    notes = [
        note_update(bot, user_id, f"{user_id} #{n}") for n in range(3) for user_id in (1001, 1002)
    ]
    await bot.pipeline.receive(notes, offset=notes[-1].update_id + 1, handle_now=True)
    await bot.pipeline.settle()
    for user_id in (1001, 1002):
        assert [e.text for e in await stored_entries(bot, user_id)] == [
            f"{user_id} #{n}" for n in range(3)
        ]
        saved = [
            call
            for call in bot.api.calls_to("sendMessage")
            if call.params.get("chat_id") == user_id
            and str(call.params.get("text", "")).startswith("✓ Saved to week")
        ]
        assert len(saved) == 1
    for update in notes:
        assert update.message is not None
        assert reacted(bot, update.message.chat_id, update.message.message_id)


async def test_a_redelivered_update_on_the_fast_path_is_handled_once(bot: Bot) -> None:
    """An update stored before (handled, or still pending) that polling hands over again is
    not handled a second time: one entry, one reaction."""
    await onboard(bot.user(1001))
    handled, pending = note_update(bot, 1001, "handled"), note_update(bot, 1001, "pending")
    await bot.pipeline.receive([handled], handle_now=True)
    await bot.pipeline.settle()
    async with bot.services.transaction() as session:  # stored, not handled yet (a crash)
        await inbox.store(session, [(pending.update_id, 1001, pending.to_json())], bot.clock.now())
    for update in (handled, pending):
        await bot.pipeline.receive([update], handle_now=True)
        await bot.pipeline.settle()
    assert [e.text for e in await stored_entries(bot, 1001)] == ["handled", "pending"]
    for update in (handled, pending):
        assert update.message is not None
        reactions = [
            call
            for call in bot.api.calls_to("setMessageReaction")
            if call.params.get("message_id") == update.message.message_id
        ]
        assert len(reactions) == 1


async def test_a_failing_handler_sends_polling_batch_the_usual_way(bot: Bot) -> None:
    """If one update of the batch fails, nothing of the shared transaction stays: the batch
    is stored alone and queued, the others are stored once, the failing one is kept."""
    for user_id in (1001, 1002):
        await onboard(bot.user(user_id))
    async with bot.services.transaction() as session:
        await session.execute(
            User.__table__.update().where(User.id == 1002).values(timezone="Nowhere/Void")
        )
    notes = [note_update(bot, 1001, "kept"), note_update(bot, 1002, "fails")]
    await bot.pipeline.receive(notes, offset=notes[-1].update_id + 1, handle_now=True)
    await bot.pipeline.settle()
    bot.errors.clear()
    assert [e.text for e in await stored_entries(bot, 1001)] == ["kept"]
    assert await stored_entries(bot, 1002) == []
    async with bot.services.reading() as session:
        kept = await session.get(InboxUpdate, notes[1].update_id)
    assert kept is not None
    assert kept.error is not None
    assert "Something went wrong" in bot.user(1002).last_text()


async def _until(condition: Callable[[], bool]) -> None:
    """Until ``condition`` holds: work on SQLite's thread takes a moment of real time."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_a_running_sender_takes_a_reply_from_memory_as_it_commits(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the sender runs, a note's 👌 leaves as soon as its transaction commits: the
    sender does not read it back from the outbox."""
    monkeypatch.setattr(sender_module, "IDLE_PASS", 3600.0)  # no timed looks at the outbox
    await onboard(bot.user(1001))
    await bot.feed(note_update(bot, 1001, "first"))  # the week's first: the next gets only 👌
    reads: list[int] = []

    def count_reads(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "outbox_messages.payload" in statement:
            reads.append(len(bot.api.calls_to("setMessageReaction")))

    event.listen(bot.services.engine.sync_engine, "before_cursor_execute", count_reads)
    stop = asyncio.Event()
    running = asyncio.create_task(bot.pipeline.sender.run(stop))
    try:
        await _until(lambda: bot.pipeline.sender.takes_rows() and len(reads) == 1)
        await asyncio.sleep(0.05)  # its first look (nothing pending) is over
        reactions = len(bot.api.calls_to("setMessageReaction"))
        note = note_update(bot, 1001, "second")
        await bot.pipeline.receive([note], handle_now=True)
        await _until(lambda: len(bot.api.calls_to("setMessageReaction")) > reactions)
        assert note.message is not None
        assert reacted(bot, 1001, note.message.message_id)
        # Its only looks at the outbox: the one before the note, and after the 👌 had left
        # (once its result is written, in case something of its chat waits).
        assert reads[0] == reactions
        assert all(seen > reactions for seen in reads[1:])
    finally:
        stop.set()
        await running
        event.remove(bot.services.engine.sync_engine, "before_cursor_execute", count_reads)
    assert await count(bot, OutboxMessage) == 0  # its result was written


async def test_a_reply_behind_a_pending_one_of_its_chat_is_not_taken_from_memory(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat's older message waits for a retry: the note's 👌 is not sent ahead of it, and
    both go in order once it is due."""
    monkeypatch.setattr(sender_module, "IDLE_PASS", 3600.0)
    await onboard(bot.user(1001))
    await bot.feed(note_update(bot, 1001, "first"))
    later = bot.clock.now() + dtm.timedelta(minutes=5)
    async with bot.services.transaction() as session:  # as a failed send leaves it
        row = Outgoing(session, 1001, bot.clock.now(), 1001).send_message("older")
        row.not_before = later
    stop = asyncio.Event()
    running = asyncio.create_task(bot.pipeline.sender.run(stop))
    try:
        await _until(bot.pipeline.sender.takes_rows)
        note = note_update(bot, 1001, "second")
        await bot.pipeline.receive([note], handle_now=True)
        await asyncio.sleep(0.05)
        assert note.message is not None
        assert not reacted(bot, 1001, note.message.message_id)
    finally:
        stop.set()
        await running
    bot.clock.set(later)
    await bot.pipeline.settle()
    sent = [c for c in bot.api.calls if c.method in ("sendMessage", "setMessageReaction")]
    assert [c.method for c in sent[-2:]] == ["sendMessage", "setMessageReaction"]
    assert sent[-2].text == "older"
    assert reacted(bot, 1001, note.message.message_id)


async def test_a_note_is_sealed_with_the_key_its_user_row_brought(bot: Bot) -> None:
    """Sealing a note needs the user's data key; the user row loaded to handle it already
    carries it, so the database is not asked again (even after the row is let go)."""
    await onboard(bot.user(1001))
    await bot.feed(note_update(bot, 1001, "first"))
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(bot.services.engine.sync_engine, "before_cursor_execute", record)
    try:
        await bot.pipeline.receive([note_update(bot, 1001, "second")], handle_now=True)
    finally:
        event.remove(bot.services.engine.sync_engine, "before_cursor_execute", record)
    assert any(s.startswith("INSERT INTO entries") for s in statements)
    assert not [s for s in statements if s.startswith("SELECT users.key_id")]
    assert [e.text for e in await stored_entries(bot, 1001)] == ["first", "second"]


async def test_a_row_the_outbox_read_sent_first_is_not_taken_again(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sender's own look at the outbox may find a committed reply and send it before the
    transaction that wrote it hands it over; the hand-over then sends nothing twice."""
    monkeypatch.setattr(sender_module, "IDLE_PASS", 3600.0)
    await onboard(bot.user(1001))
    note = note_update(bot, 1001, "a message to react to")  # reactions have no 1-s spacing
    assert note.message is not None
    message_id = note.message.message_id
    sender = bot.pipeline.sender
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))

    def reactions() -> int:
        return sum(
            1
            for call in bot.api.calls_to("setMessageReaction")
            if call.params.get("message_id") == message_id
        )

    try:
        await _until(sender.takes_rows)
        mark = sender.mark()  # as the handling transaction takes it, before its check
        async with bot.services.transaction() as session:
            row = Outgoing(session, 1001, bot.clock.now(), 1001).react(message_id, "👌")
        sender.wake()  # the look at the outbox comes first
        await _until(lambda: reactions() == 1)
        await sender.finish()  # sent and recorded: the chat is free again
        await sender.take([row], True, mark)
    finally:
        stop.set()
        await running  # lets every send under way finish
    assert reactions() == 1


async def test_under_slot_pressure_every_note_is_acknowledged_exactly_once(
    factory: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many chats' notes commit while the sender's eight slots are mostly taken: the hand-over at
    commit and the sender's own looks at the outbox both find rows, and each 👌 goes once."""
    monkeypatch.setattr(sender_module, "MAX_IN_FLIGHT", 8)
    bot = await factory.start()
    chats = list(range(2001, 2013))
    for chat in chats:
        await onboard(bot.user(chat))
        await bot.feed(note_update(bot, chat, "the week's first"))  # later notes get only 👌
    notes = [note_update(bot, chat, f"note {n} of {chat}") for n in range(4) for chat in chats]
    sender = bot.pipeline.sender
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        await _until(sender.takes_rows)
        for start in range(0, len(notes), 6):  # polling's one-commit path and the queue, mixed
            batch = notes[start : start + 6]
            await bot.pipeline.receive(batch, handle_now=start % 12 == 0)
        ids = {(n.message.chat_id, n.message.message_id) for n in notes if n.message}
        await _until(lambda: all(reacted(bot, chat, message) for chat, message in ids))
    finally:
        stop.set()
        await running
    await bot.pipeline.settle()
    sent = [
        (call.chat_id, call.params.get("message_id"))
        for call in bot.api.calls_to("setMessageReaction")
    ]
    assert sorted(pair for pair in sent if pair in ids) == sorted(ids)  # each once, no more
    for chat in chats:
        assert [e.text for e in await stored_entries(bot, chat)][1:] == [
            f"note {n} of {chat}" for n in range(4)
        ]
