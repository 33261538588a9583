"""Day One's JSON export: a ZIP with one or more ``<Journal>.json`` and a ``photos/`` folder.

Each journal file holds ``entries`` with ``uuid``, ``creationDate`` (UTC, ISO 8601),
``timeZone`` (sometimes missing: then the user's zone counts), ``text``, ``tags``,
``starred`` and ``photos`` (``identifier``, ``md5``, ``type``); a photo's file is
``photos/<md5>.<type>``. The text points at its photos with ``![](dayone-moment://<id>)``:
those links are taken out (the photos travel with the entry instead), and nothing else in
the text is changed.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
import json
import re
from typing import Any

from bot.imports.base import (
    Files,
    ImportedEntry,
    ImportRefused,
    Parsed,
    Photo,
    Problem,
    Text,
    decode,
    entry_of,
    problem,
    tags_of,
)

FORMAT = "dayone"
_MOMENT = re.compile(r"!\[[^\]]*\]\(dayone-moment:/{0,2}[^)]*\)")


def parse(files: Files, user_zone: str) -> Parsed:
    """Every entry of every journal file, with the photos the export holds."""
    found = Parsed(FORMAT)
    names = [n for n in files if n.lower().endswith(".json") and "/" not in n.strip("/")]
    names = names or [n for n in files if n.lower().endswith(".json")]
    if not names:
        raise ImportRefused("no_dayone")
    photos = {_photo_key(n): n for n in files if "photos/" in n}
    for name in sorted(names):
        try:
            data: Any = json.loads(decode(files[name], name))
        except (ValueError, RecursionError):  # JSONDecodeError, or a 5,000-digit number
            raise ImportRefused("not_json", name=name) from None
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ImportRefused("not_dayone", name=name)
        for number, raw in enumerate(entries, start=1):
            entry = _entry(raw, files, photos, entry_of(number, name))
            if isinstance(entry, Problem):
                found.problems.append(entry)
            else:
                found.entries.append(entry)
    return found


def without_moments(text: str) -> str:
    """``text`` without its ``dayone-moment://`` photo links: a line holding only links goes
    (with one of the blank lines around it), a link inside a sentence is cut out."""
    kept: list[str] = []
    dropped = False
    for line in text.split("\n"):
        if _MOMENT.search(line) and not _MOMENT.sub("", line).strip():
            dropped = True
            continue
        if dropped and not line.strip() and kept and not kept[-1].strip():
            dropped = False
            continue  # the paragraph break around the photo stays one break
        dropped = False
        kept.append(_MOMENT.sub("", line))
    return "\n".join(kept).strip("\n")


def _photo_key(name: str) -> str:
    """``photos/abc123.jpeg`` → ``abc123``."""
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()


def _entry(raw: Any, files: Files, photos: dict[str, str], where: Text) -> ImportedEntry | Problem:
    if not isinstance(raw, dict):
        return problem(where, "not_an_entry")
    created = str(raw.get("creationDate") or "")
    try:
        written = dtm.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return problem(where, "bad_creation_date", value=repr(created))
    if written.tzinfo is None:
        written = written.replace(tzinfo=dtm.UTC)  # Day One writes UTC
    text = without_moments(str(raw.get("text") or ""))
    attached = []
    listed = raw.get("photos")
    for photo in listed if isinstance(listed, list) else ():
        if not isinstance(photo, dict):
            continue
        path = photos.get(str(photo.get("md5") or "").lower())
        if path is not None:
            attached.append(Photo(path, files[path], str(photo.get("type") or "jpeg")))
    if not text.strip() and not attached:
        return problem(where, "empty_entry")
    uuid = str(raw.get("uuid") or "")
    if not uuid:
        uuid = hashlib.sha256(f"{created}\n{text}".encode()).hexdigest()[:32]
    zone = raw.get("timeZone")
    return ImportedEntry(
        source_id=f"{FORMAT}:{uuid}",
        written_at=written,
        zone=str(zone) if zone else None,
        text=text,
        tags=tags_of(raw.get("tags")),
        starred=bool(raw.get("starred")),
        photos=tuple(attached),
    )
