"""The pipeline of one running bot: receive → store → handle → commit → send.

:class:`Pipeline` owns the :class:`~bot.pipeline.worker.InboxWorker` and the
:class:`~bot.pipeline.sender.Sender`. Updates reach :meth:`Pipeline.receive` from long
polling (:mod:`bot.pipeline.polling`) or from the webhook (:mod:`bot.pipeline.webhook`); it
commits them to the inbox and only then returns, which is when the caller may confirm them
to Telegram. Tests call the same :meth:`receive` and then :meth:`settle`.
"""

from __future__ import annotations

import datetime as dtm
import json
import logging
from collections.abc import Sequence

from telegram import Bot, Update

from bot.pipeline.leader import SenderLease
from bot.pipeline.pacing import Pacer
from bot.pipeline.sender import Sender
from bot.pipeline.worker import (
    MAX_CONCURRENT_CHATS,
    ChatOrderedProcessor,
    Dispatch,
    InboxWorker,
    chat_key,
)
from bot.services import Services
from bot.storage import inbox
from bot.storage.errors import is_transient

log = logging.getLogger(__name__)
PIPELINE_KEY = "pipeline"
RECOVER_BATCH = 1000
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


class Pipeline:
    """See the module docstring."""

    def __init__(self, bot: Bot, services: Services, dispatch: Dispatch) -> None:
        self.services = services
        self.pacer = Pacer(services.clock)
        self.sender = Sender(bot, services, self.pacer)
        self.processor = ChatOrderedProcessor(MAX_CONCURRENT_CHATS)
        self.worker = InboxWorker(services, dispatch, self.processor, self.sender)
        self.lease = SenderLease(services)

    async def receive(
        self, updates: Sequence[Update], *, offset: int | None = None, handle_now: bool = False
    ) -> None:
        """Commit ``updates`` to the inbox (and the next polling ``offset``), then queue them.

        When this returns, the updates are durable and may be confirmed to Telegram.

        With ``handle_now`` (polling, whose batches arrive one at a time) and nothing queued,
        they are handled in the same transaction that stores them, so a note is stored,
        handled and acknowledged with one commit. If any of them cannot be, that transaction
        is rolled back and they take the usual way: stored alone, then queued.
        """
        now = self.services.clock.now()
        if handle_now and updates and self.worker.queued == 0:
            try:
                async with self.services.transaction() as session:
                    done = await self.worker.handle_in(session, updates)
                    if done is None:
                        raise _NotNow
                    if offset is not None:
                        await inbox.save_offset(session, offset, now)
                await self.worker.committed(done)
                return
            except _NotNow:
                pass
            except Exception as exc:
                if is_transient(exc):
                    raise  # storing alone would fail the same way: polling asks again
                log.debug("handle_now_failed", exc_info=exc)  # handled again, queued
        rows = [(u.update_id, chat_key(u), u.to_json()) for u in updates]
        async with self.services.transaction() as session:
            await inbox.store(session, rows, now)
            if offset is not None:
                await inbox.save_offset(session, offset, now)
        self.worker.submit(updates)

    async def recover(self, bot: Bot, *, older_than: dtm.timedelta | None = None) -> int:
        """Queue every update stored but not yet handled (after a crash), oldest first.

        With ``older_than``, only updates received that long ago: ones a replica that died
        left behind, not ones another replica is handling right now.
        """
        total = 0
        while True:
            cutoff = self.services.clock.now() - older_than if older_than is not None else None
            async with self.services.reading() as session:  # not unsealing the fresh ones
                rows = await inbox.pending(session, RECOVER_BATCH, received_before=cutoff)
            fresh = [
                Update.de_json(_loads(row.payload), bot) for row in rows if row.payload is not None
            ]
            fresh = [u for u in fresh if u is not None]
            before = self.worker.queued
            self.worker.submit(fresh)
            added = self.worker.queued - before
            total += added
            if len(rows) < RECOVER_BATCH or not added:
                break
            await self.worker.wait_idle()
        if total:
            log.info("inbox_recovered", extra={"updates": total})
        return total

    async def settle(self) -> None:
        """Until every queued update is handled and, if this process is the sender, every
        message is sent (tests; a running bot does this continuously)."""
        for _ in range(1000):
            await self.worker.wait_idle()
            if await self.lease.hold():
                await self.sender.drain()
            if self.worker.queued == 0:
                return
        raise RuntimeError("the pipeline did not settle")

    async def close(self) -> None:
        """Stop what is still running before the engine is disposed: a connection still
        checked out then would never be closed."""
        await self.worker.close()
        await self.sender.close()

    async def offset(self) -> int | None:
        async with self.services.reading() as session:
            return await inbox.load_offset(session)


class _NotNow(Exception):
    """Updates that cannot be handled in the transaction that stores them."""


def _loads(payload: str) -> dict[str, object]:
    value = json.loads(payload)
    assert isinstance(value, dict)
    return value
