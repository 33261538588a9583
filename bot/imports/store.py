"""Writing parsed journal entries as the user's notes, a batch at a time.

Each entry becomes a note of the ISO week it was written in (its own zone, else the user's):
its text (title first), ⭐, tags and, from Daylio, the mood's energy. A Day One photo becomes
a photo note, its bytes kept in ``imported_files`` so the draft's ZIP can include it.

Importing the same file twice adds nothing: every note gets a message id derived from the
entry's ``source_id`` (negative, so it never meets a real Telegram message id) and the
``(chat_id, message_id)`` key makes a second insert a no-op. Batches of :data:`BATCH` entries
are written in short transactions of their own, so a large import never holds the write lock
for long and other users' updates go on meanwhile.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto.sealing import sealed_values
from bot.domain.journal import MessageKind
from bot.imports.base import ImportedEntry, Parsed
from bot.storage.models import Entry, ImportedFile
from bot.storage.upsert import insert_for

BATCH = 200
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass
class Stored:
    """What an import wrote."""

    added: int = 0  # notes (an entry with photos makes one note per photo too)
    present: int = 0  # already there from an earlier import
    photos: int = 0
    weeks: Counter[str] = field(default_factory=Counter)


def message_id_of(source_id: str) -> int:
    """A stable, negative message id for an imported note (60 bits of its source's hash)."""
    digest = hashlib.sha256(source_id.encode()).digest()
    return -(int.from_bytes(digest[:8], "big") >> 4) - 1


def _rows(entry: ImportedEntry, user_id: int, chat_id: int, zone: str) -> list[dict[str, Any]]:
    week = entry.week(zone).key
    common: dict[str, Any] = {
        "user_id": user_id,
        "week": week,
        "answer_id": None,
        "chat_id": chat_id,
        "sent_at": entry.written_at.astimezone(dtm.UTC),
        "edited_at": None,
        "file_id": None,
        "duration": None,
        "starred": entry.starred,
        # A mood's label is kept as a tag ("mood:rad"): a renamed mood has no energy, only words.
        "tags": [*entry.tags, *([f"mood:{entry.mood}"] if entry.mood else [])] or None,
        "energy": entry.energy,
    }
    text = entry.text or None
    rows = []
    if not entry.photos:
        rows.append(
            {
                **common,
                "message_id": message_id_of(entry.source_id),
                "kind": MessageKind.TEXT.value,
                "text": text,
                "original_text": text,
                "file_unique_id": None,
            }
        )
    for number, photo in enumerate(entry.photos):
        caption = text if number == 0 else None  # the words go with the first photo
        rows.append(
            {
                **common,
                "message_id": message_id_of(f"{entry.source_id}#photo{number}"),
                "kind": MessageKind.PHOTO.value,
                "text": caption,
                "original_text": caption,
                "file_unique_id": photo_id(photo.content),
            }
        )
    return rows


def photo_id(content: bytes) -> str:
    return "import-" + hashlib.md5(content, usedforsecurity=False).hexdigest()


async def store(
    transaction: Transaction,
    parsed: Parsed,
    *,
    user_id: int,
    chat_id: int,
    zone: str,
    now: dtm.datetime,
    between_batches: Callable[[], Awaitable[None]] | None = None,
) -> Stored:
    """Write ``parsed`` for the user in batches (see the module docstring)."""
    stored = Stored()
    entries = parsed.entries
    for start in range(0, len(entries), BATCH):
        batch = entries[start : start + BATCH]
        async with transaction() as session:
            for entry in batch:
                rows = _rows(entry, user_id, chat_id, zone)
                for row in rows:
                    result = await session.execute(
                        insert_for(session, Entry.__table__)
                        .values(**await sealed_values(session, Entry, row))
                        .on_conflict_do_nothing(index_elements=["chat_id", "message_id"])
                    )
                    added = bool(result.rowcount)  # type: ignore[attr-defined]
                    if added:
                        stored.added += 1
                        stored.weeks[row["week"]] += 1
                    else:
                        stored.present += 1
                for photo in entry.photos:
                    result = await session.execute(
                        insert_for(session, ImportedFile.__table__)
                        .values(
                            **await sealed_values(
                                session,
                                ImportedFile,
                                {
                                    "user_id": user_id,
                                    "file_unique_id": photo_id(photo.content),
                                    "kind": photo.kind[:16],
                                    "content": photo.content,
                                    "created_at": now,
                                },
                            )
                        )
                        .on_conflict_do_nothing(index_elements=["user_id", "file_unique_id"])
                    )
                    stored.photos += int(bool(result.rowcount))  # type: ignore[attr-defined]
        if between_batches is not None:
            await between_batches()
    return stored
