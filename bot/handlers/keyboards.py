"""Inline keyboards shared by onboarding and /settings: language, day, hour, draft day."""

from __future__ import annotations

import re
from collections.abc import Sequence

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.timezones import zone_display_name
from bot.i18n import LANGUAGES, Translator

CHECK = "✓ "


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit a 64-bit integer column


def small_int(text: str) -> int | None:
    """A number from callback data, or None for anything else (forged data included:
    a 40-digit "id" or Unicode digits such as "²" must not reach the database)."""
    return int(text) if _ID.fullmatch(text) else None


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def day_name(weekday: int, lang: str) -> str:
    """Monday=0 … Sunday=6 in the user's language (Babel's CLDR names)."""
    return str(get_day_names("wide", locale=lang)[weekday])


def hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


def language_keyboard(prefix: str, current: str, tr: Translator) -> InlineKeyboardMarkup:
    buttons = [
        button(
            (CHECK if lang == current else "") + tr(f"language.name.{lang}"),
            f"{prefix}:lang:{lang}",
        )
        for lang in LANGUAGES
    ]
    return InlineKeyboardMarkup([buttons])


def weekday_keyboard(prefix: str, current: int, lang: str) -> InlineKeyboardMarkup:
    buttons = [
        button((CHECK if day == current else "") + day_name(day, lang), f"{prefix}:day:{day}")
        for day in range(7)
    ]
    return InlineKeyboardMarkup(rows(buttons, 4))


def hour_keyboard(prefix: str, current: int) -> InlineKeyboardMarkup:
    buttons = [
        button((CHECK if hour == current else "") + hour_label(hour), f"{prefix}:hour:{hour}")
        for hour in range(24)
    ]
    return InlineKeyboardMarkup(rows(buttons, 6))


def timezone_keyboard(prefix: str, zones: Sequence[str]) -> InlineKeyboardMarkup | None:
    if not zones:
        return None
    return InlineKeyboardMarkup(
        rows([button(zone_display_name(z), f"{prefix}:tz:{z}") for z in zones], 2)
    )


DRAFT_DAYS = (20, 24, 26, 28, 30, 31)


def draft_day_keyboard(prefix: str, current: int, tr: Translator) -> InlineKeyboardMarkup:
    buttons = [
        button(
            (CHECK if day == current else "") + tr("settings.draft_day_value", day=day),
            f"{prefix}:draftday:{day}",
        )
        for day in DRAFT_DAYS
    ]
    return InlineKeyboardMarkup(rows(buttons, 3))
