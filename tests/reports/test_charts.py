"""Tests for the energy chart PNG."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import pytest
from matplotlib.ft2font import FT2Font

from bot.domain.journal import AnswerView, ReviewStatus, WeekView
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports import charts
from bot.reports.charts import energy_chart_png, font_for

W = IsoWeek
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[2]


def hangul_font_or_skip() -> str:
    """An installed font with Hangul; CI must have one (.ci/run installs fonts-nanum)."""
    path = font_for("주별 에너지")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Hangul font installed; .ci/run installs fonts-nanum for this test")
        pytest.skip("no Hangul font installed; the ASCII fallback is covered below")
    return path


def rated(n: int, rating: int | None, status: ReviewStatus = ReviewStatus.COMPLETED) -> WeekView:
    answers = (
        () if rating is None else (AnswerView("energy", Section.HEALTH, "?", 4, rating=rating),)
    )
    return WeekView(W(2026, n), status, answers)


def recap_weeks() -> list[WeekView]:
    """13 weeks: answered, one skipped, one silent (no row), one missed, one without rating."""
    weeks = [rated(n, n % 5 + 1) for n in range(35, 48) if n not in (38, 41, 44)]
    weeks.append(rated(38, None, ReviewStatus.SKIPPED))
    weeks.append(rated(44, None, ReviewStatus.MISSED))
    return sorted(weeks, key=lambda v: v.week)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    return width, height


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_chart_is_a_sane_png_without_warnings(lang: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = energy_chart_png(recap_weeks(), lang, "주별 에너지: 2026년 9월–11월")
    assert png_size(data) == (1200, 600)
    assert len(data) < 300_000


def test_year_chart_with_all_weeks() -> None:
    weeks = [rated(n, (n * 7) % 5 + 1) for n in range(1, 54)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = energy_chart_png(weeks, "en", "Energy by week: 2026")
    assert png_size(data) == (1200, 600)
    assert len(data) < 300_000


def test_same_input_gives_the_same_bytes() -> None:
    first = energy_chart_png(recap_weeks(), "en", "Energy by week")
    assert energy_chart_png(recap_weeks(), "en", "Energy by week") == first


def test_content_changes_the_picture() -> None:
    weeks = recap_weeks()
    other = [rated(v.week.week, 5) if v.answered else v for v in weeks]
    assert energy_chart_png(weeks, "en", "t") != energy_chart_png(other, "en", "t")


def test_no_weeks_still_gives_an_image() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert png_size(energy_chart_png([], "ko", "빈 차트")) == (1200, 600)


def test_font_for_ascii_is_the_default_font() -> None:
    path = font_for("W47 Energy by week 2026-W40 - 2026-W52")
    assert path is not None


def test_font_for_hangul_only_returns_a_font_that_has_the_glyphs() -> None:
    path = hangul_font_or_skip()
    charmap = FT2Font(path).get_charmap()
    assert all(ord(ch) in charmap for ch in "주별에너지")
    assert "lastresort" not in path.lower()


def test_without_a_hangul_font_korean_falls_back_to_ascii_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = charts.font_for

    def no_hangul(text: str) -> str | None:
        return None if any("\uac00" <= ch <= "\ud7a3" for ch in text) else real(text)

    monkeypatch.setattr(charts, "font_for", no_hangul)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        korean = energy_chart_png(recap_weeks(), "ko", "주별 에너지")
    english = energy_chart_png(recap_weeks(), "en", "2026-W35 - 2026-W47")
    assert korean == english  # English legend, the week span as title


def test_a_korean_chart_draws_korean_when_a_hangul_font_is_installed() -> None:
    hangul_font_or_skip()
    title = "주별 에너지: 2026년 9월–11월"
    texts, font = charts._texts("ko", title, charts._points(recap_weeks()))
    assert texts["title"] == title
    assert font is not None
    assert charts._covers(font, "".join(texts.values()))
    korean = energy_chart_png(recap_weeks(), "ko", title)
    assert korean != energy_chart_png(recap_weeks(), "en", "2026-W35 - 2026-W47")


# A font list cached before the Hangul fonts were installed: matplotlib's cache with every font
# that covers Hangul taken out (what it would have written before `apt-get install fonts-nanum`).
STALE_CACHE = """
import json
from pathlib import Path
import matplotlib
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

def covers(path):
    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in "주별에너지")

version = font_manager.FontManager.__version__
cache = Path(matplotlib.get_cachedir(), f"fontlist-v{version}.json")
data = json.loads(cache.read_text(encoding="utf-8"))
kept = [entry for entry in data["ttflist"] if not covers(entry["fname"])]
print(json.dumps({"removed": len(data["ttflist"]) - len(kept), "cache": str(cache)}))
data["ttflist"] = kept
cache.write_text(json.dumps(data), encoding="utf-8")
"""
FIND = """
import json
from bot.reports import charts
text = "2026년 주별 에너지"
listed = charts._listed_font_for(text)  # what matplotlib's cached list alone offers
found = charts.font_for(text)
print(json.dumps({"listed": listed, "found": found, "refreshed": charts._refreshed}))
"""


def run_python(code: str, mplconfigdir: Path) -> dict[str, object]:
    env = os.environ | {"MPLCONFIGDIR": str(mplconfigdir), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    outcome: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return outcome


def test_a_font_installed_after_matplotlib_cached_its_font_list_is_found(tmp_path: Path) -> None:
    hangul_font_or_skip()
    stale = run_python(STALE_CACHE, tmp_path)  # also makes the cache in this empty folder
    assert stale["removed"], "no cached font covers Hangul"

    first = run_python(FIND, tmp_path)
    assert first["listed"] is None  # the stale cache alone has no Hangul font
    assert first["found"] is not None  # found by refreshing the list once
    assert first["refreshed"] is True
    charmap = FT2Font(str(first["found"])).get_charmap()
    assert all(ord(ch) in charmap for ch in "년주별에너지")

    cached = json.loads(Path(str(stale["cache"])).read_text(encoding="utf-8"))
    assert first["found"] in {entry["fname"] for entry in cached["ttflist"]}  # written back

    second = run_python(FIND, tmp_path)  # a later process: the cache file has the font now
    assert second["listed"] == first["found"]
    assert second["refreshed"] is False


def test_the_open_week_is_shaded_as_not_due_and_a_pause_as_a_week_off() -> None:
    weeks = [rated(45, 3), rated(46, None, ReviewStatus.PAUSED), WeekView(W(2026, 47))]
    states = [p.state for p in charts._points(weeks, W(2026, 47))]
    assert states == ["answered", "skipped", "open"]
    # Without knowing which week is open, a week without an answer is a miss.
    assert [p.state for p in charts._points(weeks)][-1] == "missed"
    assert energy_chart_png(weeks, "en", "t", open_from=W(2026, 47)) != energy_chart_png(
        weeks, "en", "t"
    )
