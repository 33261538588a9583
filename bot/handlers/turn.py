"""One incoming update being handled: the user, their language, a DB session and reply helpers.

``private_turn`` wraps every handler for private chats: it refuses group chats and users outside
``ALLOWED_USER_IDS`` before anything is stored, and loads (or creates) the user in the
transaction the pipeline opened for this update (:mod:`bot.pipeline.worker`). Replies are
outbox rows in that same transaction: they can only reach the user once the data they
acknowledge is committed.
"""

from __future__ import annotations

import datetime as dtm
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot.context import BotContext
from bot.domain.weeks import IsoWeek
from bot.i18n import Translator, pick_language, translator
from bot.pipeline.outgoing import Outgoing
from bot.pipeline.worker import Unit, current_unit
from bot.services import Services
from bot.storage import users
from bot.storage.models import OutboxMessage, User

log = logging.getLogger(__name__)
SEEN_PRECISION = dtm.timedelta(minutes=1)
"""``last_seen_at`` (and ``updated_at``) are kept to the minute: a burst of notes writes the
user row once, not once per note."""
CLOCK_SLACK = dtm.timedelta(minutes=1)
"""Between Telegram's clock (a message's date) and ours (an account's start): see
:func:`_from_an_erased_account`."""


@dataclass
class Turn:
    """Everything a handler needs to answer one update from one user."""

    update: Update
    context: BotContext
    session: AsyncSession
    user: User
    now: dtm.datetime
    out: Outgoing

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def tr(self) -> Translator:
        return translator(self.user.language)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.user.timezone or self.services.settings.default_timezone)

    @property
    def current_week(self) -> IsoWeek:
        return IsoWeek.at(self.now, self.zone)

    @property
    def message(self) -> Message | None:
        return self.update.effective_message

    def reply(
        self, text: str, keyboard: InlineKeyboardMarkup | None = None, **kwargs: Any
    ) -> OutboxMessage:
        """Send HTML ``text`` to the user's chat once this update's transaction commits."""
        return self.out.send_message(text, keyboard, **kwargs)

    def edit_or_reply(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was tapped, or send a new one for typed input."""
        query = self.update.callback_query
        if query is not None and query.message is not None:
            self.out.edit_text(query.message.message_id, text, keyboard)
        else:
            self.reply(text, keyboard)


TurnHandler = Callable[[Turn], Coroutine[Any, Any, None]]
PTBHandler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def unit_of_update() -> Unit:
    """The pipeline's transaction for the update being handled."""
    unit = current_unit()
    if unit is None:
        raise RuntimeError("handlers run only inside the pipeline (bot.pipeline.worker)")
    return unit


def private_turn(*, create: bool = True) -> Callable[[TurnHandler], PTBHandler]:
    """Decorate a handler so it runs only for allowed users in private chats."""

    def decorate(handler: TurnHandler) -> PTBHandler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: BotContext) -> None:
            chat, sender = update.effective_chat, update.effective_user
            if chat is None or sender is None:
                return
            unit = unit_of_update()
            out = unit.out(chat.id, sender.id if chat.type == ChatType.PRIVATE else None)
            language = pick_language(sender.language_code)
            if update.callback_query is not None:
                out.answer_callback(update.callback_query.id)
            # An edit of a message that was refused was answered already: not again.
            edit = update.edited_message is not None
            if chat.type != ChatType.PRIVATE:
                if not edit:
                    _refuse_group(update, out, language)
                return
            services = context.services
            if not services.settings.is_allowed(sender.id):
                if not edit:
                    log.info("refused_not_allowed", extra={"user": sender.id})
                    out.send_message(translator(language)("refused.not_allowed"))
                return
            now = unit.now
            session = unit.session
            user = await users.get_user(session, sender.id)
            if user is None:
                if not create:
                    return
                user = await users.create_user(
                    session, user_id=sender.id, chat_id=chat.id, language=language, now=now
                )
                log.info("user_created", extra={"user": sender.id, "lang": language})
            user.chat_id = chat.id
            if user.last_seen_at is None or now - user.last_seen_at >= SEEN_PRECISION:
                user.last_seen_at = user.updated_at = now
            if user.dormant:
                user.dormant = False  # they are back: prompts resume
            if _from_an_erased_account(update, user):
                out.send_message(translator(user.language)("error.stale_button"))
                return
            await handler(Turn(update, context, session, user, now, out))
            if session.is_modified(user):
                user.updated_at = now

        return wrapper

    return decorate


def _from_an_erased_account(update: Update, user: User) -> bool:
    """Whether a tapped button is on a message sent before this user's account began: one of
    an account erased by /delete. Its ids (a review, an answer, a goal) may since name the
    new account's rows (SQLite reuses them), which it must not touch.

    Telegram gives the date only of messages from the last hours (older ones come as
    inaccessible, dated 0), so this catches the buttons still on screen after a fresh start,
    not older ones further up the chat."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is None or message.date.timestamp() <= 0:  # inaccessible: no date to go by
        return False
    # Telegram's clock stamps the message, ours the account: a minute of slack between them.
    return message.date < user.created_at - CLOCK_SLACK


def _refuse_group(update: Update, out: Outgoing, language: str) -> None:
    """In groups the bot stores nothing and only answers commands, pointing to a private chat."""
    message = update.effective_message
    if update.callback_query is None and (
        message is None or not (message.text or "").startswith("/")
    ):
        return
    out.send_message(translator(language)("refused.group"))
