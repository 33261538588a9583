"""Data survives a restart of the application on the same database file."""

from __future__ import annotations

from tests.conftest import BotFactory
from tests.helpers import onboard, stored_entries, stored_user


async def test_everything_survives_a_restart(factory: BotFactory) -> None:
    bot = await factory.start()
    user = bot.user()
    await onboard(user, zone="Berlin", day="Saturday", hour="10:00")
    message_id = await user.send("before the restart")
    await user.send_photo(caption="a photo before the restart")

    bot = await factory.restart(bot)
    user = bot.user()
    await user.edit(message_id, "edited after the restart")
    await user.send("after the restart")

    stored = await stored_user(bot, 1001)
    assert stored is not None
    assert stored.timezone == "Europe/Berlin"
    assert stored.review_weekday == 5
    texts = [e.text for e in await stored_entries(bot, 1001)]
    assert texts == ["edited after the restart", "a photo before the restart", "after the restart"]
    await user.send("/start")
    assert "Welcome back" in user.last_text()
