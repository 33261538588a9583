"""Building blocks shared by the monthly recap and the year-end draft.

They turn journal snapshots into plain values: quotes (one answer each, verbatim), the
headline timeline, highlights, focus pairs and the notes. Both reports use the same rules,
so an answer lands in the same place in the recap and in the draft:

* a ⭐ answer goes to the highlights, except headlines, focus items and goal check-ins, which
  keep their place and are marked ⭐ there;
* every other answer stays in its question's section.
"""

from __future__ import annotations

import datetime as dtm
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from babel.dates import get_month_names

from bot.domain.journal import AnswerView, MessageKind, StoredMessage, WeekView
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports.stats import month_of

# Answers of these sections stay in place even when starred.
ANCHORED_SECTIONS = frozenset({Section.TIMELINE, Section.FOCUS, Section.GOALS})


@dataclass(frozen=True)
class Attachment:
    """A photo or voice note that came with an answer or a note."""

    kind: MessageKind
    file_unique_id: str | None
    caption: str | None = None
    duration: int | None = None  # seconds, voice notes


@dataclass(frozen=True)
class Quote:
    """One answer with content, as the user wrote it (``text`` is verbatim)."""

    week: IsoWeek
    question_key: str
    section: Section
    prompt: str
    text: str
    position: int = 0
    private: bool = False
    highlight: bool = False
    rating: int | None = None
    goal_id: int | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def photos(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.kind is MessageKind.PHOTO)

    @property
    def voices(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.kind is MessageKind.VOICE)

    @property
    def pulled_to_highlights(self) -> bool:
        """True when this answer is shown among the highlights instead of its section."""
        return self.section is Section.HIGHLIGHTS or (
            self.highlight and self.section not in ANCHORED_SECTIONS
        )

    @property
    def has_words(self) -> bool:
        """True when there is something to quote (not just a rating)."""
        return bool(self.text) or bool(self.attachments)


@dataclass(frozen=True)
class Note:
    """A message sent outside a review: text, photo (with caption) or voice note."""

    week: IsoWeek
    kind: MessageKind
    text: str | None
    sent_at: dtm.datetime
    attachment: Attachment | None = None
    starred: bool = False  # ⭐ from an imported journal


@dataclass(frozen=True)
class NoteCounts:
    texts: int = 0
    photos: int = 0
    voices: int = 0

    @property
    def total(self) -> int:
        return self.texts + self.photos + self.voices


@dataclass(frozen=True)
class FocusPair:
    """The focus a week set for the next one, beside what the next week was about."""

    set_in: IsoWeek
    focus: Quote
    next_week: IsoWeek
    next_headline: Quote | None


def attachment_of(message: StoredMessage) -> Attachment | None:
    if message.kind is MessageKind.TEXT:
        return None
    return Attachment(message.kind, message.file_unique_id, message.text, message.duration)


def quote_of(week: IsoWeek, answer: AnswerView) -> Quote | None:
    """The quote for ``answer``, or None when it has no content (skipped or empty)."""
    if not answer.has_content:
        return None
    attachments = tuple(a for a in map(attachment_of, answer.messages) if a is not None)
    return Quote(
        week=week,
        question_key=answer.question_key,
        section=answer.section,
        prompt=answer.prompt,
        text=answer.text,
        position=answer.position,
        private=answer.private,
        highlight=answer.highlight,
        rating=answer.rating,
        goal_id=answer.goal_id,
        attachments=attachments,
    )


def quotes(views: Iterable[WeekView], *, include_private: bool) -> Iterator[Quote]:
    """Every answer with content, in week order and question order within a week."""
    for view in sorted(views, key=lambda v: v.week):
        for answer in sorted(view.answers, key=lambda a: a.position):
            if answer.private and not include_private:
                continue
            quote = quote_of(view.week, answer)
            if quote is not None:
                yield quote


