"""/goals fits one Telegram message however many long goals there are."""

from __future__ import annotations

from bot.domain.limits import MAX_GOAL_CHARS, MAX_GOALS_PER_YEAR
from tests.conftest import Bot
from tests.helpers import add_goals, onboard


def long_goal(year: int, n: int) -> str:
    return f"{year} goal {n}: " + "keep going " * (MAX_GOAL_CHARS // 11 - 2)


async def test_the_most_goals_there_can_be_still_fit_one_message(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    for year in (2026, 2027):
        await add_goals(user, year, [long_goal(year, n) for n in range(MAX_GOALS_PER_YEAR)])
    await user.send("/goals")
    text = user.last_text()
    assert len(text) <= 4096
    for year in (2026, 2027):
        for n in range(MAX_GOALS_PER_YEAR):
            assert f"{year} goal {n}: keep" in text  # each one, shortened
    assert f"✏️ 2027 · {MAX_GOALS_PER_YEAR}" in user.buttons()


async def test_a_few_goals_are_shown_in_full(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await add_goals(user, 2026, [long_goal(2026, 1), "Read 20 books"])
    await user.send("/goals")
    assert long_goal(2026, 1).strip() in user.last_text()
    assert "Read 20 books" in user.last_text()


async def test_twenty_goals_a_year_of_emoji_still_fit_one_message(bot: Bot) -> None:
    """Emoji count twice in Telegram's 4,096 (UTF-16 units)."""
    user = bot.user()
    await onboard(user)
    for year in (2026, 2027):
        await add_goals(user, year, ["🏃" * MAX_GOAL_CHARS] * MAX_GOALS_PER_YEAR)
    mark = user.mark()
    await user.send("/goals")
    [text] = user.texts_since(mark)
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    assert text.count("🏃") >= 2 * MAX_GOALS_PER_YEAR


async def test_more_goals_than_one_message_holds_are_counted_not_dropped_silently(
    bot: Bot,
) -> None:
    """An older export may restore more goals than /goals lets anyone type."""
    from bot.storage import goals

    user = bot.user()
    await onboard(user)
    async with bot.services.transaction() as session:
        for n in range(300):
            await goals.add_goal(
                session, user.user_id, 2026, f"Goal {n:03} " + "x" * 70, bot.clock.now()
            )
    mark = user.mark()
    await user.send("/goals")
    [text] = user.texts_since(mark)
    assert len(text) <= 4096
    assert "Goal 000" in text
    shown = text.count("Goal ")
    assert f"… and {300 - shown} more" in text
