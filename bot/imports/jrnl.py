"""jrnl's JSON export (``jrnl --format json``): ``entries`` with ``date``, ``time``, ``title``,
``body``, ``tags`` and ``starred``.

jrnl keeps no time zone, so an entry's local date and time are read in the user's zone. The
title becomes the first line and the body follows, both verbatim.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
import json
from typing import Any

from bot.imports.base import (
    Files,
    ImportedEntry,
    ImportRefused,
    Parsed,
    Problem,
    Text,
    decode,
    entry_of,
    problem,
    tags_of,
    zone_or,
)

FORMAT = "jrnl"


def parse(files: Files, user_zone: str) -> Parsed:
    """Every entry of every ``*.json`` file."""
    found = Parsed(FORMAT)
    names = [n for n in files if n.lower().endswith(".json")]
    if not names:
        raise ImportRefused("no_jrnl")
    for name in names:
        try:
            data: Any = json.loads(decode(files[name], name))
        except (ValueError, RecursionError):  # JSONDecodeError, or a 5,000-digit number
            raise ImportRefused("not_json", name=name) from None
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ImportRefused("not_jrnl", name=name)
        for number, raw in enumerate(entries, start=1):
            entry = _entry(raw, user_zone, entry_of(number, name))
            if isinstance(entry, Problem):
                found.problems.append(entry)
            else:
                found.entries.append(entry)
    return found


def _entry(raw: Any, user_zone: str, where: Text) -> ImportedEntry | Problem:
    if not isinstance(raw, dict):
        return problem(where, "not_an_entry")
    try:
        day = dtm.date.fromisoformat(str(raw.get("date", "")))
        hour, minute = (int(p) for p in str(raw.get("time") or "00:00").split(":")[:2])
        local = dtm.datetime.combine(day, dtm.time(hour, minute))
    except (ValueError, TypeError):
        return problem(
            where, "bad_date_time", date=repr(raw.get("date")), time=repr(raw.get("time"))
        )
    title = str(raw.get("title") or "")
    body = str(raw.get("body") or "")
    text = "\n".join(part for part in (title, body) if part).strip("\n")
    if not text.strip():
        return problem(where, "empty_entry")
    tags = tags_of(raw.get("tags"))
    written = local.replace(tzinfo=zone_or(None, user_zone))
    digest = hashlib.sha256(f"{local.isoformat()}\n{text}".encode()).hexdigest()[:32]
    return ImportedEntry(
        source_id=f"{FORMAT}:{digest}",
        written_at=written,
        zone=None,
        text=text,
        tags=tags,
        starred=bool(raw.get("starred")),
    )
