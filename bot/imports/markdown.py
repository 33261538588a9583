"""Markdown notes: Obsidian-style daily (``2026-03-14.md``) or weekly (``2026-W11.md``) notes,
or any ``.md`` file with a ``date:`` in its YAML front matter, from a ZIP or a folder.

A daily note counts at noon of its day and a weekly note on its Thursday, in the user's
zone; a front-matter date may carry a time and an offset. The file's text after the front
matter is the entry, verbatim; front-matter ``tags`` become tags.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
import re
from typing import Any

import yaml

from bot.domain.weeks import IsoWeek
from bot.imports.base import (
    Files,
    ImportedEntry,
    ImportRefused,
    Parsed,
    decode,
    in_file,
    problem,
    tags_of,
    zone_or,
)

FORMAT = "markdown"
_DAILY = re.compile(r"(?:^|/)(\d{4}-\d{2}-\d{2})\.md$", re.IGNORECASE)
_WEEKLY = re.compile(r"(?:^|/)(\d{4})-W(\d{2})\.md$", re.IGNORECASE)
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def parse(files: Files, user_zone: str) -> Parsed:
    """Every Markdown note that says (by its name or its front matter) when it was written."""
    names = sorted(n for n in files if n.lower().endswith(".md"))
    if not names:
        raise ImportRefused("no_markdown")
    found = Parsed(FORMAT)
    zone = zone_or(None, user_zone)
    for name in names:
        text = decode(files[name], name)
        meta: dict[str, Any] = {}
        front = _FRONT.match(text)
        if front is not None:
            try:
                loaded = yaml.safe_load(front.group(1))
            except (yaml.YAMLError, ValueError, RecursionError):  # 2026-02-30 is a ValueError
                found.problems.append(problem(in_file(name), "bad_front_matter"))
                continue
            meta = loaded if isinstance(loaded, dict) else {}
            text = text[front.end() :]
        written = _when(name, meta, zone)
        if written is None:
            found.problems.append(problem(in_file(name), "no_date"))
            continue
        body = text.strip("\n")
        if not body.strip():
            found.problems.append(problem(in_file(name), "empty_note"))
            continue
        digest = hashlib.sha256(f"{name}\n{body}".encode()).hexdigest()[:32]
        found.entries.append(
            ImportedEntry(
                source_id=f"{FORMAT}:{digest}",
                written_at=written,
                zone=None,
                text=body,
                tags=tags_of(meta.get("tags")),
            )
        )
    return found


def _when(name: str, meta: dict[str, Any], zone: dtm.tzinfo) -> dtm.datetime | None:
    value = meta.get("date")
    if isinstance(value, dtm.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, dtm.date):
        return dtm.datetime.combine(value, dtm.time(12), zone)
    if isinstance(value, str):
        try:
            parsed = dtm.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
    daily = _DAILY.search(name)
    if daily is not None:
        try:
            day = dtm.date.fromisoformat(daily.group(1))
        except ValueError:
            return None
        return dtm.datetime.combine(day, dtm.time(12), zone)
    weekly = _WEEKLY.search(name)
    if weekly is not None:
        try:
            week = IsoWeek(int(weekly.group(1)), int(weekly.group(2)))
            thursday = week.monday + dtm.timedelta(days=3)
        except ValueError:
            return None
        return dtm.datetime.combine(thursday, dtm.time(12), zone)
    return None
