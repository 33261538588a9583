"""/start, onboarding and /settings: language, time zone, weekly slot, recap and draft options.

Onboarding and /settings share one set of pickers; callback data is ``<flow>:<field>:<value>``
with flow ``ob`` (onboarding, which walks on to the next step) or ``set`` (one change, then
back to the settings overview).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_skeleton
from telegram import InlineKeyboardMarkup

from bot.domain.timezones import (
    resolve_timezone,
    suggest_timezones,
    utc_offset_label,
    zone_display_name,
)
from bot.handlers import keyboards as kb
from bot.handlers.turn import Turn, private_turn
from bot.i18n import LANGUAGES
from bot.scheduling import reschedule
from bot.storage import users

log = logging.getLogger(__name__)

ONBOARDING = "ob"
SETTINGS = "set"
ASK_TIMEZONE = "ask_tz"


@private_turn()
async def start(turn: Turn) -> None:
    """Greet the user and walk a newcomer through setup."""
    user = turn.user
    # /start is the first thing a user sends after unblocking the bot: a 403 of a message
    # queued before now, recorded only after this, must not block them again.
    user.updated_at = turn.now
    if user.blocked:
        user.blocked = False
        reschedule(user, turn.now)
    if user.onboarded:
        turn.reply(turn.tr("start.again", summary=settings_summary(turn)))
        return
    turn.reply(turn.tr("start.welcome"))
    turn.reply(
        turn.tr("onboarding.language"), kb.language_keyboard(ONBOARDING, user.language, turn.tr)
    )


@private_turn()
async def settings_command(turn: Turn) -> None:
    """Show the settings with buttons to change each one."""
    if not turn.user.onboarded:
        turn.reply(turn.tr("settings.finish_setup_first"))
        return
    await users.leave_side_question(turn.session, turn.user)
    turn.reply(settings_text(turn), settings_keyboard(turn))


@private_turn()
async def pause(turn: Turn) -> None:
    """Stop weekly prompts until /resume."""
    turn.user.paused = True
    reschedule(turn.user, turn.now)
    turn.reply(turn.tr("pause.done"))


@private_turn()
async def resume(turn: Turn) -> None:
    """Restart weekly prompts."""
    if not turn.user.onboarded:
        turn.reply(turn.tr("settings.finish_setup_first"))
        return
    turn.user.paused = False
    reschedule(turn.user, turn.now)
    turn.reply(turn.tr("resume.done", next=next_prompt_text(turn)))


@private_turn()
async def on_setup_button(turn: Turn) -> None:
    """A tap on any onboarding or settings button."""
    query = turn.update.callback_query
    assert query is not None
    assert query.data is not None
    flow, field, value = ([*query.data.split(":", 2), "", ""])[:3]
    user = turn.user
    if flow == ONBOARDING and user.onboarded:
        flow = SETTINGS  # a picker left over from a second /start: one change, no new setup
    if flow == SETTINGS and field == "menu":
        await _open_picker(turn, value)
        return
    if field == "lang" and value in LANGUAGES:
        user.language = value
        if flow == ONBOARDING:
            turn.edit_or_reply(turn.tr("onboarding.language_set"))
            await _ask_timezone(turn, ONBOARDING)
            turn.reply(turn.tr("onboarding.timezone"), _default_zone_keyboard(turn, ONBOARDING))
            return
    elif field == "tz" and (zone := resolve_timezone(value)) is not None:
        await _set_timezone(turn, flow, zone)
        return
    elif field == "day" and (day := kb.small_int(value)) is not None and 0 <= day <= 6:
        user.review_weekday = day
        if flow == ONBOARDING:
            turn.edit_or_reply(
                turn.tr("onboarding.hour", day=kb.day_name(user.review_weekday, user.language)),
                kb.hour_keyboard(ONBOARDING, user.review_hour),
            )
            return
    elif field == "hour" and (hour := kb.small_int(value)) is not None and 0 <= hour <= 23:
        user.review_hour = hour
        if flow == ONBOARDING:
            await _finish_onboarding(turn)
            return
    elif field == "recap" and value in ("on", "off"):
        user.monthly_recap = value == "on"
    elif field == "draftday" and (draft_day := kb.small_int(value)) in kb.DRAFT_DAYS:
        assert draft_day is not None
        user.draft_day = draft_day
    elif field == "pause" and value in ("on", "off"):
        user.paused = value == "on"
    else:
        log.warning("unknown_setup_button", extra={"data": query.data})
        turn.reply(turn.tr("error.stale_button"))
        return
    reschedule(user, turn.now)
    await users.leave_side_question(turn.session, user)
    turn.edit_or_reply(
        turn.tr("settings.saved") + "\n\n" + settings_text(turn), settings_keyboard(turn)
    )


async def handle_timezone_text(turn: Turn, text: str) -> None:
    """The user typed a place or zone while we asked for their time zone."""
    flow = (turn.user.state_data or {}).get("flow", ONBOARDING)
    zone = resolve_timezone(text)
    if zone is None:
        suggestions = suggest_timezones(text)
        key = "timezone.unknown_with_suggestions" if suggestions else "timezone.unknown"
        turn.reply(turn.tr(key, text=text[:100]), kb.timezone_keyboard(flow, suggestions))
        return
    await _set_timezone(turn, flow, zone)


async def _set_timezone(turn: Turn, flow: str, zone: str) -> None:
    user = turn.user
    user.timezone = zone
    await users.set_state(turn.session, user, None)
    confirmation = turn.tr(
        "timezone.set", zone=zone_display_name(zone), offset=utc_offset_label(zone, turn.now)
    )
    if flow == ONBOARDING and not user.onboarded:
        turn.reply(confirmation)
        turn.reply(
            turn.tr("onboarding.day"),
            kb.weekday_keyboard(ONBOARDING, user.review_weekday, user.language),
        )
        return
    reschedule(user, turn.now)
    turn.reply(confirmation + "\n\n" + settings_text(turn), settings_keyboard(turn))


async def _ask_timezone(turn: Turn, flow: str) -> None:
    """The next message the user types is their time zone (see :func:`handle_timezone_text`)."""
    await users.set_state(turn.session, turn.user, ASK_TIMEZONE, {"flow": flow}, now=turn.now)


def _default_zone_keyboard(turn: Turn, flow: str) -> InlineKeyboardMarkup | None:
    return kb.timezone_keyboard(flow, [turn.services.settings.default_timezone])


async def _finish_onboarding(turn: Turn) -> None:
    user = turn.user
    user.onboarded = True
    reschedule(user, turn.now)
    log.info("onboarded", extra={"user": user.id, "zone": user.timezone})
    turn.edit_or_reply(turn.tr("onboarding.done", next=next_prompt_text(turn)))


async def _open_picker(turn: Turn, field: str) -> None:
    user, tr = turn.user, turn.tr
    pickers: dict[str, tuple[str, InlineKeyboardMarkup]] = {
        "lang": (tr("settings.pick_language"), kb.language_keyboard(SETTINGS, user.language, tr)),
        "day": (
            tr("settings.pick_day"),
            kb.weekday_keyboard(SETTINGS, user.review_weekday, user.language),
        ),
        "hour": (tr("settings.pick_hour"), kb.hour_keyboard(SETTINGS, user.review_hour)),
        "draftday": (
            tr("settings.pick_draft_day"),
            kb.draft_day_keyboard(SETTINGS, user.draft_day, tr),
        ),
    }
    if field == "tz":  # one message: the settings message turns into the question
        await _ask_timezone(turn, SETTINGS)
        turn.edit_or_reply(tr("settings.pick_timezone"), _default_zone_keyboard(turn, SETTINGS))
    elif field in pickers:
        text, keyboard = pickers[field]
        turn.edit_or_reply(text, keyboard)
    else:
        turn.reply(tr("error.stale_button"))


def next_prompt_text(turn: Turn) -> str:
    """ "Sunday, Nov 23 at 19:00" for the next weekly prompt, in the user's zone and language."""
    user = turn.user
    if user.next_due_at is None:
        return turn.tr("settings.no_prompt")
    local = user.next_due_at.astimezone(ZoneInfo(user.timezone or "UTC"))
    if user.language == "ko":  # "12월 6일 (일) 19:00": Babel's Korean month-day-weekday
        return f"{format_skeleton('MMMEd', local, locale='ko')} {local:%H:%M}"
    return str(format_datetime(local, "EEEE, MMM d, HH:mm", locale=user.language))


