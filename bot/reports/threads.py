"""Story threads: answers and notes from different weeks that are about the same thing.

The seed posts follow stories across months ("the RAG-data story" from February, when the
work began, to the mid-May discovery and its fix). The draft finds such stories in the user's
own entries and shows each as a section: a title from the user's words, its span ("W14 –
W23") and its entries in order.

How entries are grouped, with no network and no model download:

1. Every entry becomes a TF-IDF vector of **character n-grams** within words
   (scikit-learn's ``char_wb`` analyzer, 2 to 4 characters, sublinear term frequency).
   Character n-grams work the same for English and Korean: 발표를, 발표는 and 발표 share
   "발표", as "talk", "talks" and "talked" share "talk". Features found in more than
   :data:`MAX_SHARE` of the entries ("the ", "했다") say nothing and are dropped.
2. Entries are clustered by **average-linkage agglomerative clustering** on cosine distance,
   merging until the average similarity inside a cluster would fall below
   :data:`MIN_SIMILARITY`.
3. A cluster is a thread when it spans at least :data:`MIN_WEEKS` different weeks and its
   entries share a subject: two word stems that each recur in half of them, or one stem in
   every one of four or more (three entries that share "started" are a coincidence). The
   :data:`MAX_THREADS` threads with the most weeks are kept.
4. The title is the first line of the thread's most typical entry (the one most similar to
   the rest), cut to :data:`TITLE_WORDS` words.

At most :data:`MAX_ENTRIES` entries (the longest) are compared, so a year of many short notes
costs a bounded time and memory (the similarity matrix grows with the square). scikit-learn is
imported inside :func:`find_threads`, so it costs nothing until a draft is compiled. The
function is pure: entries in, threads out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.weeks import IsoWeek

# Words every weekly note uses: in a journal of weeks they tell no story apart.
CALENDAR_WORDS = frozenset(
    {"week", "weeks", "weekly", "weekend", "day", "days", "today", "month", "months", "year"}
    | {"years", "time"}
)
_WORD = re.compile(r"\w+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

MIN_WEEKS = 3
MAX_THREADS = 6
MIN_SIMILARITY = 0.25
MAX_SHARE = 0.6
MIN_CHARACTERS = 12  # shorter entries ("Good", "피곤") carry no story
TITLE_WORDS = 8
MAX_ENTRIES = 1500  # the longest ones; the similarity matrix grows with the square


@dataclass(frozen=True)
class Entry:
    """Something the user wrote in ``week`` (an answer's or a note's text)."""

    week: IsoWeek
    text: str


@dataclass(frozen=True)
class Thread:
    """A story: indices into the entries given, in week order."""

    title: str
    members: tuple[int, ...]
    first: IsoWeek
    last: IsoWeek


def _title(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    words = line.split()
    if len(words) <= TITLE_WORDS:
        return line.rstrip(".:;,")
    return " ".join(words[:TITLE_WORDS]).rstrip(".:;,") + " …"


def _roots(text: str, stop_words: frozenset[str]) -> set[str]:
    """Each content word's shortest stem (talk, talks and talked → "talk")."""
    return {
        word[: 2 if _HANGUL.match(word) else 4]
        for word in _WORD.findall(text.casefold())
        if word not in stop_words and len(word) > 1
    }


def _shares_enough(texts: Sequence[str], stop_words: frozenset[str]) -> bool:
    """True when two word stems each recur in half the entries, or one recurs in every
    entry of four or more: three entries that share one word ("started") are a coincidence."""
    counts: dict[str, int] = {}
    for text in texts:
        for root in _roots(text, stop_words):
            counts[root] = counts.get(root, 0) + 1
    half = max(2, (len(texts) + 1) // 2)
    if sum(1 for n in counts.values() if n >= half) >= 2:
        return True
    return len(texts) >= 4 and max(counts.values(), default=0) == len(texts)


def stems(text: str, stop_words: frozenset[str] = frozenset()) -> list[str]:
    """The features of ``text``: the beginnings of its words.

    A word's beginning carries its meaning and its end the grammar, in English (talk, talks,
    talked) and in Korean (발표, 발표를, 발표는; 도전했다 and 입양했다 share only "했다").
    So each word gives its prefixes of 2 to 4 syllables (Hangul) or 4 to 7 letters (others),
    and the word itself. English stop words ("the", "with"), :data:`CALENDAR_WORDS` and
    one-syllable words (한, 더, a) give nothing.
    """
    found: list[str] = []
    for word in _WORD.findall(text.casefold()):
        if word in stop_words or len(word) == 1:
            continue
        shortest, longest = (2, 4) if _HANGUL.match(word) else (4, 7)
        found += [word[:n] for n in range(shortest, min(longest, len(word) - 1) + 1)]
        found.append(word)
    return found


def find_threads(entries: Sequence[Entry]) -> list[Thread]:
    """The year's main threads among ``entries``; see the module docstring."""
    usable = [i for i, e in enumerate(entries) if len(e.text.strip()) >= MIN_CHARACTERS]
    if len(usable) > MAX_ENTRIES:  # a prolific year: its longest entries carry the stories
        longest = sorted(usable, key=lambda i: -len(entries[i].text))[:MAX_ENTRIES]
        usable = sorted(longest)
    if len({entries[i].week for i in usable}) < MIN_WEEKS or len(usable) < MIN_WEEKS:
        return []
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    texts = [entries[i].text for i in usable]
    stop_words = frozenset(ENGLISH_STOP_WORDS) | CALENDAR_WORDS
    vectorizer = TfidfVectorizer(
        analyzer=lambda text: stems(text, stop_words),
        sublinear_tf=True,
        max_df=MAX_SHARE if len(texts) >= 20 else 1.0,
        min_df=2,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing is shared by two entries
        return []
    similarity = (matrix @ matrix.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - MIN_SIMILARITY,
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(int(label), []).append(row)
    threads = []
    for rows in groups.values():
        weeks = {entries[usable[r]].week for r in rows}
        if len(weeks) < MIN_WEEKS or not _shares_enough([texts[r] for r in rows], stop_words):
            continue
        inside = similarity[np.ix_(rows, rows)]
        typical = rows[int(np.argmax(inside.sum(axis=1)))]
        members = sorted((usable[r] for r in rows), key=lambda i: (entries[i].week, i))
        threads.append(
            (
                len(weeks),
                Thread(
                    title=_title(entries[usable[typical]].text),
                    members=tuple(members),
                    first=entries[members[0]].week,
                    last=entries[members[-1]].week,
                ),
            )
        )
    threads.sort(key=lambda pair: (-pair[0], pair[1].first))
    chosen = [thread for _, thread in threads[:MAX_THREADS]]
    return sorted(chosen, key=lambda t: t.first)
