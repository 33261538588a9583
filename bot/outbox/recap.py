"""Sending a month's recap: the HTML messages, then the energy chart with a caption."""

from __future__ import annotations

import datetime as dtm
import logging
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InputFile

from bot.domain.journal import WeekView
from bot.domain.weeks import IsoWeek
from bot.i18n import translator
from bot.reports.charts import energy_chart_png
from bot.reports.recap import MonthRecap, build_month_recap
from bot.reports.recap_html import recap_caption, render_recap
from bot.reports.stats import weeks_of_month
from bot.storage.journal import load_journal
from bot.storage.models import User

log = logging.getLogger(__name__)
CHART_WEEKS = 13  # about three months


async def build_recap(
    session: AsyncSession, user: User, year: int, month: int, now: dtm.datetime
) -> tuple[MonthRecap, list[WeekView]]:
    """The recap of ``year``-``month`` and the weeks its chart shows (last ~3 months)."""
    weeks = weeks_of_month(year, month)
    journal = await load_journal(session, user, last=weeks[-1])
    current = IsoWeek.at(now, ZoneInfo(user.timezone or "UTC"))
    recap = build_month_recap(journal, year, month, current)
    chart_weeks = [weeks[-1].shift(-offset) for offset in range(CHART_WEEKS - 1, -1, -1)]
    views = [
        journal.week(w) or WeekView(week=w)
        for w in journal.since_joined(chart_weeks)
        if w <= current
    ]
    return recap, views


async def send_recap(bot: Bot, user: User, recap: MonthRecap, chart_weeks: list[WeekView]) -> None:
    """The recap's messages, then the chart (the text stays complete without the picture)."""
    for chunk in render_recap(recap, user.language):
        await bot.send_message(user.chat_id, chunk)
    if recap.is_empty or not chart_weeks:
        return
    period = format_interval(
        chart_weeks[0].week.monday, chart_weeks[-1].week.sunday, "yMMM", locale=user.language
    )
    title = translator(user.language).plain("report.chart.title", period=period)
    png = energy_chart_png(chart_weeks, user.language, title)
    name = f"energy-{recap.year}-{recap.month:02d}.png"
    await bot.send_photo(
        user.chat_id, InputFile(png, filename=name), caption=recap_caption(recap, user.language)
    )
