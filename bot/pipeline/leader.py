"""Which process sends: one at a time, so together they stay under Telegram's bot-wide limit.

The sender holds a lease, a row in ``service_state`` that it renews every few seconds by
compare-and-set. A replica that dies stops renewing, and another takes over once the lease
has run out; a process that crashed on this same machine is recognised (its pid is gone)
as soon as it has missed a renewal, so a restart waits seconds, not the whole lease. This
works the same on SQLite (one process, which always gets the lease, and a second process
started by mistake cannot send twice) and on PostgreSQL (replicas).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import os
import socket
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from bot.storage.models import ServiceState
from bot.storage.upsert import insert_for

log = logging.getLogger(__name__)
LEASE_NAME = "sender_lease"
LEASE_TTL = dtm.timedelta(seconds=15)
RENEW_EVERY = 3.0
DEAD_AFTER = dtm.timedelta(seconds=2 * RENEW_EVERY + 1)  # a renewal missed: see _take_from_the_dead
_LIVE_HERE: set[str] = set()  # leases of this process not released yet


class SenderLease:
    """This process's claim on being the sender."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self._renewed: dtm.datetime | None = None
        _LIVE_HERE.add(self.owner)

    async def hold(self) -> bool:
        """Take or renew the lease; True while this process holds it.

        A lease renewed less than ``RENEW_EVERY`` ago is trusted without asking the database.
        """
        now = self.services.clock.now()
        if self._renewed is not None and now - self._renewed < dtm.timedelta(seconds=RENEW_EVERY):
            return True
        async with self.services.transaction() as session:
            await session.execute(
                insert_for(session, ServiceState)
                .values(name=LEASE_NAME, value=self.owner, updated_at=now)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            taken = await session.execute(
                update(ServiceState)
                .where(
                    ServiceState.name == LEASE_NAME,
                    or_(
                        ServiceState.value == self.owner, ServiceState.updated_at < now - LEASE_TTL
                    ),
                )
                .values(value=self.owner, updated_at=now)
            )
            held = bool(taken.rowcount)  # type: ignore[attr-defined]
            if not held:
                held = await self._take_from_the_dead(session, now)
        self._renewed = now if held else None
        return held

    async def _take_from_the_dead(self, session: AsyncSession, now: dtm.datetime) -> bool:
        """Take the lease over early from a process of this machine that is gone (a crash
        and a restart): once it has missed a renewal, instead of after ``LEASE_TTL``.

        Missing a renewal is required too: replicas in separate PID namespaces that share a
        host name (host networking, a fixed container host name) could otherwise look dead
        to each other and take turns taking the lease."""
        row = (
            await session.execute(
                select(ServiceState.value, ServiceState.updated_at).where(
                    ServiceState.name == LEASE_NAME
                )
            )
        ).first()
        if row is None:
            return False
        holder, renewed = row
        if now - renewed <= DEAD_AFTER or not _dead_here(holder):
            return False
        taken = await session.execute(
            update(ServiceState)
            .where(
                ServiceState.name == LEASE_NAME,
                ServiceState.value == holder,
                ServiceState.updated_at == renewed,
            )
            .values(value=self.owner, updated_at=now)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            log.info("sender_lease_taken_from_a_dead_process")
        return bool(taken.rowcount)  # type: ignore[attr-defined]

    async def release(self) -> None:
        """Give the lease up at shutdown, so another process need not wait for it to run out."""
        expired = self.services.clock.now() - 2 * LEASE_TTL
        self._renewed = None
        _LIVE_HERE.discard(self.owner)
        async with self.services.transaction() as session:
            await session.execute(
                update(ServiceState)
                .where(ServiceState.name == LEASE_NAME, ServiceState.value == self.owner)
                .values(updated_at=expired)
            )


def _dead_here(owner: str) -> bool:
    """Whether ``owner`` (``host:pid:nonce``) was a process of this machine that is gone: its
    pid is free, or it is our own pid (a restarted container runs as the same pid again)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():  # an earlier life of this pid (a restarted container), or a sibling
        return owner not in _LIVE_HERE

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


async def lead(lease: SenderLease, may_send: asyncio.Event, stop: asyncio.Event) -> None:
    """Keep ``may_send`` set exactly while this process holds the lease, renewing it until
    ``stop``: when the sender has finished, not when shutdown begins.

    The lease is not released here. Sends under way at shutdown still complete and their
    results are recorded after the sender stops starting new ones; until then the lease must
    stay ours, or another replica would take it and send the same rows again. The
    application's shutdown releases it once the pipeline is closed.
    """
    while not stop.is_set():
        try:
            held = await lease.hold()
        except Exception as exc:  # a busy database: try again, and stop sending meanwhile
            log.warning("sender_lease_failed", extra={"reason": type(exc).__name__})
            held = False
        if held and not may_send.is_set():
            log.info("sender_lease_taken")
            may_send.set()
        elif not held and may_send.is_set():
            log.warning("sender_lease_lost")
            may_send.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=RENEW_EVERY)
    may_send.clear()
