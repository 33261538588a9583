"""The year-end draft is sent automatically once, on the user's December day, if the year has
anything in it."""

from __future__ import annotations

import datetime as dtm

from bot.domain.schedule import slot_on
from tests.conftest import Bot, BotFactory
from tests.helpers import onboard

ZONE = "Asia/Seoul"


async def test_draft_arrives_on_december_31_at_the_review_hour_once(factory: BotFactory) -> None:
    bot = await factory.start()
    user = bot.user()
    await onboard(user)
    await user.send("Finished the marathon training plan")
    bot.clock.set(slot_on(dtm.date(2026, 12, 27), 19, ZONE))  # the week's prompt (Sunday)
    await bot.tick()
    due = slot_on(dtm.date(2026, 12, 31), 19, ZONE)
    bot.clock.set(due - dtm.timedelta(minutes=1))
    await bot.tick()
    assert bot.api.calls_to("sendDocument") == []
    bot.clock.set(due)
    await bot.tick()
    await bot.tick()
    bot = await factory.restart(bot)
    await bot.tick()
    documents = bot.api.calls_to("sendDocument")
    assert len(documents) == 1
    [(name, content)] = documents[0].files.values()
    assert name == "review-2026.md"
    assert "Finished the marathon training plan" in content.decode()


async def test_draft_day_is_configurable(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("a note")
    await user.send("/settings")
    await user.tap("📝 Draft day")
    await user.tap("December 28")
    bot.clock.set(slot_on(dtm.date(2026, 12, 27), 19, ZONE))  # the week's prompt (Sunday)
    await bot.tick()
    bot.clock.set(slot_on(dtm.date(2026, 12, 28), 19, ZONE))
    await bot.tick()
    assert len(bot.api.calls_to("sendDocument")) == 1


async def test_no_draft_for_an_empty_year(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    bot.clock.set(slot_on(dtm.date(2026, 12, 31), 19, ZONE))
    await bot.tick()
    assert bot.api.calls_to("sendDocument") == []
    await user.send("/draft")
    assert "nothing for 2026 yet" in user.last_text()


async def test_zip_lists_a_photo_telegram_would_not_hand_over_and_still_arrives(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send_photo(caption="Summit at dawn")
    await user.send_photo(caption="Team dinner")
    await user.send("/draft")
    bot.api.fail_next("getFile", "bad_request", description="Bad Request: file is too big")
    await user.tap("📦 Markdown ✓")
    archive = bot.api.calls_to("sendDocument")[-1]
    [(name, content)] = archive.files.values()
    assert name == "review-2026.zip"
    assert "could not be downloaded" in (archive.text or "")
    assert "W47" in (archive.text or "")
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as files:
        photos = [n for n in files.namelist() if n.startswith("images/2026-w")]
        markdown = files.read("review-2026.md").decode()
    assert len(photos) == 1  # the other one is listed, not fatal
    assert "Summit at dawn" in markdown
    assert "Team dinner" in markdown


async def test_in_january_the_private_copy_hint_names_the_year_that_ended(bot: Bot) -> None:
    """The hint under last year's draft must work as shown: a bare /draft all in January
    would compile the new, empty year."""
    user = bot.user()
    await onboard(user)
    await user.send("Finished the marathon training plan")
    bot.clock.set(dtm.datetime(2027, 1, 5, 3, 0, tzinfo=dtm.UTC))
    await user.send("/draft 2026")
    hint = "/draft 2026 all"
    assert hint in user.last_text()
    await user.send(hint)
    assert "This copy includes your private answers" in user.last_text()
    [(name, content)] = bot.api.calls_to("sendDocument")[-1].files.values()
    assert name == "review-2026.md"
    assert "Finished the marathon training plan" in content.decode()
