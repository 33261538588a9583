""" "By the numbers": the year's sentences that carry a figure or name an achievement.

The seed posts open with achievements that are counted ("1.1M downloads", "about 6 kg",
"4 talks"). This module finds such sentences in the user's own answers and notes, and returns
them verbatim: a sentence is a run of text ending at ``.``, ``!``, ``?``, ``。`` or a line
break, cut out of the answer, never reworded.

A sentence qualifies when it has

* **a figure**: a number that is not a calendar year, a date, a time or a week reference
  ("25K views", "3-4x faster", "a 15-slide deck", "32%", "5km", "책 12권"; not "2026",
  "9:40", "W14", "5월 중순"), or
* **an achievement word**: passed, finished, launched, shipped, published, won … or
  합격, 완주, 완료, 달성, 출시, 수상, 통과 … ("passed the practical").

Only sections that hold what happened count (wins, headlines, growth, health, reading, odds,
goal check-ins, notes); lessons, people and plans for next week do not, nor a quote the user
kept (someone else's words). "불합격", "미완료" and the like are not achievements. At most
:data:`LIMIT` sentences are kept: those with a figure before those with only a word, then the
user's ⭐, then the earlier week; they are listed in week order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports.collect import Note, Quote

LIMIT = 12
MIN_LENGTH = 8  # characters: "3 talks" is a figure, "5" alone is not a sentence
QUOTE_KEY = "quote"  # the question whose answer is a quote the user kept
SECTIONS = frozenset(
    {
        Section.HIGHLIGHTS,
        Section.TIMELINE,
        Section.GROWTH,
        Section.HEALTH,
        Section.READING,
        Section.ODDS,
        Section.GOALS,
    }
)
_BREAK = re.compile(r"(?<=[.!?。])\s+|\n")
_BULLET = re.compile(r"^(?:[-*•>]+\s+)+")  # a list marker needs its space: "-6kg" stays
_NOT_FIGURES = re.compile(
    r"""
      \b(?:19|20)\d\d-\d\d(?:-\d\d)?\b      # 2026-03 / 2026-03-14
    | \b\d{1,2}:\d\d\b                      # 9:40
    | \b(?:19|20)\d\d\b(?![.,]?\d)          # a calendar year
    | \bW\d{1,2}\b | \bweek\ \d{1,2}\b | \d{1,2}주차   # week references
    | \d{4}년 | \d{1,2}월 | \d{1,2}일(?!\s?(?:간|동안)) | \d{1,2}시(?!간)
                                            # Korean dates and times: 5월 14일, 3시 (not 12일간)
    | \#\d+                                 # "#1" in a list
    """,
    re.VERBOSE | re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")
_ACHIEVED = re.compile(
    r"\b(?:passed|finished|completed|launched|shipped|published|released|won|graduated|"
    r"certified|promoted|hired|accepted|reached|hit|ran|delivered|finally)\b"
    r"|(?<![불미])(?:합격|완주|완료|달성|출시|수상|통과|졸업|승진|성공)|마쳤|끝냈|해냈",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """One sentence, verbatim, and where it came from."""

    week: IsoWeek
    text: str
    starred: bool
    has_figure: bool
    private: bool = False


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (verbatim substrings, stripped of surrounding space)."""
    found = (_BULLET.sub("", part.strip()) for part in _BREAK.split(text))
    return [s for s in found if s]


def has_figure(sentence: str) -> bool:
    return bool(_FIGURE.search(_NOT_FIGURES.sub(" ", sentence)))


def collect(
    quotes: Iterable[Quote], notes: Iterable[Note], *, leave_out: Iterable[Quote] = ()
) -> list[Figure]:
    """The year's "by the numbers" sentences; see the module docstring. Quotes in
    ``leave_out`` (the highlights) are not repeated."""
    skip = {(q.week, q.question_key, q.position) for q in leave_out}
    sources: list[tuple[IsoWeek, str, bool, bool]] = [
        (q.week, q.text, q.highlight, q.private)
        for q in quotes
        if q.section in SECTIONS
        and q.question_key != QUOTE_KEY
        and q.text
        and (q.week, q.question_key, q.position) not in skip
    ]
    sources += [(n.week, n.text, False, False) for n in notes if n.text]
    found: list[Figure] = []
    seen: set[str] = set()
    for week, text, starred, private in sources:
        for sentence in sentences(text):
            if len(sentence) < MIN_LENGTH or sentence in seen:
                continue
            figure = has_figure(sentence)
            if figure or _ACHIEVED.search(sentence):
                seen.add(sentence)
                found.append(Figure(week, sentence, starred, figure, private))
    ranked = sorted(
        range(len(found)),
        key=lambda i: (not found[i].has_figure, not found[i].starred, found[i].week, i),
    )
    keep = sorted(ranked[:LIMIT], key=lambda i: (found[i].week, i))
    return [found[i] for i in keep]
