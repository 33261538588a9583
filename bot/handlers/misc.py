"""/help, and friendly answers to what the bot does not understand."""

from __future__ import annotations

import logging

from bot.context import BotContext
from bot.handlers.commands import help_text
from bot.handlers.turn import Turn, private_turn
from bot.pipeline.worker import current_unit

log = logging.getLogger(__name__)


@private_turn()
async def help_command(turn: Turn) -> None:
    """List every command."""
    turn.reply(help_text(turn.user.language))


@private_turn()
async def unknown_command(turn: Turn) -> None:
    """A command the bot does not have."""
    message = turn.message
    assert message is not None
    assert message.text is not None
    word = message.text.split()[0]
    command, _, addressee = word.partition("@")
    if addressee and addressee.lower() != (turn.context.bot.username or "").lower():
        return  # /review@SomeOtherBot: meant for another bot, none of ours
    turn.reply(turn.tr("unknown.command", command=command[:64]))


@private_turn()
async def stale_button(turn: Turn) -> None:
    """A button from an older version of the bot, or data we do not recognise."""
    turn.reply(turn.tr("error.stale_button"))


@private_turn()
async def unsupported(turn: Turn) -> None:
    """Stickers, videos, files and the like: say what the bot keeps."""
    turn.reply(turn.tr("unsupported.kind"))


async def on_error(update: object, context: BotContext) -> None:
    """A handler failed: the pipeline rolls its transaction back and decides what follows
    (try again for a busy database, or keep the update and apologise); elsewhere, log it."""
    unit = current_unit()
    if unit is not None and context.error is not None:
        unit.error = context.error
        return
    log.error("handler_error", exc_info=context.error)
