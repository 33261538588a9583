"""/help, and friendly answers to what the bot does not understand."""

from __future__ import annotations

import logging

from bot.context import BotContext
from bot.handlers.commands import help_text
from bot.handlers.turn import Turn, private_turn
from bot.i18n import pick_language, translator

log = logging.getLogger(__name__)


@private_turn()
async def help_command(turn: Turn) -> None:
    """List every command."""
    await turn.reply(help_text(turn.user.language))


@private_turn()
async def unknown_command(turn: Turn) -> None:
    """A command the bot does not have."""
    message = turn.message
    assert message is not None
    assert message.text is not None
    command = message.text.split()[0].split("@")[0][:64]
    await turn.reply(turn.tr("unknown.command", command=command))


@private_turn()
async def stale_button(turn: Turn) -> None:
    """A button from an older version of the bot, or data we do not recognise."""
    await turn.reply(turn.tr("error.stale_button"))


@private_turn()
async def unsupported(turn: Turn) -> None:
    """Stickers, videos, files and the like: say what the bot keeps."""
    await turn.reply(turn.tr("unsupported.kind"))


async def on_error(update: object, context: BotContext) -> None:
    """Log a handler error (without user content) and tell the user something went wrong."""
    log.error("handler_error", exc_info=context.error)
    from telegram import Update

    if isinstance(update, Update) and update.effective_chat is not None:
        user = update.effective_user
        tr = translator(pick_language(user.language_code if user else None))
        try:
            await context.bot.send_message(update.effective_chat.id, tr("error.generic"))
        except Exception:
            log.warning("error_reply_failed")
