"""The ``recap`` task: a month's recap as HTML messages, then the energy chart with a caption."""

from __future__ import annotations

import datetime as dtm
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InputFile

from bot.domain.journal import WeekView
from bot.domain.weeks import IsoWeek
from bot.i18n import translator
from bot.pipeline.tasks import TaskContext
from bot.reports.charts import energy_chart_png
from bot.reports.recap import MonthRecap, build_month_recap
from bot.reports.recap_html import recap_caption, render_recap
from bot.reports.stats import weeks_of_month
from bot.scheduling import open_week
from bot.storage import users
from bot.storage.journal import load_journal
from bot.storage.models import User

log = logging.getLogger(__name__)
CHART_WEEKS = 13  # about three months


@dataclass(frozen=True)
class RecapParts:
    recap: MonthRecap
    chart_weeks: list[WeekView]  # the last ~3 months, for the energy chart
    open_from: IsoWeek  # the user's oldest week that is not over


async def build_recap(
    session: AsyncSession, user: User, year: int, month: int, now: dtm.datetime
) -> RecapParts:
    """The recap of ``year``-``month`` and the weeks its chart shows."""
    weeks = weeks_of_month(year, month)
    journal = await load_journal(session, user, last=weeks[-1])
    current = IsoWeek.at(now, ZoneInfo(user.timezone or "UTC"))
    open_from = open_week(user, now)
    recap = build_month_recap(journal, year, month, open_from)
    chart_weeks = [weeks[-1].shift(-offset) for offset in range(CHART_WEEKS - 1, -1, -1)]
    views = [
        journal.week(w) or WeekView(week=w)
        for w in journal.since_joined(chart_weeks)
        if w <= current
    ]
    return RecapParts(recap, views, open_from)


async def run(ctx: TaskContext, params: dict[str, Any]) -> None:
    """Send the recap of ``params["year"]``-``params["month"]``."""
    year, month = int(params["year"]), int(params["month"])
    async with ctx.services.reading() as session:
        user = await users.get_user(session, ctx.user_id or 0)
        if user is None:
            return
        parts = await build_recap(session, user, year, month, ctx.now)
    await send_recap(ctx, user, parts)


async def send_recap(ctx: TaskContext, user: User, parts: RecapParts) -> None:
    """The recap's messages, then the chart (the text stays complete without the picture)."""
    recap, chart_weeks = parts.recap, parts.chart_weeks
    for chunk in render_recap(recap, user.language):
        await ctx.send_message(chunk)
    if recap.is_empty or not chart_weeks:
        return
    period = format_interval(
        chart_weeks[0].week.monday, chart_weeks[-1].week.sunday, "yMMM", locale=user.language
    )
    title = translator(user.language).plain("report.chart.title", period=period)
    png = energy_chart_png(chart_weeks, user.language, title, open_from=parts.open_from)
    name = f"energy-{recap.year}-{recap.month:02d}.png"
    await ctx.send_photo(InputFile(png, filename=name), caption=recap_caption(recap, user.language))
