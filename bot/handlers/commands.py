"""The bot's command list: what /help shows and what is registered with Telegram."""

from __future__ import annotations

from telegram import BotCommand

from bot.i18n import LANGUAGES, Safe, translator

# In the order /help and Telegram's menu show them.
COMMANDS: tuple[str, ...] = (
    "start",
    "review",
    "note",
    "recap",
    "draft",
    "yearend",
    "goals",
    "questions",
    "settings",
    "pause",
    "resume",
    "export",
    "delete",
    "privacy",
    "help",
)


def bot_commands(lang: str) -> list[BotCommand]:
    """Telegram's command menu in ``lang`` (descriptions ≤ 256 characters)."""
    tr = translator(lang)
    return [BotCommand(name, tr.plain(f"command.{name}")) for name in COMMANDS]


def help_text(lang: str) -> str:
    tr = translator(lang)
    lines = [f"/{name} — {tr(f'command.{name}')}" for name in COMMANDS]
    return tr("help.text", commands=Safe("\n".join(lines)))  # each line is HTML already


async def register_commands(bot: object) -> None:
    """setMyCommands for every language (the default list is English)."""
    from telegram import Bot

    assert isinstance(bot, Bot)
    await bot.set_my_commands(bot_commands("en"))
    for lang in LANGUAGES:
        await bot.set_my_commands(bot_commands(lang), language_code=lang)
