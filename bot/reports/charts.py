"""The energy chart: one point per week, answered/skipped/missed weeks shaded, as PNG bytes.

Rendered with matplotlib's Agg canvas on a private :class:`~matplotlib.figure.Figure` (no
pyplot, no global state). matplotlib (and numpy with it) is imported inside the functions, on
the first chart: importing this module costs the bot no start-up time or memory. Korean labels
need a font with Hangul; a font installed after matplotlib cached its font list is found by
refreshing the list once (:func:`refresh_font_list`). When none is installed the chart falls
back to ASCII-only text instead of drawing boxes and warning about missing glyphs.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.journal import WeekView
from bot.domain.tally import Verdict, verdict
from bot.domain.weeks import IsoWeek
from bot.i18n import translator
from bot.reports.stats import energy_of, week_number

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn: it is slow and large
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontEntry

log = logging.getLogger(__name__)

WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 100
FALLBACK_LANG = "en"  # used for the legend when the language's script cannot be drawn
# Shades by bot.domain.tally verdict; skipped and paused weeks are both declared weeks off.
_COLORS = {"answered": "#cfe8cf", "skipped": "#e4e4e4", "missed": "#f6d2d2", "open": "#e6eef9"}
_STATE_OF = {
    Verdict.ANSWERED: "answered",
    Verdict.SKIPPED: "skipped",
    Verdict.PAUSED: "skipped",
    Verdict.MISSED: "missed",
    Verdict.OPEN: "open",
}
_LINE = "#2f6db5"
_LABELS = ("answered", "skipped", "missed", "open", "energy", "axis")
# Fonts tried first for Hangul; any installed font that covers the text is used otherwise.
_PREFERRED = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "NanumGothic",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "Source Han Sans KR",
    "UnDotum",
    "Noto Sans CJK JP",
)


@dataclass(frozen=True)
class _Point:
    week: IsoWeek
    state: str  # answered / skipped (or paused) / missed / open (not due yet)
    energy: int | None


@functools.cache
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _covers(path: str, text: str) -> bool:
    codes = _charmap(path)
    return all(ord(ch) in codes for ch in text if not ch.isspace())


def _regular(entry: FontEntry) -> bool:
    return entry.style == "normal" and entry.weight in (400, "normal", "regular", "book")


def _listed_font_for(text: str) -> str | None:
    """A font from matplotlib's font list (read from its on-disk cache) that covers ``text``."""
    from matplotlib import font_manager

    default = str(font_manager.findfont(font_manager.FontProperties(), fallback_to_default=True))
    if _covers(default, text):
        return default
    # "Last Resort" claims every code point but draws placeholder boxes: never use it.
    installed = [e for e in font_manager.fontManager.ttflist if "last resort" not in e.name.lower()]
    preferred = sorted(
        (e for e in installed if e.name in _PREFERRED),
        key=lambda e: (_PREFERRED.index(e.name), not _regular(e), e.fname),
    )
    others = sorted(
        (e for e in installed if e.name not in _PREFERRED), key=lambda e: (not _regular(e), e.fname)
    )
    for entry in (*preferred, *others):
        if _covers(entry.fname, text):
            return str(entry.fname)
    return None


_refresh_lock = threading.Lock()
_refreshed = False


def refresh_font_list() -> int:
    """Add the installed fonts that matplotlib's cached font list lacks; at most once a process.

    matplotlib lists the system's fonts once and keeps the list in ``fontlist-*.json`` under its
    cache folder (``MPLCONFIGDIR``), so a font installed after that (``apt-get install
    fonts-nanum`` after the first chart) stays invisible. This asks fontconfig and the usual font
    folders again (:func:`~matplotlib.font_manager.findSystemFonts`), adds what is new with
    :meth:`~matplotlib.font_manager.FontManager.addfont` and rewrites the cache file, so later
    processes find the new fonts at once. Returns how many fonts were added.
    """
    global _refreshed
    with _refresh_lock:
        if _refreshed:
            return 0
        _refreshed = True
        import matplotlib
        from matplotlib import font_manager

        manager = font_manager.fontManager
        listed = {entry.fname for entry in manager.ttflist}
        added = 0
        for path in font_manager.findSystemFonts():
            if path in listed:
                continue
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # unreadable or not a font after all
                continue
            added += 1
        if added:
            version = font_manager.FontManager.__version__  # the file name matplotlib reads
            cache = Path(matplotlib.get_cachedir(), f"fontlist-v{version}.json")
            font_manager.json_dump(manager, str(cache))  # logs a warning itself if it cannot
            log.info("font_list_refreshed", extra={"added": added})
        return added


