"""A sealed value copied into another row, or another user's row, fails to open."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.crypto.cipher import Unreadable
from bot.storage.models import Entry
from tests.conftest import Bot
from tests.helpers import onboard


async def _two_users_with_notes(bot: Bot) -> None:
    ann, bea = bot.user(1001), bot.user(1002, first_name="Bea")
    await onboard(ann)
    await onboard(bea)
    await ann.send("Ann's first secret")
    await ann.send("Ann's second secret")
    await bea.send("Bea's secret")


async def _raw(bot: Bot) -> dict[str, tuple[int, str]]:
    """Each note's id and sealed text, by the words it holds (read through the models)."""
    async with bot.services.reading() as session:
        rows = list(await session.scalars(select(Entry).order_by(Entry.id)))
    async with bot.services.engine.connect() as connection:
        sealed = dict((await connection.execute(select(Entry.id, Entry.__table__.c.text))).all())
    return {row.text or "": (row.id, sealed[row.id]) for row in rows}


async def _load_all(bot: Bot) -> list[str | None]:
    async with bot.services.reading() as session:
        return [e.text for e in await session.scalars(select(Entry).order_by(Entry.id))]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Ann's first secret", "Ann's second secret"),  # another row of the same user
        ("Bea's secret", "Ann's first secret"),  # another user's row
    ],
)
async def test_a_moved_value_does_not_open(bot: Bot, source: str, target: str) -> None:
    await _two_users_with_notes(bot)
    raw = await _raw(bot)
    assert set(raw) >= {source, target}
    async with bot.services.transaction() as session:
        await session.execute(
            update(Entry.__table__)
            .where(Entry.__table__.c.id == raw[target][0])
            .values(text=raw[source][1])
        )
    with pytest.raises(Unreadable):
        await _load_all(bot)


async def test_values_in_place_open(bot: Bot) -> None:
    await _two_users_with_notes(bot)
    assert "Bea's secret" in await _load_all(bot)
