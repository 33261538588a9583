"""Handling stored updates: one chat at a time in order, different chats concurrently.

Each update is handled in one database transaction that

1. claims it (:func:`bot.storage.inbox.claim`: on PostgreSQL an advisory lock per chat lets
   replicas take turns, and only a chat's oldest pending update may go);
2. runs the handlers through PTB's ``Application.process_update``, which see the transaction
   as the current :class:`Unit` and write outbox rows instead of calling Telegram;
3. marks the update processed.

Then it commits and hands the sender the rows it may send at once (each chat's oldest
pending row; the sender reads the others from the outbox). A transient database failure (a
lock, a full disk) rolls everything back and the same update is tried again after a pause,
so nothing is acknowledged before it is stored and nothing stored is lost. A handler that
fails for good has its update kept (with the error) and the user gets an apology.

Updates of different chats that are ready at the same moment share one transaction (group
commit, at most ``MAX_BATCH``): under load one commit, and on SQLite one ``fsync``, stores
many notes. Their handlers still run one after another, as the single writer would run them
anyway. If one of them fails, the whole batch is rolled back and each update is handled
again in a transaction of its own, so one bad update never costs another its data.

:class:`ChatOrderedProcessor` is the PTB ``BaseUpdateProcessor`` that bounds how many chats
are handled at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dtm
import heapq
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from bot import metrics, operations
from bot.i18n import pick_language, translator
from bot.pipeline.outgoing import Outgoing, new_rows
from bot.services import Services
from bot.storage import inbox, outbox
from bot.storage.errors import is_transient
from bot.storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.pipeline.sender import Sender

log = logging.getLogger(__name__)

MAX_CONCURRENT_CHATS = 64
MAX_BATCH = 64  # updates (of different chats) committed together
RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass
class Unit:
    """The transaction one update is handled in, as handlers see it."""

    session: AsyncSession
    update_id: int
    now: dtm.datetime
    error: BaseException | None = None
    outgoing: dict[int, Outgoing] = field(default_factory=dict)

    def out(self, chat_id: int, user_id: int | None = None) -> Outgoing:
        """Outbox rows for ``chat_id`` in this transaction."""
        existing = self.outgoing.get(chat_id)
        if existing is None:
            existing = self.outgoing[chat_id] = Outgoing(self.session, chat_id, self.now, user_id)
        return existing


_CURRENT: contextvars.ContextVar[Unit | None] = contextvars.ContextVar("unit", default=None)


def current_unit() -> Unit | None:
    """The unit of the update being handled in this task, if any."""
    return _CURRENT.get()


@dataclass(frozen=True)
class Committing:
    """What a transaction that handled updates tells the sender once it has committed."""

    updates: int
    rows: list[OutboxMessage]  # each its chat's oldest pending row: the sender may take them
    everything: bool  # ``rows`` are all the rows it wrote
    mark: int  # the sender's mark before the rows were found to be their chats' oldest


@dataclass
class _Waiting:
    """An update whose chat task waits for a batch to handle it."""

    update: Update
    key: int
    outcome: asyncio.Future[bool]


class _HandlerFailed(Exception):
    """A handler in a batch failed: the batch is rolled back and handled one by one."""


def chat_key(update: Update) -> int:
    """What orders an update: its chat, else its sender."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Runs at most ``max_concurrent_updates`` chats at once; the worker feeds it one update per
    chat at a time, so each chat's updates stay in order."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


Dispatch = Callable[[Update], Awaitable[None]]


