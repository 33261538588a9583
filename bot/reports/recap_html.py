"""Render a :class:`~bot.reports.recap.MonthRecap` as Telegram HTML messages.

User text is HTML-escaped (``tr`` escapes every str value); the result is split at
Telegram's 4096-character limit by :func:`bot.reports.html_split.split_html`.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.domain.journal import MessageKind
from bot.domain.questions import Section
from bot.i18n import Safe, Translator, translator
from bot.reports.collect import Note, Quote, duration_text, month_only
from bot.reports.html_split import split_html
from bot.reports.recap import MonthRecap, RecapNumbers, RecapWeek, WeekState
from bot.reports.stats import month_name, week_label

CAPTION_LIMIT = 1024


def _number(value: float, lang: str) -> str:
    return str(format_decimal(value, format="0.0", locale=lang))


def media_mentions(tr: Translator, quote: Quote) -> list[str]:
    """Mentions of an answer's photos and voice notes (captions are already in the text)."""
    parts = [tr.n("report.recap.photos", len(quote.photos))] if quote.photos else []
    parts += [_voice(tr, a.duration) for a in quote.voices]
    return parts


def _voice(tr: Translator, duration: int | None) -> str:
    length = duration_text(duration)
    return tr("report.recap.voice", duration=length) if length else tr("report.draft.voice.unknown")


def _quote(tr: Translator, quote: Quote, *, ref: bool = True) -> str:
    """One answer: markers, the text as written, media mentions and a week reference."""
    parts: list[str] = []
    if quote.highlight:
        parts.append("⭐")
    if quote.private:
        parts.append(tr("report.recap.private"))
    if quote.rating is not None:
        parts.append(tr("report.recap.rating", rating=quote.rating))
    if quote.text:
        parts.append(tr("report.recap.text", text=quote.text))
    parts += media_mentions(tr, quote)
    if ref:
        parts.append(tr("report.recap.ref", week=quote.week.week))
    return " ".join(parts)


def _item(tr: Translator, quote: Quote) -> str:
    if quote.section is Section.GOALS:  # the check-in's question names the goal
        what = tr("report.recap.checkin", prompt=quote.prompt, item=Safe(_quote(tr, quote)))
        return tr("report.recap.item", item=Safe(what))
    return tr("report.recap.item", item=Safe(_quote(tr, quote)))


def _timeline(tr: Translator, recap: MonthRecap, lang: str) -> str:
    shown = [w for w in recap.weeks if w.state is not WeekState.FUTURE]
    shown_weeks = {w.week for w in shown}
    lines = [tr("report.recap.timeline")]
    for week in shown:
        lines.append(_week_line(tr, week, lang))
        for pair in recap.focus:
            if pair.next_week == week.week:
                item = Safe(_quote(tr, pair.focus, ref=False))
                lines.append(tr("report.recap.planned", item=item))
    for pair in recap.focus:  # focus for a week this recap does not show (yet)
        if pair.next_week not in shown_weeks:
            lines.append(tr("report.recap.focus_after", item=Safe(_quote(tr, pair.focus))))
    return "\n".join(lines)


def _week_line(tr: Translator, week: RecapWeek, lang: str) -> str:
    if week.headline is not None:
        what = _quote(tr, week.headline, ref=False)
    elif week.state is WeekState.SKIPPED:
        what = tr("report.recap.state.skipped")
    elif week.state is WeekState.PAUSED:
        what = tr("report.recap.state.paused")
    elif week.state is WeekState.OPEN:
        what = tr("report.recap.state.open")
    elif week.state is WeekState.MISSED:
        what = tr("report.recap.state.missed")
    else:
        what = tr("report.recap.state.no_headline")
    return tr("report.recap.week", label=week_label(week.week, lang), what=Safe(what))


def _list(tr: Translator, title_key: str, items: tuple[Quote, ...]) -> str:
    if not items:
        return ""
    return "\n".join([tr(title_key), *(_item(tr, q) for q in items)])