def settings_summary(turn: Turn) -> str:
    user, tr = turn.user, turn.tr
    zone = user.timezone or turn.services.settings.default_timezone
    return tr(
        "settings.summary",
        language=tr(f"language.name.{user.language}"),
        zone=zone_display_name(zone),
        offset=utc_offset_label(zone, turn.now),
        day=kb.day_name(user.review_weekday, user.language),
        hour=kb.hour_label(user.review_hour),
        prompts=tr("settings.prompts_paused") if user.paused else tr("settings.prompts_on"),
        recap=tr("settings.on") if user.monthly_recap else tr("settings.off"),
        draft_day=tr("settings.draft_day_value", day=user.draft_day),
        next=tr("settings.no_prompt") if user.paused else next_prompt_text(turn),
    )


def settings_text(turn: Turn) -> str:
    return turn.tr("settings.title") + "\n\n" + settings_summary(turn)


def settings_keyboard(turn: Turn) -> InlineKeyboardMarkup:
    user, tr, b = turn.user, turn.tr, kb.button
    return InlineKeyboardMarkup(
        [
            [
                b(tr("settings.button.language"), "set:menu:lang"),
                b(tr("settings.button.timezone"), "set:menu:tz"),
            ],
            [
                b(tr("settings.button.day"), "set:menu:day"),
                b(tr("settings.button.hour"), "set:menu:hour"),
            ],
            [
                b(
                    tr("settings.button.recap_off")
                    if user.monthly_recap
                    else tr("settings.button.recap_on"),
                    "set:recap:" + ("off" if user.monthly_recap else "on"),
                ),
                b(tr("settings.button.draft_day"), "set:menu:draftday"),
            ],
            [
                b(
                    tr("settings.button.resume") if user.paused else tr("settings.button.pause"),
                    "set:pause:" + ("off" if user.paused else "on"),
                )
            ],
        ]
    )
