"""Tests for the energy chart PNG."""

from __future__ import annotations

import struct
import warnings
import zlib

import pytest
from matplotlib.ft2font import FT2Font

from bot.domain.journal import AnswerView, ReviewStatus, WeekView
from bot.domain.questions import Section
from bot.domain.weeks import IsoWeek
from bot.reports import charts
from bot.reports.charts import energy_chart_png, font_for

W = IsoWeek
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    path = font_for("주별 에너지")
    if path is None:
        pytest.skip("no Hangul font installed; the ASCII fallback is covered above")
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