@functools.lru_cache(maxsize=256)
def font_for(text: str) -> str | None:
    """The path of an installed font that can draw every character of ``text``, or None.

    When no listed font can, the font list is refreshed once (see :func:`refresh_font_list`).
    """
    found = _listed_font_for(text)
    if found is None and refresh_font_list():
        font_for.cache_clear()  # earlier misses may be drawable now
        found = _listed_font_for(text)
    return found


def _points(weeks: Sequence[WeekView], open_from: IsoWeek | None = None) -> list[_Point]:
    """Every week from the first to the last given (weeks not given count by
    :func:`bot.domain.tally.verdict`: missed, or open from ``open_from`` on)."""
    if not weeks:
        return []
    by_week = {v.week: v for v in weeks}
    first, last = min(by_week), max(by_week)
    points = []
    for offset in range(last.ordinal - first.ordinal + 1):
        week = first.shift(offset)
        view = by_week.get(week)
        state = _STATE_OF[verdict(view, week, open_from)]
        points.append(_Point(week, state, energy_of(view) if view is not None else None))
    return points


def _labels(lang: str) -> dict[str, str]:
    tr = translator(lang)
    return {key: tr.plain(f"report.chart.{key}") for key in _LABELS}


def _texts(lang: str, title: str, points: Sequence[_Point]) -> tuple[dict[str, str], str | None]:
    """The texts to draw and a font that has all their glyphs.

    When no installed font can draw the language's script (e.g. no Hangul font), the legend
    falls back to English and a title it cannot draw becomes the ASCII week span.
    """
    texts = _labels(lang) | {"title": title, "lang": lang}
    font = font_for("".join(texts.values()))
    if font is None:
        texts = _labels(FALLBACK_LANG) | {"title": title, "lang": FALLBACK_LANG}
        font = font_for("".join(texts.values()))
        if font is None:
            span = f"{points[0].week.key} - {points[-1].week.key}" if points else ""
            texts["title"] = span
            font = font_for("".join(texts.values()))
    return texts, font


def energy_chart_png(
    weeks: Sequence[WeekView], lang: str, title: str, *, open_from: IsoWeek | None = None
) -> bytes:
    """A 1200x600 PNG of energy by week with each week's review state shaded behind it;
    weeks from ``open_from`` on are not due yet, so an unanswered one is not a miss."""
    points = _points(weeks, open_from)
    texts, font_path = _texts(lang, title, points)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    font = FontProperties(fname=font_path) if font_path else FontProperties()

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = list(range(len(points)))
    for x, point in zip(xs, points, strict=True):
        axes.axvspan(x - 0.5, x + 0.5, color=_COLORS[point.state], linewidth=0, zorder=0)
    rated = [(x, p.energy) for x, p in zip(xs, points, strict=True) if p.energy is not None]
    # Break the line where a week has no rating, so gaps stay visible.
    segment: list[tuple[int, int]] = []
    for x, p in zip(xs, points, strict=True):
        if p.energy is None:
            _draw(axes, segment)
            segment = []
        else:
            segment.append((x, p.energy))
    _draw(axes, segment)
    if rated:
        axes.scatter([x for x, _ in rated], [y for _, y in rated], color=_LINE, zorder=3, s=36)

    axes.set_ylim(0.5, 5.5)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    step = max(1, -(-len(points) // 27))  # at most ~27 labels
    tick_lang = texts["lang"]  # Korean week numbers only where a Hangul font draws them
    axes.set_xticks(
        xs[::step], [week_number(p.week, tick_lang) for p in points[::step]], fontproperties=font
    )
    axes.set_ylabel(texts["axis"], fontproperties=font)
    axes.set_title(texts["title"], fontproperties=font, fontsize=14)
    axes.grid(axis="y", color="#ffffff", linewidth=1.2, zorder=1)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    shown = {p.state for p in points}
    handles: list[Artist] = [
        Patch(color=_COLORS[key], label=texts[key])
        for key in _COLORS
        if key in shown or key != "open"  # "not due yet" only when such a week is drawn
    ]
    handles.append(Line2D([], [], color=_LINE, marker="o", linewidth=2, label=texts["energy"]))
    axes.legend(
        handles=handles,
        prop=font,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=len(handles),
        frameon=False,
    )
    figure.tight_layout()

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _draw(axes: Axes, segment: Sequence[tuple[int, int]]) -> None:
    if len(segment) > 1:
        xs, ys = [x for x, _ in segment], [y for _, y in segment]
        axes.plot(xs, ys, color=_LINE, linewidth=2, zorder=2)
