"""What an operator asks of a running bot: is it healthy, and what is it doing?

The answers come from the database alone (the scheduler records each tick, the pipeline its
backlogs), so ``python -m bot health`` and ``python -m bot status`` work from any shell or a
Docker ``HEALTHCHECK`` without talking to the running process.
"""

from __future__ import annotations

import datetime as dtm
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import InboxUpdate, OutboxMessage, ServiceState, User
from bot.storage.upsert import insert_for

LAST_TICK = "last_tick_at"
LAST_TICK_SECONDS = "last_tick_seconds"
LAST_ERROR = "last_error"
STUCK_SENDING = dtm.timedelta(minutes=10)  # the oldest queued message waited this long
STUCK_HANDLING = dtm.timedelta(minutes=10)  # the oldest stored update waited this long


async def _put(session: AsyncSession, name: str, value: str, now: dtm.datetime) -> None:
    """Set a named value; an upsert, since replicas may write the same name at once."""
    statement = insert_for(session, ServiceState).values(name=name, value=value, updated_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"], set_={"value": value, "updated_at": now}
        )
    )


async def record_tick(session: AsyncSession, now: dtm.datetime, seconds: float) -> None:
    """The scheduler finished a pass at ``now`` that took ``seconds``."""
    await _put(session, LAST_TICK, now.isoformat(), now)
    await _put(session, LAST_TICK_SECONDS, f"{seconds:.3f}", now)


async def record_error(session: AsyncSession, now: dtm.datetime, event: str, reason: str) -> None:
    """The latest failure worth an operator's look (no user content: a type and a line)."""
    await _put(session, LAST_ERROR, f"{now.isoformat()} {event}: {reason}"[:500], now)


@dataclass(frozen=True)
class Status:
    """A snapshot of the service, read from the database."""

    now: dtm.datetime
    users: int
    active_users: int
    due_prompts: int
    inbox_backlog: int
    inbox_oldest: dtm.datetime | None
    inbox_failed: int
    outbox_backlog: int
    outbox_oldest: dtm.datetime | None
    last_tick: dtm.datetime | None
    last_tick_seconds: float | None
    last_error: str | None


async def read_status(session: AsyncSession, now: dtm.datetime) -> Status:
    """Everything :func:`render` and :func:`problems` need, in one read."""

    async def count(*where: object) -> int:
        value = await session.scalar(select(func.count()).select_from(User).where(*where))  # type: ignore[arg-type]
        return int(value or 0)

    pending_in = (InboxUpdate.processed_at.is_(None),)
    pending_out = (OutboxMessage.sent_at.is_(None),)
    inbox_backlog, inbox_oldest = (
        await session.execute(
            select(func.count(), func.min(InboxUpdate.received_at)).where(*pending_in)
        )
    ).one()
    outbox_backlog, outbox_oldest = (
        await session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(*pending_out)
        )
    ).one()
    failed = await session.scalar(
        select(func.count()).select_from(InboxUpdate).where(InboxUpdate.error.is_not(None))
    )
    state = {
        row.name: row.value
        for row in await session.scalars(
            select(ServiceState).where(
                ServiceState.name.in_([LAST_TICK, LAST_TICK_SECONDS, LAST_ERROR])
            )
        )
    }
    tick = state.get(LAST_TICK)
    seconds = state.get(LAST_TICK_SECONDS)
    return Status(
        now=now,
        users=await count(),
        active_users=await count(User.onboarded, ~User.paused, ~User.blocked),
        due_prompts=await count(User.next_due_at.is_not(None), User.next_due_at <= now),
        inbox_backlog=int(inbox_backlog or 0),
        inbox_oldest=_aware(inbox_oldest),
        inbox_failed=int(failed or 0),
        outbox_backlog=int(outbox_backlog or 0),
        outbox_oldest=_aware(outbox_oldest),
        last_tick=dtm.datetime.fromisoformat(tick) if tick else None,
        last_tick_seconds=float(seconds) if seconds else None,
        last_error=state.get(LAST_ERROR),
    )


def _aware(value: object) -> dtm.datetime | None:
    """Aggregates skip the column type on SQLite: make a naive UTC value aware again."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dtm.datetime.fromisoformat(value)
    assert isinstance(value, dtm.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dtm.UTC)


def problems(status: Status, tick_interval: float) -> list[str]:
    """Why the service is unhealthy; empty when it is fine."""
    found = []
    late = dtm.timedelta(seconds=max(3 * tick_interval, 120))
    if status.last_tick is None:
        found.append("the scheduler has never run")
    elif status.now - status.last_tick > late:
        found.append(f"the scheduler last ran {_ago(status.now - status.last_tick)} ago")
    if status.outbox_oldest is not None and status.now - status.outbox_oldest > STUCK_SENDING:
        found.append(
            f"outbox: {status.outbox_backlog} waiting to be sent, the oldest for "
            f"{_ago(status.now - status.outbox_oldest)}"
        )
    if status.inbox_oldest is not None and status.now - status.inbox_oldest > STUCK_HANDLING:
        found.append(
            f"inbox: {status.inbox_backlog} waiting to be handled, the oldest for "
            f"{_ago(status.now - status.inbox_oldest)}"
        )
    return found


def render(status: Status) -> str:
    """``python -m bot status``: one fact a line."""

    def when(value: dtm.datetime | None) -> str:
        if value is None:
            return "never"
        return f"{value.isoformat(timespec='seconds')} ({_ago(status.now - value)} ago)"

    tick = when(status.last_tick)
    if status.last_tick_seconds is not None:
        tick += f", took {status.last_tick_seconds:.2f} s"
    lines = [
        f"users: {status.users} ({status.active_users} active)",
        f"prompts due now: {status.due_prompts}",
        f"inbox backlog: {status.inbox_backlog} (oldest {when(status.inbox_oldest)})",
        f"updates kept after a handler error: {status.inbox_failed}",
        f"outbox backlog: {status.outbox_backlog} (oldest {when(status.outbox_oldest)})",
        f"last scheduler tick: {tick}",
        f"last error: {status.last_error or 'none'}",
    ]
    return "\n".join(lines)


def _ago(delta: dtm.timedelta) -> str:
    seconds = int(max(delta.total_seconds(), 0))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
