"""Group chats and ALLOWED_USER_IDS: a polite refusal, and nothing stored."""

from __future__ import annotations

from bot.storage.models import Entry, User
from tests.conftest import BotFactory
from tests.helpers import count_rows


async def test_group_chat_gets_pointed_to_a_private_chat(factory: BotFactory) -> None:
    bot = await factory.start()
    member = bot.user(chat_type="group")
    await member.send("/start")
    assert "only work in private chats" in member.last_text()
    await member.send("/note secret plans")
    assert await count_rows(bot, User) == 0
    assert await count_rows(bot, Entry) == 0


async def test_group_chat_in_korean(factory: BotFactory) -> None:
    bot = await factory.start()
    member = bot.user(chat_type="group", language_code="ko")
    await member.send("/help")
    assert "1:1 대화" in member.last_text()


async def test_allow_list_refuses_others_and_stores_nothing(factory: BotFactory) -> None:
    bot = await factory.start(allowed_user_ids="1001")
    stranger = bot.user(2002)
    await stranger.send("/start")
    assert "isn't open to new users" in stranger.last_text()
    await stranger.send("my private thoughts")
    await stranger.send_photo(caption="a photo")
    assert await count_rows(bot, User) == 0
    assert await count_rows(bot, Entry) == 0

    friend = bot.user(1001)
    await friend.send("/start")
    assert "weekly review" in friend.bot_messages()[0].text
    assert await count_rows(bot, User) == 1


async def test_one_user_never_sees_another_users_data(factory: BotFactory) -> None:
    from tests.helpers import onboard

    bot = await factory.start()
    ada, bob = bot.user(1001), bot.user(2002, first_name="Bob")
    await onboard(ada)
    await onboard(bob)
    await ada.send("Ada's secret")
    await bob.send("/review")
    assert all("Ada's secret" not in t for t in bob.texts_since(0))


async def test_editing_a_refused_command_is_not_refused_again(factory: BotFactory) -> None:
    bot = await factory.start(allowed_user_ids="1001")
    member = bot.user(chat_type="group")
    sent = await member.send("/recap")
    mark = member.mark()
    await member.edit(sent, "/recap oct")
    assert member.texts_since(mark) == []
    stranger = bot.user(2002)
    sent = await stranger.send("my private thoughts")
    mark = stranger.mark()
    await stranger.edit(sent, "my private thoughts, edited")
    assert stranger.texts_since(mark) == []
    assert await count_rows(bot, Entry) == 0
