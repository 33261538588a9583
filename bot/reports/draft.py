"""The year-end "year in review" draft: Markdown built only from the user's own words.

The draft follows the seed posts' shape, each section opening with an italic writing prompt
the author replaces:

0. the year in a few words and the moments the user picked, when they answered /yearend;
1. an opening with the year's numbers;
2. **highlights**: the user's ⭐ answers and a few more wins (:mod:`bot.reports.highlights`);
3. **by the numbers**: sentences with figures or achievements (:mod:`bot.reports.figures`);
4. **stories of the year**: answers and notes about the same thing across weeks, each with a
   title from the user's words and its span (:mod:`bot.reports.threads`);
5. **month by month**, quiet neighbouring months (or months of one story) merged into
   stretches such as "May – August";
6. the themed sections (work, lessons, people, health, reading, odds and ends) with what no
   story thread took, last year's goals revisited, a look ahead, and the /yearend answers
   that close the post (the biggest lesson, what to leave behind, thanks, what the user
   still believes);
7. **the year, week by week**: an appendix with every answer and note exactly once, under
   its week. The sections above quote from it, so nothing written is lost by curating.

User text is reproduced verbatim with one transformation only: lines after the first are
indented to stay inside their list item (two spaces per nesting level) or, for quotes,
prefixed with ``> ``; empty lines stay empty. Nothing is escaped. "By the numbers" quotes
single sentences cut out of an answer, never reworded.
"""

from __future__ import annotations

import datetime as dtm
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import yaml
from babel.numbers import format_decimal

from bot.domain.journal import GoalView, Journal, MessageKind, WeekView, YearEndView
from bot.domain.questions import Section
from bot.domain.tally import tally
from bot.domain.weeks import IsoWeek
from bot.i18n import Translator, translator
from bot.reports import collect, figures
from bot.reports.collect import Attachment, Note, Quote
from bot.reports.highlights import Highlights, curate
from bot.reports.site import SiteFormat, hugo_literal
from bot.reports.site import front_matter as site_front_matter
from bot.reports.stats import (
    average_energy,
    energy_of,
    month_of,
    week_label,
    week_number,
    weeks_of_month,
    weeks_of_year,
)
from bot.reports.threads import Entry, Thread, find_threads

# Themed sections in the order of the seed posts, with their catalog name.
THEMED: tuple[tuple[Section, str], ...] = (
    (Section.GROWTH, "growth"),
    (Section.LESSONS, "lessons"),
    (Section.PEOPLE, "people"),
    (Section.HEALTH, "health"),
    (Section.READING, "reading"),
    (Section.ODDS, "odds"),
)
QUOTE_KEY = figures.QUOTE_KEY  # answers to the "quote" question are rendered as blockquotes
SPELLED_UP_TO = 10
STRETCH_MONTHS = 4  # a season at most under one heading


@dataclass(frozen=True)
class DraftNumbers:
    """The year in figures, for the draft's opening and the bot's summary message."""

    year: int
    weeks_total: int  # weeks that were due and are over, and answered open ones (tally)
    weeks_answered: int
    weeks_skipped: int
    weeks_paused: int
    current_streak: int
    longest_streak: int
    answers: int  # answers with content, private ones included
    highlights: int  # the draft's curated highlights (bot.reports.highlights)
    highlights_starred: int  # of them, the user's ⭐ answers
    notes: int  # notes of every kind
    photos: int  # in answers and notes
    voice_notes: int  # in answers and notes
    average_energy: float | None
    goals_done: int  # of the goals revisited
    goals_total: int
    next_year_goals: int


def _year_views(journal: Journal, weeks: Sequence[IsoWeek]) -> list[WeekView]:
    return collect.views_for(journal.weeks, weeks)


def _begun(journal: Journal, year: int, as_of: dtm.date | None) -> list[IsoWeek]:
    weeks = journal.since_joined(weeks_of_year(year))
    if as_of is None:
        return weeks
    now = IsoWeek.of(as_of)
    return [w for w in weeks if w <= now]


