"""What every journal parser returns, and the rules they share: entries, photos, problems.

A parser (one module per format: :mod:`~bot.imports.dayone`, :mod:`~bot.imports.jrnl`,
:mod:`~bot.imports.daylio`, :mod:`~bot.imports.markdown`) turns the files of an export into
:class:`ImportedEntry` values, keeping the user's words verbatim, and reports every entry it
cannot use as a :class:`Problem` with the reason and where it was, instead of dropping it
silently or raising. A file that must not be opened at all raises :class:`ImportRefused`
with one clear line. Reasons and places are :class:`Text` values, catalog messages
(``import.*``) the bot shows in the user's language; ``str()`` gives the English text for
the command line.

Parsing is pure: bytes in, values out, no database and no Telegram.
"""

from __future__ import annotations

import datetime as dtm
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.weeks import IsoWeek
from bot.i18n import Translator, translator

Files = Mapping[str, bytes]
"""An export's files by their path inside it (a single file is one entry)."""

MAX_TAG_CHARS = 200  # what the bot's own export keeps of a tag
FIRST_YEAR, LAST_YEAR = 1900, 2100  # an entry dated outside these is a typo, not a memory


@dataclass(frozen=True)
class Text:
    """A message of the import catalog (``import.<key>``) with its values."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def render(self, tr: Translator) -> str:
        """In ``tr``'s language, values inserted verbatim (escape the result for HTML)."""
        return tr.plain(f"import.{self.key}", **self.values)

    def __str__(self) -> str:
        return self.render(translator("en"))


class ImportRefused(ValueError):
    """The whole file is refused (hostile, too big, not this format); :attr:`text` says why
    (``import.refused.<key>``), and ``str()`` in English. ``detail`` (a library's own
    English error) goes only to ``str()``, for the command line and the logs."""

    def __init__(self, key: str, *, detail: str | None = None, **values: Any) -> None:
        self.text = Text(f"refused.{key}", values)
        english = str(self.text)
        super().__init__(f"{english} ({detail})" if detail else english)


@dataclass(frozen=True)
class Photo:
    """A photo that came with an entry."""

    name: str  # its path in the export
    content: bytes
    kind: str  # "jpeg", "png", "heic" …


@dataclass(frozen=True)
class ImportedEntry:
    """One journal entry, as written."""

    source_id: str  # stable within the format: importing the same file twice adds nothing
    written_at: dtm.datetime  # aware
    zone: str | None  # the entry's own time zone, when the export names one
    text: str  # the title (if any) as the first line, then the body, verbatim
    tags: tuple[str, ...] = ()
    starred: bool = False
    mood: str | None = None  # Daylio's mood label, as the user named it
    energy: int | None = None  # 1–5, from one of Daylio's five default moods
    photos: tuple[Photo, ...] = ()

    def week(self, user_zone: str) -> IsoWeek:
        """The ISO week the entry was written in: in its own zone if it has one, else the
        user's."""
        return IsoWeek.at(self.written_at, zone_or(self.zone, user_zone))


@dataclass(frozen=True)
class Problem:
    """An entry or row that could not be used, and why."""

    place: Text  # "row 12 of …", "entry 3 of Journal.json", "2026-03-14.md"
    cause: Text

    @property
    def where(self) -> str:
        return str(self.place)

    @property
    def reason(self) -> str:
        return str(self.cause)


def tags_of(value: Any) -> tuple[str, ...]:
    """The tags in a parsed field: one string or number, or a list of them, each cut to
    :data:`MAX_TAG_CHARS`. Anything else (a nested list, a mapping) is not a tag and is left
    out before it is ever turned into text: a YAML alias bomb only grows when it is."""
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(
        str(item)[:MAX_TAG_CHARS]
        for item in items
        if isinstance(item, str | int | float) and str(item)
    )


def dated_sensibly(parsed: Parsed) -> Parsed:
    """``parsed`` with every entry dated before :data:`FIRST_YEAR` or after
    :data:`LAST_YEAR` moved to its problems (a year typed as ``0206`` would otherwise be
    stored in a week no report can read)."""
    kept: list[ImportedEntry] = []
    for entry in parsed.entries:
        if FIRST_YEAR <= entry.written_at.year <= LAST_YEAR:
            kept.append(entry)
            continue
        place = Text("where.dated", {"date": entry.written_at.date().isoformat()})
        parsed.problems.append(problem(place, "out_of_range", first=FIRST_YEAR, last=LAST_YEAR))
    parsed.entries = kept
    return parsed


def problem(place: Text, key: str, **values: Any) -> Problem:
    """A :class:`Problem` whose cause is ``import.problem.<key>``."""
    return Problem(place, Text(f"problem.{key}", values))


def in_file(name: str) -> Text:
    return Text("where.file", {"name": name})


def entry_of(number: int, name: str) -> Text:
    return Text("where.entry", {"number": number, "name": name})


def row_of(number: int, name: str) -> Text:
    return Text("where.row", {"number": number, "name": name})


@dataclass
class Parsed:
    """What a parser found in an export."""

    format: str
    entries: list[ImportedEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def photos(self) -> int:
        return sum(len(e.photos) for e in self.entries)

    def span(self) -> tuple[dtm.datetime, dtm.datetime] | None:
        if not self.entries:
            return None
        times = sorted(e.written_at for e in self.entries)
        return times[0], times[-1]


class Parser(Protocol):
    """One export format."""

    def __call__(self, files: Files, user_zone: str) -> Parsed: ...


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """``name`` as a time zone, or ``fallback`` when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(fallback)


def decode(content: bytes, where: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); :class:`ImportRefused` otherwise."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("not_utf8", name=where) from None