def collect_section(
    views: Iterable[WeekView], section: Section, include_private: bool
) -> list[Quote]:
    """The answers shown under ``section``: for a themed section, its starred answers are
    left out (they are shown among the highlights); for HIGHLIGHTS, all wins."""
    keep_pulled = section is Section.HIGHLIGHTS
    return [
        q
        for q in quotes(views, include_private=include_private)
        if q.section is section and (keep_pulled or not q.pulled_to_highlights)
    ]


def highlights(views: Iterable[WeekView], include_private: bool) -> list[Quote]:
    """⭐ answers first, then the other wins, each group in week order."""
    pulled = [q for q in quotes(views, include_private=include_private) if q.pulled_to_highlights]
    starred = [q for q in pulled if q.highlight]
    wins = [q for q in pulled if not q.highlight]
    return starred + wins


def headlines(views: Iterable[WeekView], include_private: bool) -> dict[IsoWeek, Quote]:
    """Each week's headline (the first timeline answer with content)."""
    found: dict[IsoWeek, Quote] = {}
    for quote in quotes(views, include_private=include_private):
        if quote.section is Section.TIMELINE and quote.week not in found:
            found[quote.week] = quote
    return found


def focus_pairs(
    views: Iterable[WeekView],
    include_private: bool,
    *,
    following: Mapping[IsoWeek, WeekView] | None = None,
) -> list[FocusPair]:
    """Each focus item of ``views`` with the headline of the week after it.

    The next week's headline is looked up in ``following`` (default: ``views`` themselves),
    so a caller decides how far the pairs may reach.
    """
    views = list(views)
    lookup = following if following is not None else {v.week: v for v in views}
    pairs = []
    for quote in quotes(views, include_private=include_private):
        if quote.section is not Section.FOCUS:
            continue
        next_week = quote.week.next()
        next_view = lookup.get(next_week)
        next_headline = (
            headlines([next_view], include_private).get(next_week) if next_view else None
        )
        pairs.append(FocusPair(quote.week, quote, next_week, next_headline))
    return pairs


def notes(views: Iterable[WeekView]) -> list[Note]:
    """Every note of ``views`` in the order sent (an imported mood without words is not a
    note: it only counts towards the week's energy)."""
    found = [
        Note(
            view.week,
            message.kind,
            message.text,
            message.sent_at,
            attachment_of(message),
            starred=message.starred,
        )
        for view in views
        for message in view.notes
        if message.text or message.kind is not MessageKind.TEXT
    ]
    return sorted(found, key=lambda n: (n.week, n.sent_at))


def count_notes(found: Iterable[Note]) -> NoteCounts:
    texts = photos = voices = 0
    for note in found:
        if note.kind is MessageKind.PHOTO:
            photos += 1
        elif note.kind is MessageKind.VOICE:
            voices += 1
        else:
            texts += 1
    return NoteCounts(texts, photos, voices)


def views_for(views: Iterable[WeekView], weeks: Sequence[IsoWeek]) -> list[WeekView]:
    """The stored views of ``weeks`` (weeks never stored are left out), in week order."""
    wanted = set(weeks)
    return sorted((v for v in views if v.week in wanted), key=lambda v: v.week)


def by_month(items: Iterable[Quote]) -> dict[tuple[int, int], list[Quote]]:
    """Quotes grouped by the (year, month) their week belongs to, in calendar order."""
    grouped: dict[tuple[int, int], list[Quote]] = {}
    for item in sorted(items, key=lambda q: (q.week, q.position)):
        grouped.setdefault(month_of(item.week), []).append(item)
    return grouped


def month_only(month: int, lang: str) -> str:
    """The month's full name on its own: ``April`` / ``4월``."""
    return str(get_month_names("wide", context="stand-alone", locale=lang)[month])


def duration_text(seconds: int | None) -> str:
    """``0:42`` / ``12:05`` for a voice note (empty when unknown)."""
    if seconds is None:
        return ""
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes}:{rest:02d}"