def _revisited_goals(journal: Journal, year: int, views: Sequence[WeekView]) -> list[GoalView]:
    """Last year's goals, this year's goals, and any goal checked in on during the year."""
    checked = {
        a.goal_id for v in views for a in v.answers if a.goal_id is not None and a.has_content
    }
    chosen = [g for g in journal.goals if g.year in (year - 1, year) or g.id in checked]
    return sorted(chosen, key=lambda g: (g.year, g.id))


def _next_goals(journal: Journal, year: int, revisited: Sequence[GoalView]) -> list[GoalView]:
    shown = {g.id for g in revisited}
    return sorted(
        (g for g in journal.goals if g.year == year + 1 and g.id not in shown), key=lambda g: g.id
    )


def draft_numbers(
    journal: Journal,
    year: int,
    *,
    as_of: dtm.date | None = None,
    open_from: IsoWeek | None = None,
    include_private: bool = True,
) -> DraftNumbers:
    """The year's numbers; ``as_of`` (the user's today) keeps future weeks out of the counts,
    and weeks from ``open_from`` on (default: the week of ``as_of``) are not due yet.
    ``include_private`` must match the draft's, so both count the same highlights."""
    weeks = _begun(journal, year, as_of)
    views = _year_views(journal, weeks)
    if open_from is None and as_of is not None:
        open_from = IsoWeek.of(as_of)
    counted = tally(views, weeks, open_from)
    all_quotes = list(collect.quotes(views, include_private=True))
    found_notes = collect.notes(views)
    counts = collect.count_notes(found_notes)
    revisited = _revisited_goals(journal, year, views)
    chosen = curate(views, include_private).chosen
    return DraftNumbers(
        year=year,
        weeks_total=counted.counted,
        weeks_answered=counted.answered,
        weeks_skipped=counted.skipped,
        weeks_paused=counted.paused,
        current_streak=counted.current_streak,
        longest_streak=counted.longest_streak,
        answers=len(all_quotes),
        highlights=len(chosen),
        highlights_starred=sum(1 for q in chosen if q.highlight),
        notes=counts.total,
        photos=counts.photos + sum(len(q.photos) for q in all_quotes),
        voice_notes=counts.voices + sum(len(q.voices) for q in all_quotes),
        average_energy=average_energy(views),
        goals_done=sum(1 for g in revisited if g.done),
        goals_total=len(revisited),
        next_year_goals=len(_next_goals(journal, year, revisited)),
    )


# --- Markdown helpers --------------------------------------------------------------------


def indent_continuation(text: str, width: int) -> str:
    """``text`` with every line after the first indented by ``width`` spaces (empty lines
    stay empty): the only change made to user text inside a list item."""
    first, *rest = text.split("\n")
    pad = " " * width
    return "\n".join([first, *(pad + line if line else "" for line in rest)])


_FENCE = re.compile(r" {0,3}(?:`{3,}|~{3,}).*")
_RULE_OR_FENCE = re.compile(rf" {{0,3}}([-*_])(?:[ \t]*\1){{2,}}[ \t]*|{_FENCE.pattern}")
"""A line that Markdown reads as a thematic break (``---``) or a code fence (```` ``` ````)."""


def _opens_block(text: str) -> bool:
    return _RULE_OR_FENCE.fullmatch(text.split("\n", 1)[0]) is not None


def after(prefix: str, text: str) -> str:
    """``prefix`` then the user's ``text``: on one line, unless the text's first line is a rule
    or a fence. After a list marker ``- ---`` is a rule that swallows the item, and a fence
    after other words opens nothing (its closing fence would then open a block that runs to
    the end of the draft); so such a text starts on a line of its own, in the item, after a
    blank line when words precede it (else ``---`` would underline them into a heading)."""
    if _opens_block(text):
        lead = prefix.rstrip()
        # A blank line after words: right under them, "---" would make them a heading.
        return f"{lead}\n\n{text}" if lead else f"\n{text}"
    return prefix + text


