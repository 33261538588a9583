"""The one paced sender: every request to Telegram that the bot makes on its own goes here.

It reads the outbox after commit, takes the oldest pending row of each chat (one chat's
messages keep their order; different chats are sent concurrently), waits for its turn with
:class:`~bot.pipeline.pacing.Pacer` and sends it. A handling transaction that wrote its chat's
oldest pending row hands that row over in memory as it commits (:meth:`Sender.take`), so a
reply does not wait for the outbox to be read back; a row found both ways is sent once
(:meth:`Sender.mark`). No database transaction is open while it
waits or sends; the result is written afterwards in a short transaction of its own.

Results are written in batches: while other sends are under way, up to ``RECORD_BATCH``
results wait and are written in one transaction, so a burst of replies costs one commit per
batch rather than one per message. A chat's next row waits until its previous result is
written, so each chat's order holds; when nothing else is being sent, a result is written
at once. A crash between a send and its record sends that message again after the restart
(acknowledged at least once, never lost).

* A 429 pauses all sending for ``retry_after`` and the row goes again (one WARNING line).
* Timeouts, network errors and 5xx answers retry with growing pauses (up to a minute) for a
  day; nothing that was stored is rolled back because a send failed.
* A 400 is dropped with a WARNING (retrying cannot fix the request); "message is not
  modified" counts as sent. A 403 means the user blocked the bot: their pending rows are
  dropped and their schedule stops until they send /start again.
* The one exception to giving up: the ``shred`` task of a /delete is tried again hourly,
  with an ERROR each time, for as long as the user's data key it destroys is still there.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, ReactionTypeEmoji, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import metrics, operations
from bot.i18n import translator
from bot.pipeline import tasks
from bot.pipeline.outgoing import KEEP, SERVICE_CHAT, TASK, Outgoing, Ref, target_of
from bot.pipeline.pacing import Pacer, counts_for_chat
from bot.services import Services
from bot.storage import outbox
from bot.storage.errors import is_transient
from bot.storage.models import OutboxMessage, User

log = logging.getLogger(__name__)

BATCH = 200
MAX_IN_FLIGHT = 64
RECORD_BATCH = 16  # results written together while other sends are under way
GIVE_UP_AFTER = dtm.timedelta(days=1)
MAX_BACKOFF = 60.0
RECORD_ATTEMPTS = 8
CLOSE_GRACE = 5.0  # seconds sends under way may take to finish at shutdown
MAX_FAILED_ATTEMPTS = 3  # a task that fails this often with an error of ours is given up
SEND_TIMEOUT = 30.0  # a slow answer is awaited rather than sent twice
IDLE_PASS = 0.25  # seconds between looks at the outbox when nothing woke the sender
REMEMBERED_CHATS = 10_000  # chats whose last start is remembered (see Sender.mark)
BENIGN_BAD_REQUESTS = ("message is not modified",)
GONE_BAD_REQUESTS = (
    "message to edit not found",
    "message to delete not found",
    "message can't be deleted",
    "message can't be edited",
    "query is too old",
    "message to react not found",
)


@dataclass(frozen=True)
class Result:
    """What became of one row."""

    kind: str  # sent, retry, drop, blocked, failed
    message_id: int | None = None
    delay: float = 0.0
    count: bool = True
    reason: str = ""


class MessageGone(Exception):
    """The row edits or deletes a message whose sending failed or was forgotten."""


def backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF, 2 ** min(attempts, 6)))


MUST_FINISH = frozenset({"shred"})
"""Tasks the sender never gives up on: after /delete the user was told everything is gone,
so their data key must be destroyed however long the keyring is unreachable."""
MUST_FINISH_RETRY = dtm.timedelta(hours=1)
DRAIN_HORIZON = dtm.timedelta(minutes=10)


def _must_finish(row: OutboxMessage) -> bool:
    return row.method == TASK and (row.payload or {}).get("name") in MUST_FINISH


class Sender:
    """See the module docstring."""

    def __init__(self, bot: Bot, services: Services, pacer: Pacer) -> None:
        self.bot = bot
        self.services = services
        self.pacer = pacer
        self._busy: set[int] = set()
        self._running: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._wake = asyncio.Event()
        self._results: list[tuple[OutboxMessage, Result]] = []
        self._sending = 0  # requests started and not answered yet (tasks not counted)
        self._record_lock = asyncio.Lock()
        self._live = False  # run() is under way
        self._may_send: asyncio.Event | None = None
        self._starts = 0  # rows started so far; see mark()
        self._started_at: dict[int, int] = {}  # chat → the count when its last row started
        self.next_ready: float | None = None

    def wake(self) -> None:
        """New rows were committed: look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def pump(self) -> bool:
        """Start sending every row whose turn has come; True if anything was started.

        Rows of chats that must still wait for their per-chat slot are left for later;
        :attr:`next_ready` then says when the first of them may go.
        """
        now = self.services.clock.now()
        mark = self.mark()
        async with self.services.reading() as session:
            rows = await outbox.heads(session, now, BATCH, busy=self._busy)
            refs = [
                ref.row_id
                for row in rows
                if isinstance(ref := target_of((row.payload or {}).get("target")), Ref)
            ]
            resolved = await outbox.message_ids(session, refs)
        started = False
        self.next_ready = None
        for row in rows:
            if self._started_since(row.chat_id, mark):  # taken (:meth:`take`) meanwhile: the
                continue  # row read may be sent already; the next look reads the chat again
            if counts_for_chat(row.method) and not self.pacer.chat_ready(row.chat_id):
                ready = self.pacer.chat_ready_at(row.chat_id)
                self.next_ready = min(ready, self.next_ready or ready)
                continue
            await self._slots.acquire()
            if self._started_since(row.chat_id, mark):
                self._slots.release()
                continue
            self._start(row, resolved)
            started = True
        return started

    def mark(self) -> int:
        """A point in the sender's starts: :meth:`take` and :meth:`pump` leave a chat alone
        if a row of it was started after the mark they took before reading."""
        return self._starts

    def _started_since(self, chat_id: int, mark: int) -> bool:
        return chat_id in self._busy or self._started_at.get(chat_id, 0) > mark

    def takes_rows(self) -> bool:
        """Whether rows may be handed over as they commit (:meth:`take`): this process is
        sending now."""
        return self._live and (self._may_send is None or self._may_send.is_set())

    async def take(self, rows: Sequence[OutboxMessage], everything: bool, mark: int) -> None:
        """Rows were committed; start sending ``rows`` now, from memory, instead of reading
        them back from the outbox.

        Each of ``rows`` must be its chat's oldest pending row (the committing transaction
        checked: :func:`bot.storage.outbox.first_pending`, after taking ``mark``). One that
        cannot go at once is left to :meth:`pump`: its chat is busy or had a row started
        since ``mark`` (the pump may have read and sent this very row after the commit), it
        must wait for its slot, no slot is free, it refers to another row, or it is a task.
        With ``everything``, ``rows`` are all the rows the transaction wrote, so when each of
        them goes there is nothing to look for.
        """
        taking = self.takes_rows()
        left = not everything or not taking
        if taking:
            for row in rows:
                if (
                    row.method == TASK
                    or self._started_since(row.chat_id, mark)
                    or self._slots.locked()
                    or (counts_for_chat(row.method) and not self.pacer.chat_ready(row.chat_id))
                    or isinstance(target_of((row.payload or {}).get("target")), Ref)
                ):
                    left = True
                    continue
                await self._slots.acquire()  # free (checked above): returns without waiting
                self._start(row, {})
        if left:
            self._wake.set()

    def _start(self, row: OutboxMessage, resolved: dict[int, int]) -> None:
        """Send ``row`` in a task of its own; its slot is taken."""
        self._starts += 1
        self._started_at[row.chat_id] = self._starts
        if len(self._started_at) > REMEMBERED_CHATS:  # marks that old are long gone
            oldest = self._starts - REMEMBERED_CHATS
            self._started_at = {c: n for c, n in self._started_at.items() if n > oldest}
        self._busy.add(row.chat_id)
        if row.method != TASK:
            self._sending += 1
        task = asyncio.create_task(self._deliver(row, resolved))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def run(self, stop: asyncio.Event, may_send: asyncio.Event | None = None) -> None:
        """Send until ``stop`` is set (only while ``may_send`` is set: the sending replica)."""
        self._may_send, self._live = may_send, True
        try:
            await self._run(stop, may_send)
        finally:
            self._live = False

    async def _run(self, stop: asyncio.Event, may_send: asyncio.Event | None) -> None:
        while not stop.is_set():
            if may_send is not None and not may_send.is_set():
                await _wait_any(stop, may_send, seconds=1.0)
                continue
            self._wake.clear()
            if self._results and not self._record_lock.locked():
                await self._flush_results()  # results that waited for a batch to fill
            try:
                started = await self.pump()
            except Exception as exc:
                log.warning("sender_pass_failed", extra={"reason": _reason(exc)})
                started = False
                await _wait_any(stop, seconds=1.0)
            if not started:
                pause = IDLE_PASS
                if self.next_ready is not None:
                    until = self.next_ready - self.services.clock.now().timestamp()
                    pause = min(pause, max(until, 0.01))
                await _wait_any(stop, self._wake, seconds=pause)
        await self.finish()

    async def finish(self) -> None:
        """Let sends already under way complete and record their results."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
        await self._flush_results()

    async def close(self) -> None:
        """Let sends under way finish and record their results for a few seconds, then cancel
        the rest (their rows stay pending and go out after the restart)."""
        if self._running:
            await asyncio.wait(list(self._running), timeout=CLOSE_GRACE)
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):  # unwritten results: those rows go again
            await asyncio.wait_for(self._flush_results(), CLOSE_GRACE)

    async def drain(self) -> None:
        """Send until nothing is pending (tests and shutdown); waits through retries."""
        for _ in range(100_000):
            started = await self.pump()
            if self._running:
                await asyncio.wait(list(self._running), return_when=asyncio.FIRST_COMPLETED)
                continue
            if started:
                continue
            now = self.services.clock.now()
            if self.next_ready is not None:  # a chat waits for its slot: sleep until then
                await self.services.clock.sleep(max(self.next_ready - now.timestamp(), 0.001))
                continue
            async with self.services.reading() as session:
                due = await outbox.next_due(session)
                # Only the bot's own queue put off that long (a shredding that waits for its
                # keyring) is left: the running sender retries it; nothing to wait for here.
                far = due is not None and due - now > DRAIN_HORIZON
                if far and await outbox.next_due(session, besides=SERVICE_CHAT) is None:
                    return
            if due is None:
                return
            wait = max(
                (due - now).total_seconds(),
                self.pacer.flooded_until() - now.timestamp(),
                0.001,
            )
            await self.services.clock.sleep(wait)
        raise RuntimeError("the outbox did not drain")

    async def _deliver(self, row: OutboxMessage, resolved: dict[int, int]) -> None:
        try:
            if row.method == TASK:  # a task paces its own sends (TaskContext)
                result = await self._attempt(row, resolved)
            else:  # the turn is taken right before the request leaves
                try:
                    async with self.pacer.sending(row.chat_id, row.method):
                        result = await self._attempt(row, resolved)
                finally:
                    self._sending -= 1
        except BaseException:  # cancelled at shutdown: the row stays pending
            self._release([row])
            raise
        self._results.append((row, result))
        if self._sending == 0 or len(self._results) >= RECORD_BATCH:
            await self._flush_results()

    async def _flush_results(self) -> None:
        """Write every result waiting, in one transaction (whoever holds the lock writes the
        results of the sends that finished meanwhile too), then free their chats."""
        async with self._record_lock:
            batch, self._results = self._results, []
            if not batch:
                return  # an earlier holder wrote ours
            for attempt in range(RECORD_ATTEMPTS):
                try:
                    await self._record(batch)
                    break
                except Exception as exc:  # the database is busy: the sends must not repeat
                    log.warning("send_record_failed", extra={"reason": _reason(exc)})
                    await self.services.clock.sleep(backoff(attempt))
            self._release([row for row, _ in batch])

    def _release(self, rows: list[OutboxMessage]) -> None:
        for row in rows:
            self._busy.discard(row.chat_id)
            self._slots.release()
        self._wake.set()

    async def _attempt(self, row: OutboxMessage, resolved: dict[int, int]) -> Result:
        try:
            return Result("sent", message_id=await self._call(row, resolved))
        except RetryAfter as exc:
            pause = exc.retry_after
            seconds = pause if isinstance(pause, int | float) else pause.total_seconds()
            self.pacer.flood(float(seconds) + 0.5)
            metrics.count_flood_wait()
            log.warning("flood_wait", extra={"method": row.method, "seconds": seconds})
            return Result("retry", delay=float(seconds) + 0.5, count=False, reason="429")
        except Forbidden:
            log.info("user_blocked_bot", extra={"chat": row.chat_id})
            return Result("blocked", reason="403")
        except MessageGone:
            return Result("drop", reason="message gone")
        except BadRequest as exc:
            text = exc.message.lower()
            if any(benign in text for benign in BENIGN_BAD_REQUESTS):
                return Result("sent")
            if not any(gone in text for gone in GONE_BAD_REQUESTS):
                log.warning("send_rejected", extra={"method": row.method, "reason": exc.message})
            return Result("drop", reason=exc.message)
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection trouble
            delay = backoff(row.attempts)
            log.warning(
                "send_retry",
                extra={"method": row.method, "reason": _reason(exc), "in_s": delay},
            )
            return Result("retry", delay=delay, reason=_reason(exc))
        except tasks.UnknownTask as exc:
            log.error("unknown_task", extra={"task": str(exc)})
            return Result("drop", reason="unknown task")
        except Exception as exc:
            if is_transient(exc):
                delay = backoff(row.attempts)
                log.warning("task_retry", extra={"reason": _reason(exc), "in_s": delay})
                return Result("retry", delay=delay, reason=_reason(exc))
            log.error("send_failed", extra={"method": row.method}, exc_info=exc)
            if row.attempts + 1 >= MAX_FAILED_ATTEMPTS:  # a bug, not bad luck: stop and say so
                return Result("failed", reason=_reason(exc))
            return Result("retry", delay=backoff(row.attempts + 4), reason=_reason(exc))

    async def _call(self, row: OutboxMessage, resolved: dict[int, int]) -> int | None:
        payload: dict[str, Any] = dict(row.payload or {})
        chat_id, method = row.chat_id, row.method
        markup = (
            InlineKeyboardMarkup.de_json(payload["reply_markup"], self.bot)
            if payload.get("reply_markup")
            else None
        )
        if method == TASK:
            run = tasks.resolve(str(payload.pop("name", "")))
            await run(
                tasks.TaskContext(self.bot, self.services, self.pacer, chat_id, row.user_id),
                payload,
            )
            return None
        if method == "sendMessage":
            reply_to = payload.get("reply_to")
            sent = await self.bot.send_message(
                chat_id,
                payload["text"],
                reply_markup=markup,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if isinstance(reply_to, int)
                    else None
                ),
            )
            return sent.message_id
        if method == "answerCallbackQuery":
            await self.bot.answer_callback_query(
                payload["callback_query_id"], text=payload.get("text")
            )
            return None
        if method == "setMessageReaction":
            await self.bot.set_message_reaction(
                chat_id,
                payload["message_id"],
                reaction=[ReactionTypeEmoji(payload["emoji"])],
            )
            return None
        message_id = self._message_id(payload.get("target"), resolved)
        if method == "editMessageText":
            await self.bot.edit_message_text(
                payload["text"],
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup,
            )
        elif method == "editMessageReplyMarkup":
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        elif method == "deleteMessage":
            await self.bot.delete_message(chat_id, message_id)
        else:
            raise BadRequest(f"unknown outbox method {method}")
        return None

    @staticmethod
    def _message_id(data: object, resolved: dict[int, int]) -> int:
        target = target_of(data)
        if isinstance(target, Ref):
            message_id = resolved.get(target.row_id)
            if message_id is None:
                raise MessageGone(target.row_id)
            return message_id
        if target is None:
            raise MessageGone(data)
        return target

    async def _record(self, batch: list[tuple[OutboxMessage, Result]]) -> None:
        now = self.services.clock.now()
        done = [
            row.id
            for row, result in batch
            if result.kind == "drop"
            or (result.kind == "sent" and not (row.payload or {}).get(KEEP))
        ]
        # Asked before the transaction: the keyring is another database, maybe a slow one.
        keys_remain = {
            row.id
            for row, result in batch
            if _must_finish(row)
            and result.kind in ("failed", "retry")
            and await self._key_remains(row)
        }
        async with self.services.transaction() as session:
            await outbox.remove_all(session, done)  # the common case, in one statement
            for row, result in batch:
                if row.id not in done:
                    await self._record_one(session, row, result, now, row.id in keys_remain)
        for row, result in batch:
            metrics.count_send(row.method, result.kind)

    async def _key_remains(self, row: OutboxMessage) -> bool:
        """Whether the data key a ``shred`` row is to destroy is still in the keyring (True
        when the keyring cannot say): once it is gone, only the write-ahead log's truncation
        is left, which is given up on like any task, so it cannot hold up later shreddings
        queued behind it."""
        key_id = (row.payload or {}).get("key_id")
        if not isinstance(key_id, str) or not key_id:
            return False
        try:
            return await self.services.vault.keyring.get(key_id) is not None
        except Exception:
            return True

    async def _record_one(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        result: Result,
        now: dtm.datetime,
        key_remains: bool = False,
    ) -> None:
        if key_remains and (
            result.kind == "failed"
            or (result.kind == "retry" and now - row.created_at > GIVE_UP_AFTER)
        ):
            # A deleted user's key must be destroyed: never dropped; tried again hourly, with
            # an ERROR each time, until the operator repairs what stops it (the keyring).
            kind = result.reason.split(":")[0]  # the type only
            log.error("shred_pending", extra={"reason": kind})
            await operations.record_error(session, now, "shred_pending", kind)
            when = now + MUST_FINISH_RETRY
            await outbox.retry_later(session, row.id, when, result.reason, count=result.count)
        elif result.kind == "sent" and (row.payload or {}).get(KEEP):
            await outbox.mark_sent(session, row.id, now, result.message_id)
        elif result.kind in ("sent", "drop"):
            await outbox.remove(session, row.id)
        elif result.kind == "failed":
            await outbox.remove(session, row.id)
            kind = result.reason.split(":")[0]  # the type only: no user content
            await operations.record_error(session, now, "send_failed", kind)
            user = await session.get(User, row.user_id) if row.user_id else None
            if user is not None:
                tr = translator(user.language)
                Outgoing(session, row.chat_id, now, user.id).send_message(tr("error.generic"))
        elif result.kind == "blocked":
            await outbox.drop_chat(session, row.chat_id, through=row.id)
            # Not if the user's row changed after this message was queued: a /start after
            # unblocking (it clears ``blocked`` and reschedules) must not be undone by a 403
            # recorded late. A user still blocking us meets the next message's 403.
            await session.execute(
                update(User)
                .where(User.chat_id == row.chat_id, User.updated_at <= row.created_at)
                .values(blocked=True, next_due_at=None, next_recap_at=None, next_draft_at=None)
            )
        elif now - row.created_at > GIVE_UP_AFTER:
            log.warning("send_given_up", extra={"method": row.method, "chat": row.chat_id})
            await outbox.remove(session, row.id)
        else:
            when = now + dtm.timedelta(seconds=result.delay)
            await outbox.retry_later(session, row.id, when, result.reason, count=result.count)


def _forgettable(row: OutboxMessage, result: Result) -> bool:
    """Sent and not referred to by a later row, or refused for good: the row can go."""
    return result.kind == "drop" or (result.kind == "sent" and not (row.payload or {}).get(KEEP))


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200]


async def _wait_any(*events: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
