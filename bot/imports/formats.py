"""Which parser reads an export: named (``--format``) or recognised from its files."""

from __future__ import annotations

import csv
import json
from typing import Any

from bot.imports import daylio, dayone, jrnl, markdown
from bot.imports.archive import is_zip, read_zip
from bot.imports.base import Files, ImportRefused, Parsed, Parser, dated_sensibly

MAX_FILE_BYTES = 50 * 1024 * 1024  # what a Telegram bot may download; the CLI keeps to it too
PARSERS: dict[str, Parser] = {
    dayone.FORMAT: dayone.parse,
    jrnl.FORMAT: jrnl.parse,
    daylio.FORMAT: daylio.parse,
    markdown.FORMAT: markdown.parse,
}


def files_of(content: bytes, name: str) -> Files:
    """A ZIP's files (opened safely), or the one file sent."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused("too_large", mb=MAX_FILE_BYTES // (1024 * 1024))
    if is_zip(content):
        return read_zip(content)
    return {name.replace("\\", "/").rsplit("/", 1)[-1] or "export": content}


def detect(files: Files) -> str | None:
    """The format these files look like, or None."""
    names = [n.lower() for n in files]
    if any(n.endswith(".csv") for n in names):
        return daylio.FORMAT
    for name, content in files.items():
        if not name.lower().endswith(".json"):
            continue
        try:
            data: Any = json.loads(content.decode("utf-8-sig"))
        except (ValueError, RecursionError):  # not UTF-8, not JSON, a 5,000-digit number
            continue
        entries = data.get("entries") if isinstance(data, dict) else None
        if isinstance(entries, list) and entries and isinstance(entries[0], dict):
            if "creationDate" in entries[0]:
                return dayone.FORMAT
            if "body" in entries[0] or "title" in entries[0]:
                return jrnl.FORMAT
    if any(n.endswith(".md") for n in names):
        return markdown.FORMAT
    return None


def parse_export(content: bytes, name: str, user_zone: str, *, kind: str | None = None) -> Parsed:
    """Parse an export of format ``kind`` (recognised when None); :class:`ImportRefused`
    says why a file cannot be imported at all."""
    files = files_of(content, name)
    chosen = kind or detect(files)
    if chosen is None:
        raise ImportRefused("unknown")
    parser = PARSERS.get(chosen)
    if parser is None:
        raise ImportRefused("unknown_format", chosen=repr(chosen), formats=", ".join(PARSERS))
    try:
        parsed = parser(files, user_zone)
    except ImportRefused:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, csv.Error) as exc:
        # A shape the parser did not foresee (a number where a list belongs, a 200 KB CSV
        # field): one clear refusal, never a crash and a retry.
        raise ImportRefused("unreadable", detail=f"{type(exc).__name__}: {exc}") from None
    return dated_sensibly(parsed)
