"""/help lists every command, and the same list is registered with Telegram in both languages."""

from __future__ import annotations

import pytest

from bot.handlers.commands import COMMANDS
from tests.conftest import Bot
from tests.helpers import onboard


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_help_lists_every_command(bot: Bot, language: str) -> None:
    user = bot.user(language_code=language)
    await user.send("/help")
    text = user.last_text()
    for name in COMMANDS:
        assert f"/{name} " in text


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_commands_are_registered_with_telegram(bot: Bot, language: str) -> None:
    registered = bot.api.commands_for(language_code=language)
    assert [c["command"] for c in registered] == list(COMMANDS)
    assert [c["command"] for c in bot.api.commands_for()] == list(COMMANDS)


async def test_help_explains_how_a_review_moves_on(bot: Bot) -> None:
    user = bot.user()
    await user.send("/help")
    assert "Next" in user.last_text()


async def test_every_listed_command_is_understood(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    for name in COMMANDS:
        await user.send(f"/{name}")
        assert "don't know the command" not in user.last_text(), name