def before(text: str, suffix: str) -> str:
    """The user's ``text`` then ``suffix`` (a week reference): on the last line, unless that
    line closes a code block, where the suffix would become code."""
    last = text.rsplit("\n", 1)[-1]
    if "\n" in text and _FENCE.fullmatch(last) is not None:
        return f"{text}\n{suffix}"
    return f"{text} {suffix}"


def bullet(body: str, pad: str = "") -> str:
    """``body`` as a list item at ``pad``; a body that starts on its next line (:func:`after`)
    leaves no space after the marker."""
    text = indent_continuation(body, len(pad) + 2)
    return pad + ("-" if text.startswith("\n") else "- ") + text


def blockquote(text: str) -> str:
    """``text`` as a Markdown blockquote: ``> `` before each line, ``>`` for empty ones."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _link_target(path: str) -> str:
    return f"<{path}>" if any(ch in path for ch in " ()<>") else path


class _Writer:
    """Builds the draft's Markdown for one journal, year and language."""

    def __init__(
        self,
        journal: Journal,
        year: int,
        lang: str,
        *,
        include_private: bool,
        images: Mapping[str, str],
        energy_chart: str | None,
        generated_on: dtm.date,
        open_from: IsoWeek | None,
        site: SiteFormat = "markdown",
        author: str | None = None,
    ) -> None:
        self.site = site
        self.author = author
        self.journal = journal
        self.year = year
        self.lang = lang
        self.tr: Translator = translator(lang)
        self.include_private = include_private
        self.images = images
        self.energy_chart = energy_chart
        self.generated_on = generated_on
        self.open_from = open_from
        self.views = _year_views(journal, weeks_of_year(year))
        self._labels: dict[IsoWeek, str] = {}
        self.thread_of: dict[Quote | Note, int] = {}  # set by compile()

    # -- small pieces --

    def label(self, week: IsoWeek) -> str:
        if week not in self._labels:  # a week of another year (a goal's history) says so
            self._labels[week] = week_label(week, self.lang, with_year=week.year != self.year)
        return self._labels[week]

    def ref(self, week: IsoWeek) -> str:
        return self.tr.plain("report.draft.ref", label=self.label(week))

    def prompt(self, name: str, **values: object) -> str:
        return f"*{self.tr.plain(f'report.draft.prompt.{name}', **values)}*"

    def heading(self, name: str, **values: object) -> str:
        return f"## {self.tr.plain(f'report.draft.heading.{name}', **values)}"

    def number(self, value: float) -> str:
        return str(format_decimal(value, format="0.0", locale=self.lang))

    def markers(self, quote: Quote) -> str:
        parts = []
        if quote.highlight:
            parts.append("⭐")
        if quote.private:
            parts.append("🔒")
        if quote.rating is not None:
            parts.append(self.tr.plain("report.draft.rating", rating=quote.rating))
        return "".join(f"{p} " for p in parts)

    def media_lines(self, week: IsoWeek, attachments: Sequence[Attachment]) -> list[str]:
        """An image per downloaded photo, a mention for the others and for voice notes."""
        lines = []
        for item in attachments:
            if item.kind is MessageKind.PHOTO:
                path = self.images.get(item.file_unique_id or "")
                if path:
                    lines.append(f"![{self.label(week)}]({_link_target(path)})")
                else:
                    lines.append(f"*{self.tr.plain('report.draft.photo')}*")
            elif item.kind is MessageKind.VOICE:
                duration = collect.duration_text(item.duration)
                key = "report.draft.voice" if duration else "report.draft.voice.unknown"
                lines.append(f"*{self.tr.plain(key, duration=duration)}*")
        return lines

    def item(self, quote: Quote, depth: int = 0) -> str:
        """A list item: markers, the text verbatim, the week reference, then media."""
        pad = "  " * depth
        ref = self.ref(quote.week)
        marks = self.markers(quote)  # also for a photo or a rating without words
        body = after(marks, before(quote.text, ref)) if quote.text else marks + ref
        lines = [bullet(body, pad)]
        lines += [pad + "  " + m for m in self.media_lines(quote.week, quote.attachments)]
        return "\n".join(lines)

    def quote_block(self, quote: Quote) -> str:
        """A quote answer as a blockquote, its reference in the last line."""
        marks = self.markers(quote)
        lines = [blockquote(marks + quote.text), ">", f"> {self.ref(quote.week)}"]
        lines += self.media_lines(quote.week, quote.attachments)
        return "\n".join(lines)

    def section(self, name: str, body: Sequence[str], **values: object) -> str:
        return "\n\n".join([self.heading(name, **values), self.prompt(name, **values), *body])

    def quotes(self) -> list[Quote]:
        return list(collect.quotes(self.views, include_private=self.include_private))

    # -- sections --

    def front_matter(self) -> str:
        tags = [t.strip() for t in self.tr.plain("report.draft.tags").split(",") if t.strip()]
        data = site_front_matter(
            self.site,
            title=self.tr.plain("report.draft.title", year=self.year),
            date=self.generated_on,
            tags=tags,
            description=self.tr.plain("report.draft.description", year=self.year),
            author=self.author,
        )
        dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        return f"---\n{dumped}---"

    def opening(self, numbers: DraftNumbers) -> str:
        tr = self.tr
        facts = [
            tr.plain(
                "report.draft.numbers.weeks",
                answered=numbers.weeks_answered,
                total=numbers.weeks_total,
            ),
            *(
                [tr.n_plain("report.draft.numbers.weeks_off", weeks_off)]
                if (weeks_off := numbers.weeks_skipped + numbers.weeks_paused)
                else []
            ),
            tr.plain(
                "report.draft.numbers.streak",
                longest=tr.n_plain("report.weeks", numbers.longest_streak),
                current=tr.n_plain("report.weeks", numbers.current_streak),
            ),
            tr.n_plain("report.draft.numbers.notes", numbers.notes),
        ]
        if numbers.average_energy is not None:
            facts.append(
                tr.plain("report.draft.numbers.energy", average=self.number(numbers.average_energy))
            )
        return self.section("year", ["\n".join(f"- {f}" for f in facts)], year=self.year)

    def highlights(self, found: Highlights) -> str | None:
        if not found.chosen:
            return None
        count = len(found.chosen)
        spelled_key = f"report.draft.number.{count}"
        if count <= SPELLED_UP_TO and self.tr.has(spelled_key):
            spelled = self.tr.plain(spelled_key)
        else:
            spelled = self.tr.plain("report.draft.number.other", count=count)
        body = [
            self.tr.n_plain("report.draft.highlights.intro", count, number=spelled),
            "\n".join(self.item(q) for q in found.chosen),
        ]
        return self.section("highlights", body)

    def by_the_numbers(self, found: Sequence[figures.Figure]) -> str | None:
        if not found:
            return None
        items = [
            "- "
            + indent_continuation(f"{'🔒 ' if f.private else ''}{f.text} {self.ref(f.week)}", 2)
            for f in found
        ]
        return self.section("numbers", ["\n".join(items)])

    def span(self, first: IsoWeek, last: IsoWeek) -> str:
        return self.tr.plain(
            "report.draft.span",
            first=week_number(first, self.lang),
            last=week_number(last, self.lang),
        )

    def threads(self, found: Sequence[tuple[Thread, Sequence[Quote | Note]]]) -> str | None:
        if not found:
            return None
        blocks = []
        for thread, members in found:
            lines = [f"### {thread.title} ({self.span(thread.first, thread.last)})", ""]
            for member in members:
                if isinstance(member, Quote):
                    lines.append(self.item(member))
                else:
                    lines.append(self.note_item(member))
            blocks.append("\n".join(lines))
        return self.section("threads", blocks)

    def stretches(
        self, weeks: Sequence[IsoWeek], by_week: Mapping[IsoWeek, Sequence[Quote]]
    ) -> list[tuple[str, list[IsoWeek]]]:
        """Months as the draft heads them: quiet months next to each other (a headline in
        one week at most) and neighbouring months whose headlines all belong to the same
        story thread become one stretch, "May – August", of at most :data:`STRETCH_MONTHS`."""
        months: dict[tuple[int, int], list[IsoWeek]] = {}
        for week in weeks:
            months.setdefault(month_of(week), []).append(week)

        def quiet(month: tuple[int, int]) -> bool:
            return sum(1 for w in months[month] if by_week.get(w)) <= 1

        def story(month: tuple[int, int]) -> int | None:
            found = {self.thread_of.get(q) for w in months[month] for q in by_week.get(w, [])}
            return found.pop() if len(found) == 1 else None

        runs: list[list[tuple[int, int]]] = []
        for month in sorted(months):
            if runs:
                last = runs[-1][-1]
                adjacent = (last[0] * 12 + last[1]) + 1 == month[0] * 12 + month[1]
                same_story = story(last) is not None and story(last) == story(month)
                room = len(runs[-1]) < STRETCH_MONTHS
                if adjacent and room and ((quiet(last) and quiet(month)) or same_story):
                    runs[-1].append(month)
                    continue
            runs.append([month])
        named = []
        for run in runs:
            first = collect.month_only(run[0][1], self.lang)
            name = first
            if len(run) > 1:
                last_name = collect.month_only(run[-1][1], self.lang)
                name = self.tr.plain("report.draft.stretch", first=first, last=last_name)
            named.append((name, [w for m in run for w in months[m]]))
        return named

    def months(self, timeline: Sequence[Quote], focus: Sequence[Quote]) -> str | None:
        by_week: dict[IsoWeek, list[Quote]] = {}
        for quote in timeline:
            by_week.setdefault(quote.week, []).append(quote)
        focus_of: dict[IsoWeek, list[Quote]] = {}
        for quote in focus:
            focus_of.setdefault(quote.week, []).append(quote)
        weeks = sorted(set(by_week) | set(focus_of))
        if not weeks:
            return None
        blocks: list[str] = []
        for name, stretch in self.stretches(weeks, by_week):
            lines = [f"### {name}", ""]
            for week in stretch:
                lines += self.month_week(week, by_week.get(week, []), focus_of.get(week, []))
            blocks.append("\n".join(lines))
        return self.section("months", blocks)

    def month_week(
        self, week: IsoWeek, heads: Sequence[Quote], focus: Sequence[Quote]
    ) -> list[str]:
        """A week under its month: its headline (or just its label), then its focus."""
        lines: list[str] = []
        label = self.tr.plain("report.draft.week", label=self.label(week))
        if not heads:
            lines.append(f"- {label}")
        for quote in heads:
            body = after(f"{label} {self.markers(quote)}", quote.text)
            lines.append(bullet(body))
            lines += ["  " + m for m in self.media_lines(week, quote.attachments)]
        for quote in focus:
            lines.append(self.focus_item(quote))
        return lines

    def focus_item(self, quote: Quote) -> str:
        """A focus item nested under its week: ``  - → Next: …``."""
        prefix = self.tr.plain("report.draft.next_focus")
        body = f"{prefix} {self.markers(quote)}{quote.text}"
        lines = ["  - " + indent_continuation(body, 4)]
        lines += ["    " + m for m in self.media_lines(quote.week, quote.attachments)]
        return "\n".join(lines)

    def themed(self, section: Section, name: str, found: Sequence[Quote]) -> str | None:
        found = [q for q in found if q.has_words]
        body: list[str] = []
        if section is Section.HEALTH:
            body += self.energy_summary()
        items = [q for q in found if q.question_key != QUOTE_KEY]
        if items:
            body.append("\n".join(self.item(q) for q in items))
        body += [self.quote_block(q) for q in found if q.question_key == QUOTE_KEY]
        if section is Section.ODDS:
            body += self.notes_list()
        if not body:
            return None
        return self.section(name, body)

    def energy_summary(self) -> list[str]:
        rated = [r for r in (energy_of(v) for v in self.views) if r is not None]
        average = average_energy(self.views)
        if average is None:
            return []
        lines = [self.tr.n_plain("report.draft.energy", len(rated), average=self.number(average))]
        if self.energy_chart:
            alt = self.tr.plain("report.draft.energy_chart")
            lines.append(f"![{alt}]({_link_target(self.energy_chart)})")
        return ["\n\n".join(lines)]

    def notes_list(self) -> list[str]:
        found = [n for n in collect.notes(self.views) if n not in self.thread_of]
        if not found:
            return []
        intro = self.tr.n_plain("report.draft.notes", len(found))
        return [intro, "\n".join(self.note_item(n) for n in found)]

    def note_item(self, note: Note) -> str:
        attachments = [note.attachment] if note.attachment else []
        media = self.media_lines(note.week, attachments)
        star = "⭐ " if note.starred else ""
        if note.text:
            body = after(star, before(note.text, self.ref(note.week)))
        else:  # a photo without caption or a voice note: its mention is the item
            body = f"{media.pop(0)} {self.ref(note.week)}" if media else self.ref(note.week)
        lines = [bullet(body)]
        lines += ["  " + m for m in media]
        return "\n".join(lines)

    def goals(self, revisited: Sequence[GoalView], checkins: Sequence[Quote]) -> str | None:
        by_goal: dict[int | None, list[Quote]] = {}
        for quote in checkins:
            by_goal.setdefault(quote.goal_id, []).append(quote)
        known = {g.id for g in revisited}
        if not revisited and not checkins:
            return None
        body: list[str] = []
        if revisited:
            done = sum(1 for g in revisited if g.done)
            body.append(
                self.tr.plain("report.draft.goals.summary", done=done, total=len(revisited))
            )
        items = []
        for goal in revisited:
            items.append(self.goal_item(goal, self.goal_checkins(goal, by_goal.get(goal.id, []))))
        orphans = [q for goal_id, qs in by_goal.items() if goal_id not in known for q in qs]
        for prompt in dict.fromkeys(q.prompt for q in orphans):
            items.append("- " + indent_continuation(prompt, 2))
            items += [self.item(q, 1) for q in orphans if q.prompt == prompt]
        if items:
            body.append("\n".join(items))
        return self.section("goals", body)

    def goal_checkins(self, goal: GoalView, in_year: Sequence[Quote]) -> list[Quote]:
        """A goal's check-ins in week order: the year's answers plus any stored elsewhere."""
        found = {(q.week, q.question_key): q for q in in_year}
        year_weeks = {v.week for v in self.views}
        for week, answer in goal.checkins:
            if week in year_weeks or (answer.private and not self.include_private):
                continue  # this year's answers come from the weeks themselves
            quote = collect.quote_of(week, answer)
            if quote is not None:
                found.setdefault((week, answer.question_key), quote)
        return sorted(found.values(), key=lambda q: (q.week, q.position))

    def goal_item(self, goal: GoalView, checkins: Sequence[Quote]) -> str:
        key = "report.draft.goal.done" if goal.done else "report.draft.goal.open"
        status = self.tr.plain(key)
        lines = ["- " + indent_continuation(f"{status} {goal.text}", 2)]
        lines += [self.item(q, 1) for q in checkins]
        return "\n".join(lines)

    def ahead(self, focus: Sequence[Quote], goals: Sequence[GoalView]) -> str | None:
        if not focus and not goals:
            return None
        body: list[str] = []
        if focus:
            body.append(self.tr.plain("report.draft.ahead.focus"))
            body.append("\n".join(self.item(q) for q in focus))
        if goals:
            body.append(self.tr.plain("report.draft.ahead.goals", year=self.year + 1))
            body.append("\n".join("- " + indent_continuation(g.text, 2) for g in goals))
        return self.section("ahead", body, year=self.year + 1)

    def year_end(self) -> dict[str, YearEndView]:
        """The /yearend answers of this year that this copy may show."""
        return {
            v.key: v
            for v in self.journal.year_end
            if v.year == self.year and (self.include_private or not v.private)
        }

    def intro(self, answers: Mapping[str, YearEndView], quotes: Sequence[Quote]) -> str | None:
        """The year named in the user's words and the moments they picked (/yearend)."""
        name, moments = answers.get("name"), answers.get("moments")
        by_ref = {f"{q.week.key}/{q.question_key}": q for q in quotes}
        picked = [by_ref[r] for r in (moments.picked if moments else ()) if r in by_ref]
        body: list[str] = []
        if name is not None and name.text and name.text.strip():
            # A quote, so Markdown at the start of a line ("```", "---") stays inside it.
            body.append(blockquote(("🔒 " if name.private else "") + name.text))
        if picked:
            body.append(self.tr.plain("report.draft.intro.moments"))
            body.append("\n".join(self.item(q) for q in picked))
        if not body:
            return None
        return self.section("intro", body, year=self.year)

    def conclusions(self, answers: Mapping[str, YearEndView]) -> str | None:
        """What the user learned, leaves behind, is thankful for and still believes."""
        items = []
        for key in ("lesson", "leave", "thanks", "believe"):
            answer = answers.get(key)
            if answer is None or not answer.text or not answer.text.strip():
                continue
            label = self.tr.plain(f"report.draft.conclusion.{key}")
            lock = "🔒 " if answer.private else ""
            items.append(bullet(after(f"**{label}** {lock}", answer.text)))
        if not items:
            return None
        return self.section("conclusions", ["\n".join(items)], year=self.year)

    def find_stories(
        self, quotes: Sequence[Quote], notes: Sequence[Note], highlights: Sequence[Quote] = ()
    ) -> list[tuple[Thread, list[Quote | Note]]]:
        """The year's story threads (:mod:`bot.reports.threads`) over answers and notes with
        text; plans for next week and goal check-ins keep their own sections, and the
        ``highlights`` are told once, among the highlights."""
        shown = set(highlights)
        candidates: list[Quote | Note] = [
            q
            for q in quotes
            if q.text and q.section not in (Section.FOCUS, Section.GOALS) and q not in shown
        ]
        candidates += [n for n in notes if n.text]
        entries = [Entry(c.week, c.text or "") for c in candidates]
        found = []
        for number, thread in enumerate(find_threads(entries)):
            members = [candidates[i] for i in thread.members]
            for member in members:
                self.thread_of[member] = number
            found.append((thread, members))
        return found

    def appendix(self, quotes: Sequence[Quote]) -> str | None:
        """Every answer and note shown, once each, under its week: the year kept whole."""
        notes = collect.notes(self.views)
        weeks = sorted({q.week for q in quotes} | {n.week for n in notes})
        if not weeks:
            return None
        blocks = []
        for week in weeks:
            lines = [f"### {self.label(week)}", ""]
            lines += [self.appendix_item(q) for q in quotes if q.week == week]
            lines += [self.appendix_note(n) for n in notes if n.week == week]
            blocks.append("\n".join(lines))
        return self.section("appendix", blocks)

    def appendix_item(self, quote: Quote) -> str:
        """``- *Question* ⭐ text``, continuation lines indented, media below."""
        body = after(f"*{quote.prompt}* {self.markers(quote)}", quote.text).rstrip()
        lines = [bullet(body)]
        lines += ["  " + m for m in self.media_lines(quote.week, quote.attachments)]
        return "\n".join(lines)

    def appendix_note(self, note: Note) -> str:
        attachments = [note.attachment] if note.attachment else []
        media = self.media_lines(note.week, attachments)
        label = f"*{self.tr.plain('report.draft.note')}*" + (" ⭐" if note.starred else "")
        if note.text:
            body = after(f"{label} ", note.text)
        else:  # a photo without caption or a voice note: its mention is the item
            body = f"{label} {media.pop(0)}" if media else label
        lines = [bullet(body)]
        lines += ["  " + m for m in media]
        return "\n".join(lines)

    # -- the whole draft --

    def compile(self) -> str:
        numbers = draft_numbers(
            self.journal,
            self.year,
            as_of=self.generated_on,
            open_from=self.open_from,
            include_private=self.include_private,
        )
        all_quotes = self.quotes()
        last_month = set(weeks_of_month(self.year, 12))

        def placed(rule: Callable[[Quote], bool]) -> list[Quote]:
            return [q for q in all_quotes if rule(q)]

        focus = placed(lambda q: q.section is Section.FOCUS)
        revisited = _revisited_goals(self.journal, self.year, self.views)
        notes = collect.notes(self.views)
        chosen = curate(self.views, self.include_private)
        stories = self.find_stories(all_quotes, notes, chosen.chosen)
        closing = self.year_end()
        parts: list[str | None] = [
            self.front_matter(),
            self.intro(closing, all_quotes),
            self.opening(numbers),
            self.highlights(chosen),
            self.by_the_numbers(figures.collect(all_quotes, notes, leave_out=chosen.chosen)),
            self.threads(stories),
            self.months(
                placed(lambda q: q.section is Section.TIMELINE),
                [q for q in focus if q.week not in last_month],
            ),
        ]
        for section, name in THEMED:
            found = [
                q
                for q in all_quotes
                if q.section is section and not q.pulled_to_highlights and q not in self.thread_of
            ]
            parts.append(self.themed(section, name, found))
        parts.append(self.goals(revisited, placed(lambda q: q.section is Section.GOALS)))
        parts.append(
            self.ahead(
                [q for q in focus if q.week in last_month],
                _next_goals(self.journal, self.year, revisited),
            )
        )
        parts.append(self.conclusions(closing))
        parts.append(self.appendix(all_quotes))
        markdown = "\n\n".join(p for p in parts if p) + "\n"
        if self.site == "hugo":  # the front matter holds no user text
            return hugo_literal(markdown)
        return markdown


def compile_draft(
    journal: Journal,
    year: int,
    lang: str,
    *,
    include_private: bool = False,
    images: Mapping[str, str] | None = None,
    energy_chart: str | None = None,
    generated_on: dtm.date,
    open_from: IsoWeek | None = None,
    site: SiteFormat = "markdown",
    author: str | None = None,
) -> str:
    """The year-in-review draft of ``year`` as Markdown with YAML front matter.

    ``site`` picks the front matter (:mod:`bot.reports.site`); ``author`` is named in an
    MkDocs blog post's ``authors``.

    ``open_from`` is the user's oldest week that is not over (default: the week of
    ``generated_on``); unanswered, it and later weeks are not counted as gaps.

    ``images`` maps a photo's ``file_unique_id`` to its relative path in the export (e.g.
    ``images/2026-w14-1.jpg``); ``energy_chart`` is the relative path of the energy chart PNG.
    Private answers are left out unless ``include_private`` (then they are marked 🔒).
    """
    writer = _Writer(
        journal,
        year,
        lang,
        include_private=include_private,
        images=images or {},
        energy_chart=energy_chart,
        generated_on=generated_on,
        open_from=open_from,
        site=site,
        author=author,
    )
    return writer.compile()
