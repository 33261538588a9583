"""Texts and keyboards of the review conversation (pure: values in, text and buttons out)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.questions import Kind, Question, Section
from bot.domain.weeks import IsoWeek
from bot.i18n import Safe, Translator
from bot.reports.html_split import TELEGRAM_LIMIT, text_content, utf16_len
from bot.reports.stats import month_name, week_dates

PREVIEW_CHARS = 80


def _b(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def week_title(tr: Translator, week: IsoWeek, *, with_year: bool = False) -> str:
    """ "Week 47 · Nov 16 – 22" (``with_year``: "Week 48 · Nov 24 – 30, 2025")."""
    dates = week_dates(week, tr.lang, with_year=with_year)
    return tr("review.week_title", week=week.week, dates=dates)


def question_text(tr: Translator, question: Question) -> str:
    if question.text is not None:
        return question.text
    return tr.plain(f"question.{question.key}")


def question_title(tr: Translator, question: Question) -> str:
    if question.section is Section.GOALS:
        return tr.plain("goals.checkin_title")
    if question.text is not None:
        return tr.plain("question.custom.title")
    return tr.plain(f"question.{question.key}.title")


def prompt(
    tr: Translator,
    week: IsoWeek,
    review_id: int,
    count: int,
    *,
    evening: bool,
    reminder: bool = False,
    recap: tuple[int, int] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The message that opens a week's review, with Start / Later / Skip this week; the first
    prompt of a month also offers last month's ``recap`` (year, month) instead of sending it."""
    key = "review.reminder" if reminder else "review.prompt"
    text = tr.n(key, count, title=Safe(week_title(tr, week)))
    later = [_b(tr("review.button.later_1h"), f"rv:later:{review_id}:1h")]
    if evening:
        later.append(_b(tr("review.button.later_evening"), f"rv:later:{review_id}:evening"))
    later.append(_b(tr("review.button.later_tomorrow"), f"rv:later:{review_id}:tomorrow"))
    rows = [
        [_b(tr("review.button.start"), f"rv:start:{review_id}")],
        later,
        [_b(tr("review.button.skip_week"), f"rv:skipweek:{review_id}")],
    ]
    if recap is not None:
        name = month_name(*recap, tr.lang, with_year=False)
        text += "\n\n" + tr("review.recap_ready", month=name)
        rows.append([_b(tr.plain("review.button.recap", month=name), f"rc:{recap[0]}:{recap[1]}")])
    return text, InlineKeyboardMarkup(rows)


def starting(
    tr: Translator,
    week: IsoWeek,
    review_id: int,
    count: int,
    over: bool,
    *,
    with_year: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The line before a review's first question; a week that is ``over`` may be skipped, one
    of another year says its year."""
    title = week_title(tr, week, with_year=with_year)
    text = tr.n("review.starting", count, title=Safe(title))
    if not over:
        return text, None
    text += "\n" + tr("review.past_week_hint")
    skip = _b(tr("review.button.skip_past_week"), f"rv:skipweek:{review_id}")
    return text, InlineKeyboardMarkup([[skip]])


@dataclass(frozen=True)
class Kept:
    """What the open question's answer holds so far (shown on its message, edited in place)."""

    rating: int | None = None
    preview: str | None = None  # the stored text so far; None: "kept", without repeating it


def question(
    tr: Translator,
    q: Question,
    review_id: int,
    position: int,
    total: int,
    kept: Kept | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """Question ``position`` of ``total``: the one control message of its step.

    Unanswered it offers Skip; once something is kept it says so and offers Next (Finish on
    the last question) instead. The energy question keeps its 1–5 buttons to change the
    rating, the chosen one marked.
    """
    text = tr(
        "review.question",
        n=position + 1,
        total=total,
        title=question_title(tr, q),
        text=question_text(tr, q),
    )
    buttons: list[list[InlineKeyboardButton]] = []
    if q.kind is Kind.ENERGY:
        chosen = kept.rating if kept is not None else None
        buttons.append(
            [
                _b(f"{r} ✓" if r == chosen else str(r), f"rv:rate:{review_id}:{position}:{r}")
                for r in range(1, 6)
            ]
        )
        if kept is None:
            text += "\n" + tr("review.energy_hint")
    if kept is None:
        buttons.append([_b(tr("review.button.skip_question"), f"rv:skip:{review_id}:{position}")])
        return text, InlineKeyboardMarkup(buttons)
    last = position + 1 >= total
    lines = []
    if kept.rating is not None:
        lines.append(tr("review.kept_rating", rating=kept.rating))
    if kept.preview is not None:
        lines.append(tr("review.kept_so_far", preview=kept.preview))
    elif kept.rating is None:
        lines.append(tr("review.kept"))
    lines.append(tr("review.ack_more_last") if last else tr("review.ack_more"))
    text += "\n\n" + "\n".join(lines)
    label = tr("review.button.finish") if last else tr("review.button.next")
    buttons.append([_b(label, f"rv:next:{review_id}:{position}")])
    return text, InlineKeyboardMarkup(buttons)


@dataclass(frozen=True)
class SummaryLine:
    """One answered question in the end-of-review summary."""

    answer_id: int
    title: str
    preview: str
    skipped: bool
    highlight: bool
    private: bool
    media: int = 0  # photos and voice notes


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


SUMMARY_CHARS = (None, 40, 20, 8)
"""Characters of each answer's question and words in the summary: as kept, then shorter while
the summary would not fit one Telegram message (40 questions with long wording can)."""


def summary(
    tr: Translator,
    week: IsoWeek,
    lines: list[SummaryLine],
    *,
    intro: str | None = None,
    with_year: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What was saved, with ⭐ highlight and 🔒 private toggles per answer; ``intro`` (HTML)
    goes above it; a week of another year says its year."""
    title = week_title(tr, week, with_year=with_year)
    for limit in SUMMARY_CHARS:
        text, keyboard = _summary(tr, title, lines, intro, limit)
        if utf16_len(text_content(text)) <= TELEGRAM_LIMIT:
            break
    return text, keyboard


def _summary(
    tr: Translator,
    title: str,
    lines: list[SummaryLine],
    intro: str | None,
    limit: int | None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    def cut(text: str) -> str:
        return text if limit is None else preview(text, limit)

    body = []
    buttons = []
    for number, line in enumerate(lines, start=1):
        marks = ("⭐ " if line.highlight else "") + ("🔒 " if line.private else "")
        if line.skipped:
            body.append(tr("review.summary.skipped_line", n=number, title=cut(line.title)))
            continue
        extra = tr("review.summary.media", count=line.media) if line.media else ""
        body.append(
            tr(
                "review.summary.line",
                n=number,
                marks=marks,
                title=cut(line.title),
                preview=cut(line.preview),
                extra=Safe(extra),
            )
        )
        buttons.append(
            [
                _b(
                    ("✅ " if line.highlight else "") + tr("review.button.highlight", n=number),
                    f"rv:hl:{line.answer_id}",
                ),
                _b(
                    ("✅ " if line.private else "") + tr("review.button.private", n=number),
                    f"rv:pv:{line.answer_id}",
                ),
            ]
        )
    text = tr("review.summary.title", title=Safe(title)) + "\n\n" + "\n".join(body)
    if intro:
        text = intro + "\n\n" + text
    if not buttons:  # everything was skipped: nothing to mark
        return text, None
    text += "\n\n" + tr("review.summary.footer")
    return text, InlineKeyboardMarkup(buttons)
