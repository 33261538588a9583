"""Which process sends: the lease is kept until the sender has finished, and a restart on the
same machine takes over its crashed predecessor's lease at once."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

from sqlalchemy import update

from bot.pipeline import leader
from bot.storage.models import ServiceState
from tests.conftest import Bot
from tests.helpers import note_update, onboard, reacted


def gone_pid() -> int:
    """The pid of a process of this machine that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def left_behind_by(bot: Bot, owner: str) -> None:
    """The lease row as ``owner`` left it when it stopped renewing a moment ago."""
    async with bot.services.transaction() as session:
        await session.execute(
            update(ServiceState)
            .where(ServiceState.name == leader.LEASE_NAME)
            .values(value=owner, updated_at=bot.clock.now())
        )
    bot.clock.advance(seconds=leader.RENEW_EVERY + 1)  # our own renewal is due: no cache


async def held_by(bot: Bot) -> tuple[str, float]:
    """(owner, seconds since the lease was last renewed)."""
    async with bot.services.reading() as session:
        row = await session.get(ServiceState, leader.LEASE_NAME)
    assert row is not None
    return row.value, (bot.clock.now() - row.updated_at).total_seconds()


async def test_a_restart_takes_the_lease_of_its_crashed_predecessor_early(bot: Bot) -> None:
    await onboard(bot.user())
    await left_behind_by(bot, f"{socket.gethostname()}:{gone_pid()}:crashed")
    bot.clock.advance(leader.DEAD_AFTER)  # it missed a renewal; the lease has 7 s to run
    note = note_update(bot, 1001, "written right after the restart")
    await bot.feed(note)  # no waiting for the dead process's lease to run out
    assert note.message is not None
    assert reacted(bot, 1001, note.message.message_id)
    assert (await held_by(bot))[0] == bot.pipeline.lease.owner


async def test_a_holder_that_looks_gone_but_still_renews_keeps_the_lease(bot: Bot) -> None:
    """Replicas in separate PID namespaces may share a host name: a pid that is free here
    can be a live process there. It renews on time, so it keeps the lease."""
    await onboard(bot.user())
    holder = f"{socket.gethostname()}:{gone_pid()}:in-another-namespace"
    await left_behind_by(bot, holder)  # renewed RENEW_EVERY + 1 s ago: on time
    note = note_update(bot, 1001, "sent by the holder, not here")
    await bot.feed(note)
    assert note.message is not None
    assert not reacted(bot, 1001, note.message.message_id)
    assert (await held_by(bot))[0] == holder


async def test_a_live_holder_keeps_the_lease_until_it_runs_out(bot: Bot) -> None:
    await onboard(bot.user())
    for holder in (f"{socket.gethostname()}:{os.getppid()}:alive", "elsewhere:1:replica"):
        await left_behind_by(bot, holder)
        note = note_update(bot, 1001, f"while {holder} sends")
        await bot.feed(note)
        assert note.message is not None
        assert not reacted(bot, 1001, note.message.message_id)  # that replica sends it
        assert (await held_by(bot))[0] == holder
        bot.clock.advance(seconds=leader.LEASE_TTL.total_seconds() + 1)
        await bot.pipeline.settle()  # its holder stopped renewing: the lease is ours
        assert reacted(bot, 1001, note.message.message_id)


async def test_the_lease_stays_ours_after_leading_stops_until_shutdown_releases_it(
    bot: Bot,
) -> None:
    """Sends under way at shutdown still finish after ``lead`` stops; another replica must
    not take the lease (and send those rows again) before the shutdown releases it."""
    lease = bot.pipeline.lease
    may_send, stop = asyncio.Event(), asyncio.Event()
    leading = asyncio.create_task(leader.lead(lease, may_send, stop))
    await asyncio.wait_for(may_send.wait(), timeout=5)
    stop.set()
    await leading
    assert not may_send.is_set()
    owner, age = await held_by(bot)
    assert owner == lease.owner
    assert age < leader.LEASE_TTL.total_seconds()  # still valid: nobody else may send
    await lease.release()
    assert (await held_by(bot))[1] > leader.LEASE_TTL.total_seconds()  # free for the next
