"""Which answers the year-end draft shows as its highlights: the user's ⭐ first, then a few more.

A year of weekly wins is forty-odd answers; the seed posts name a handful ("Four achievements
stand out"). So the draft's highlights are every answer the user starred, then at most
:data:`MORE` of the other wins, never more than :data:`TOTAL` together unless the user starred
more. The other wins are chosen by signals in their own text and week, each worth up to one
point:

* **energy** of that week (1 → 0, 5 → 1): good weeks tend to hold the wins people remember;
* **a number** in the text ("1.1M downloads", "4 talks", "3-4x faster"): achievements are
  counted;
* **length**, up to :data:`LONG_ENOUGH` characters (half a point at most): a win worth a
  sentence;
* **picked up again**: two or more of its words of four letters or more, or three or more of its
  Hangul syllable pairs (Korean words change their endings: 훈련을, 훈련이), reappear in a later
  week's answers or notes, so the story went on.

Ties go to the earlier week. The chosen answers are listed in week order; the wins left out
stay in the draft's appendix ("The year, week by week"), so nothing written is lost. The chat
summary counts the same list (:func:`curate`), so the two never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.journal import WeekView
from bot.domain.weeks import IsoWeek
from bot.reports import collect
from bot.reports.collect import Quote
from bot.reports.stats import energy_of

MORE = 8  # other wins besides the starred ones
TOTAL = 10  # highlights in all, unless the user starred more
LONG_ENOUGH = 160  # characters
_NUMBER = re.compile(r"\d")
_LATIN_WORD = re.compile(r"[^\W\d_\uac00-\ud7a3]{4,}")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]{2,}")
_SHARED_WORDS = 2
_SHARED_PAIRS = 3


@dataclass(frozen=True)
class Highlights:
    chosen: tuple[Quote, ...]  # starred first, then the chosen wins (each group in week order)
    more: tuple[Quote, ...]  # the other wins, in week order

    @property
    def starred(self) -> int:
        return sum(1 for q in self.chosen if q.highlight)


def _words(text: str) -> set[str]:
    """Latin words of four letters or more, and Hangul syllable pairs (marked with a space)."""
    found = {w.casefold() for w in _LATIN_WORD.findall(text)}
    for run in _HANGUL_RUN.findall(text):
        found |= {" " + run[i : i + 2] for i in range(len(run) - 1)}
    return found


def _picked_up(words: set[str], later: set[str]) -> bool:
    shared = words & later
    pairs = sum(1 for w in shared if w.startswith(" "))
    return len(shared) - pairs >= _SHARED_WORDS or pairs >= _SHARED_PAIRS


def _later_words(views: Sequence[WeekView]) -> dict[IsoWeek, set[str]]:
    """For each week, the words written in the weeks after it."""
    found: dict[IsoWeek, set[str]] = {}
    seen: set[str] = set()
    for view in sorted(views, key=lambda v: v.week, reverse=True):
        found[view.week] = set(seen)
        for answer in view.answers:
            seen |= _words(answer.text)
        for note in view.notes:
            seen |= _words(note.text or "")
    return found


def score(quote: Quote, energy: int | None, later: set[str]) -> float:
    """The signals above, summed (0 to 3.5)."""
    points = 0.0
    if energy is not None:
        points += (energy - 1) / 4
    if _NUMBER.search(quote.text):
        points += 1
    points += min(len(quote.text), LONG_ENOUGH) / LONG_ENOUGH / 2
    if _picked_up(_words(quote.text), later):
        points += 1
    return points


def curate(views: Iterable[WeekView], include_private: bool) -> Highlights:
    """The draft's highlights of ``views``: see the module docstring."""
    views = list(views)
    pulled = collect.highlights(views, include_private=include_private)
    starred = [q for q in pulled if q.highlight]
    wins = [q for q in pulled if not q.highlight and q.has_words]
    room = min(MORE, max(TOTAL - len(starred), 0))
    energy = {v.week: energy_of(v) for v in views}
    later = _later_words(views)
    ranked = sorted(
        range(len(wins)),
        key=lambda i: (
            -score(wins[i], energy.get(wins[i].week), later.get(wins[i].week, set())),
            i,
        ),
    )
    keep = set(ranked[:room])
    chosen = [wins[i] for i in sorted(keep)]
    more = [q for i, q in enumerate(wins) if i not in keep]
    return Highlights(tuple(starred + chosen), tuple(more))