def _note(tr: Translator, note: Note) -> str:
    parts = []
    if note.kind is MessageKind.PHOTO:
        parts.append("📷")
    if note.starred:  # a ⭐ note brought in from another journal
        parts.append("⭐")
    if note.text:
        parts.append(tr("report.recap.text", text=note.text))
    if note.kind is MessageKind.VOICE:
        parts.append(_voice(tr, note.attachment.duration if note.attachment else None))
    return tr("report.recap.note", week=note.week.week, what=Safe(" ".join(parts)))


def _notes(tr: Translator, recap: MonthRecap) -> str:
    counts = recap.note_counts
    if not counts.total:
        return ""
    summary = [
        tr.n(key, count)
        for key, count in (
            ("report.recap.count.notes", counts.texts),
            ("report.recap.count.photos", counts.photos),
            ("report.recap.count.voices", counts.voices),
        )
        if count
    ]
    lines = [tr("report.recap.notes", summary=Safe(", ".join(summary)))]
    lines += [_note(tr, n) for n in recap.notes]
    return "\n".join(lines)


def _energy(tr: Translator, recap: MonthRecap, lang: str) -> str:
    numbers = recap.numbers
    if numbers.average_energy is None:
        return tr("report.recap.energy.none")
    average = _number(numbers.average_energy, lang)
    change = numbers.energy_change
    if change is None:
        return tr("report.recap.energy", average=average)
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return tr(
        "report.recap.energy.change",
        average=average,
        change=f"{arrow} {_number(abs(change), lang)}",
        previous=month_only(recap.previous_month[1], lang),
    )


def _weeks_answered(tr: Translator, numbers: RecapNumbers) -> str:
    """ "N of M" (bot.domain.tally), or that no week of the month is over yet."""
    if numbers.weeks_counted == 0:
        return tr("report.recap.weeks_none_due")
    return tr(
        "report.recap.weeks_answered",
        answered=numbers.weeks_answered,
        total=numbers.weeks_counted,
    )


def _numbers(tr: Translator, recap: MonthRecap, lang: str) -> str:
    numbers = recap.numbers
    return "\n".join(
        [
            tr("report.recap.numbers"),
            _weeks_answered(tr, numbers),
            tr(
                "report.recap.streak",
                current=tr.n("report.weeks", numbers.current_streak),
                longest=tr.n("report.weeks", numbers.longest_streak),
            ),
            _energy(tr, recap, lang),
        ]
    )


def _gaps(tr: Translator, recap: MonthRecap, lang: str) -> str:
    if not recap.gaps:
        return ""
    lines = [tr("report.recap.gaps")]
    lines += [
        tr("report.recap.gap", label=week_label(gap.week, lang), command=gap.command)
        for gap in recap.gaps
    ]
    return "\n".join(lines)


def render_recap(recap: MonthRecap, lang: str) -> list[str]:
    """The recap as Telegram HTML messages, each within Telegram's length limit."""
    tr = translator(lang)
    month = month_name(recap.year, recap.month, lang)
    blocks = [tr("report.recap.title", month=month)]
    if recap.is_empty:
        blocks.append(tr("report.recap.empty", month=month))
    else:
        blocks.append(_timeline(tr, recap, lang))
        blocks.append(_list(tr, "report.recap.highlights", recap.highlights))
        blocks.append(_list(tr, "report.recap.lessons", recap.lessons))
        blocks.append(_list(tr, "report.recap.people", recap.people))
        for group in recap.other:
            blocks.append(_list(tr, f"report.recap.section.{group.section}", group.quotes))
        blocks.append(_notes(tr, recap))
    blocks.append(_numbers(tr, recap, lang))
    blocks.append(_gaps(tr, recap, lang))
    return split_html("\n\n".join(b for b in blocks if b))


def recap_caption(recap: MonthRecap, lang: str) -> str:
    """A short HTML caption for the recap's energy chart (under Telegram's 1024 limit)."""
    tr = translator(lang)
    numbers = recap.numbers
    lines = [
        tr("report.recap.caption", month=month_name(recap.year, recap.month, lang)),
        _weeks_answered(tr, numbers),
        _energy(tr, recap, lang),
    ]
    caption = "\n".join(lines)
    return caption if len(caption) < CAPTION_LIMIT else lines[0]