class InboxWorker:
    """Handles stored updates; see the module docstring."""

    def __init__(
        self,
        services: Services,
        dispatch: Dispatch,
        processor: BaseUpdateProcessor,
        sender: Sender,
    ) -> None:
        self.services = services
        self._dispatch = dispatch
        self._processor = processor
        self._sender = sender
        self._queues: dict[int, list[tuple[int, Update]]] = {}
        self._known: set[int] = set()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._waiting: list[_Waiting] = []
        self._batches: asyncio.Task[None] | None = None
        self.handled = 0

    def submit(self, updates: Iterable[Update]) -> None:
        """Queue committed updates for handling (duplicates are ignored)."""
        for update in updates:
            if update.update_id in self._known:
                continue
            self._known.add(update.update_id)
            key = chat_key(update)
            heapq.heappush(self._queues.setdefault(key, []), (update.update_id, update))
            if key not in self._tasks:
                self._idle.clear()
                task = asyncio.create_task(self._run_chat(key))
                self._tasks[key] = task

    async def wait_idle(self) -> None:
        """Until every queued update is handled."""
        await self._idle.wait()

    async def close(self) -> None:
        """Cancel the chats still being handled and wait until they have unwound, so their
        database connections are back in the pool (their updates stay in the inbox)."""
        tasks = list(self._tasks.values())
        if self._batches is not None:
            tasks.append(self._batches)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def queued(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def _run_chat(self, key: int) -> None:
        queue = self._queues[key]
        failures = 0
        try:
            while queue:
                update_id, update = queue[0]
                outcome: list[bool] = []
                await self._processor.process_update(
                    update, self._handle_into(outcome, update, key)
                )
                if outcome and outcome[0]:  # handled, or somebody else did it
                    heapq.heappop(queue)
                    self._known.discard(update_id)
                    failures = 0
                    continue
                pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)]
                failures += 1
                await self.services.clock.sleep(pause)
        finally:
            del self._tasks[key]
            if not queue:
                del self._queues[key]
            if not self._tasks:
                self._idle.set()

    async def handle_in(
        self, session: AsyncSession, updates: Sequence[Update]
    ) -> Committing | None:
        """Handle ``updates``, which were not stored yet, right here in the caller's open
        transaction, and store them as processed in it.

        This is the fast path of polling when nothing is queued: the update is stored and
        handled with one commit, and its words are written only where its handler puts
        them (the inbox keeps its id, not its payload). Each chat's updates go in order.
        None when any of them cannot be handled now (stored before, a pending update of its
        chat comes first, another replica holds the chat, or a handler failed): the caller
        then rolls back, stores them pending and queues them, as usual. Otherwise what to
        tell :meth:`committed` once the caller has committed.
        """
        ordered = sorted(updates, key=lambda update: update.update_id)
        keyed = [(update.update_id, chat_key(update)) for update in ordered]
        if not await inbox.claim_new(session, keyed):
            return None
        await inbox.store_handled(session, keyed, self.services.clock.now())
        for update in ordered:
            if await self._run_handlers(session, update) is not None:
                return None
        return await self._committing(session, len(ordered))

    async def committed(self, done: Committing) -> None:
        """A transaction that handled updates was committed: count them, and hand its rows
        to the sender."""
        self.handled += done.updates
        metrics.count_update("handled", done.updates)
        await self._sender.take(done.rows, done.everything, done.mark)

    async def _committing(self, session: AsyncSession, updates: int) -> Committing:
        """Before the commit: which of the rows this transaction wrote the sender may take
        from memory as soon as it is done (:meth:`Sender.take`). That is each chat's first
        new row, if nothing older of that chat is pending; the others wait in the outbox."""
        firsts: dict[int, OutboxMessage] = {}
        count = 0
        mark = self._sender.mark()
        if self._sender.takes_rows():
            written = new_rows(session)
            count = len(written)
            if written:
                heads = await outbox.first_pending(  # flushes: every row has its id
                    session, sorted({row.chat_id for row in written})
                )
                for row in sorted(written, key=lambda row: row.id):
                    if heads.get(row.chat_id) == row.id:
                        firsts.setdefault(row.chat_id, row)
        rows = list(firsts.values())
        return Committing(updates, rows, bool(count) and len(rows) == count, mark)

    async def _run_handlers(self, session: AsyncSession, update: Update) -> BaseException | None:
        """Run PTB's handlers for ``update`` in ``session``'s transaction, which they see as
        the current :class:`Unit`; the error a handler failed with, if one did."""
        unit = Unit(session, update.update_id, self.services.clock.now())
        token = _CURRENT.set(unit)
        try:
            await self._dispatch(update)
        finally:
            _CURRENT.reset(token)
        return unit.error

    async def _handle_into(self, outcome: list[bool], update: Update, key: int) -> None:
        waiting = _Waiting(update, key, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if self._batches is None or self._batches.done():
            self._batches = asyncio.create_task(self._run_batches())
        outcome.append(await waiting.outcome)

    async def _run_batches(self) -> None:
        """Handle waiting updates, as many at a time as are waiting (up to ``MAX_BATCH``)."""
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                outcomes = await self._handle_batch(batch)
            except BaseException:
                for waiting in [*batch, *self._waiting]:
                    waiting.outcome.cancel()
                self._waiting = []
                raise
            for waiting, handled in zip(batch, outcomes, strict=True):
                if not waiting.outcome.done():  # its chat task may have been cancelled
                    waiting.outcome.set_result(handled)

    async def _handle_batch(self, batch: list[_Waiting]) -> list[bool]:
        """Handle ``batch`` in one transaction; for each update, False when it must be tried
        again later."""
        if len(batch) == 1:
            return [await self._handle(batch[0].update, batch[0].key)]
        outcomes: list[bool] = []
        handled: list[int] = []
        try:
            async with self.services.transaction() as session:
                claims = await inbox.claim_many(
                    session, [(waiting.update.update_id, waiting.key) for waiting in batch]
                )
                for waiting, claim in zip(batch, claims, strict=True):
                    update = waiting.update
                    outcomes.append(claim is not inbox.Claim.WAIT)
                    if claim is not inbox.Claim.MINE:
                        continue
                    error = await self._run_handlers(session, update)
                    if error is not None:
                        raise _HandlerFailed from error
                    handled.append(update.update_id)
                await inbox.mark_processed(session, handled, self.services.clock.now())
                done = await self._committing(session, len(handled))
        except Exception as exc:
            if is_transient(exc):  # the database is busy or full: all of them try again
                log.warning("update_retry", extra={"updates": len(batch), "reason": _reason(exc)})
                metrics.count_update("retried", len(batch))
                return [False] * len(batch)
            # Nothing of the batch was stored: each update again, alone, so that only the
            # failing one is kept aside with an apology.
            return [await self._handle(waiting.update, waiting.key) for waiting in batch]
        if handled:
            await self.committed(done)
        return outcomes

    async def _handle(self, update: Update, key: int) -> bool:
        """Handle one update in one transaction; False when it must be tried again later."""
        now = self.services.clock.now()
        try:
            async with self.services.transaction() as session:
                claim = await inbox.claim(session, update.update_id, key)
                if claim is inbox.Claim.DONE:
                    return True
                if claim is inbox.Claim.WAIT:
                    return False
                error = await self._run_handlers(session, update)
                if error is not None:
                    raise error
                await inbox.mark_processed(session, [update.update_id], now)
                done = await self._committing(session, 1)
        except Exception as exc:
            if is_transient(exc):
                log.warning(
                    "update_retry", extra={"update": update.update_id, "reason": _reason(exc)}
                )
                metrics.count_update("retried")
                return False
            log.error("handler_error", extra={"update": update.update_id}, exc_info=exc)
            metrics.count_update("failed")
            return await self._give_up(update, key, exc)
        await self.committed(done)
        return True

    async def _give_up(self, update: Update, key: int, exc: BaseException) -> bool:
        """Keep the update (with the error) and apologise; retried if even that fails."""
        now = self.services.clock.now()
        try:
            async with self.services.transaction() as session:
                await inbox.mark_failed(session, update.update_id, now, _reason(exc))
                await operations.record_error(session, now, "handler_error", type(exc).__name__)
                chat = update.effective_chat
                if chat is not None and chat.type == ChatType.PRIVATE:
                    sender = update.effective_user
                    tr = translator(pick_language(sender.language_code if sender else None))
                    Outgoing(session, chat.id, now).send_message(tr("error.generic"))
        except Exception as again:
            log.warning(
                "update_retry", extra={"update": update.update_id, "reason": _reason(again)}
            )
            return False
        self._sender.wake()
        return True


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200]
