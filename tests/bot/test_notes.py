"""Notes: text, photos with captions, voice notes and /note are kept for the user's week;
edits update the stored text and keep the original."""

from __future__ import annotations

import datetime as dtm

from bot.domain.schedule import slot_on
from tests.conftest import Bot
from tests.helpers import note_update, onboard, stored_entries


async def test_plain_text_is_saved_to_the_current_week(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    message_id = await user.send("Shipped the alignment pipeline refactor")
    assert user.last_text() == "✓ Saved to week 47."
    [entry] = await stored_entries(bot, 1001)
    assert (entry.week, entry.kind, entry.text, entry.message_id) == (
        "2026-W47",
        "text",
        "Shipped the alignment pipeline refactor",
        message_id,
    )
    assert entry.answer_id is None
    assert entry.sent_at.tzinfo is not None


async def test_a_note_handled_after_midnight_stays_in_the_week_it_was_sent(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)  # Seoul
    # Sunday Jan 3 2027, 23:59:30 in Seoul: the last seconds of 2026-W53.
    bot.clock.set(slot_on(dtm.date(2027, 1, 3), 23, "Asia/Seoul") + dtm.timedelta(seconds=3570))
    late = note_update(bot, 1001, "the last words of the year")
    bot.clock.advance(dtm.timedelta(seconds=45))  # handled in Monday's week, 2027-W01
    await bot.feed(late)
    [entry] = await stored_entries(bot, 1001)
    assert entry.week == "2026-W53"
    assert user.last_text() == "✓ Saved to week 53."


async def test_week_is_counted_in_the_users_time_zone(bot: Bot) -> None:
    user = bot.user()
    await onboard(user, zone="Pacific/Kiritimati")  # UTC+14
    # Sunday 22 Nov 11:00 UTC is already Monday 23 Nov 01:00 in Kiritimati: week 48.
    bot.clock.set(dtm.datetime(2026, 11, 22, 11, 0, tzinfo=dtm.UTC))
    await user.send("early Monday thought")
    [entry] = await stored_entries(bot, 1001)
    assert entry.week == "2026-W48"
    assert user.last_text() == "✓ Saved to week 48."


async def test_photo_with_caption_and_voice_note(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send_photo(caption="Hiking with the team")
    await user.send_voice(duration=42)
    photo, voice = await stored_entries(bot, 1001)
    assert (photo.kind, photo.text) == ("photo", "Hiking with the team")
    assert photo.file_id
    assert photo.file_unique_id
    assert (voice.kind, voice.text, voice.duration) == ("voice", None, 42)
    assert voice.file_id


async def test_note_command(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/note read 50 papers on alignment")
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == "read 50 papers on alignment"
    assert "week 47" in user.last_text()


async def test_note_command_without_text_explains_usage(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    await user.send("/note")
    assert "/note" in user.last_text()
    assert "e.g." in user.last_text()
    assert await stored_entries(bot, 1001) == []


async def test_edit_updates_text_and_keeps_the_original(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    message_id = await user.send("Gave a talk at PyCon")
    bot.clock.advance(minutes=5)
    await user.edit(message_id, "Gave my first talk at PyCon Korea")
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == "Gave my first talk at PyCon Korea"
    assert entry.original_text == "Gave a talk at PyCon"
    assert entry.edited_at is not None
    assert bot.api.message_state(1001, message_id).reactions  # a ✍ shows the edit was taken


async def test_edit_of_note_command_and_photo_caption(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    note_id = await user.send("/note first version")
    photo_id = await user.send_photo(caption="old caption")
    await user.edit(note_id, "/note second version")
    await user.edit(photo_id, "new caption")
    note, photo = await stored_entries(bot, 1001)
    assert (note.text, note.original_text) == ("second version", "first version")
    assert (photo.text, photo.original_text) == ("new caption", "old caption")


async def test_notes_before_onboarding_are_kept_too(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")
    await user.send("a thought before any setup")
    [entry] = await stored_entries(bot, 1001)
    assert entry.text == "a thought before any setup"
    assert "/start" in user.last_text()


async def test_redelivered_update_is_stored_once(bot: Bot) -> None:
    from telegram import Update

    user = bot.user()
    await onboard(user)
    await user.send("only once please")
    payload = bot.api.message_state(1001, (await stored_entries(bot, 1001))[0].message_id).payload
    await bot.feed(
        Update.de_json({"update_id": bot.api.next_update_id(), "message": payload}, bot.app.bot)
    )
    assert len(await stored_entries(bot, 1001)) == 1


async def test_removing_a_photos_caption_removes_it_from_what_is_stored(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    sent = await user.send_photo(caption="with Kim at the lake")
    await user.edit(sent, None)
    [entry] = await stored_entries(bot, user.user_id)
    assert entry.text is None
    assert entry.original_text == "with Kim at the lake"
    assert bot.api.message_state(user.chat_id, sent).reactions  # ✍ for the edit


async def test_a_photo_captioned_with_note_keeps_only_the_words(bot: Bot) -> None:
    user = bot.user()
    await onboard(user)
    sent = await user.send_photo(caption="/note at the lake")
    await user.send_voice(caption="/note")
    first, second = await stored_entries(bot, user.user_id)
    assert first.text == "at the lake"
    assert second.text is None
    await user.edit(sent, "/note at the lake, with Kim")
    first, _ = await stored_entries(bot, user.user_id)
    assert first.text == "at the lake, with Kim"
