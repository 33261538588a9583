"""Small helpers the end-to-end tests share: onboarding a user and reading what was stored."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update

from bot.handlers.reactions import SAVED_REACTION
from bot.storage.models import Answer, Entry, Review, User
from tests.conftest import Bot
from tests.fakes import FakeUser


async def onboard(
    user: FakeUser, *, zone: str = "Seoul", day: str = "Sunday", hour: str = "19:00"
) -> None:
    """Walk through /start with the given answers (English button labels by default)."""
    await user.send("/start")
    await user.tap(next(b for b in user.buttons() if b.startswith("✓")))
    await user.send(zone)
    await user.tap(next(b for b in user.buttons() if b.endswith(day)))
    await user.tap(next(b for b in user.buttons() if b.endswith(hour)))


async def ask_to_add_goals(user: FakeUser, year: int) -> None:
    """/goals, then ➕ for ``year``: the bot waits for goals, one per message."""
    await user.send("/goals")
    await user.tap(next(b for b in user.buttons() if b.startswith("➕") and str(year) in b))


async def add_goals(user: FakeUser, year: int, texts: list[str]) -> None:
    """Add ``texts`` as ``year``'s goals through /goals, then tap Done."""
    await ask_to_add_goals(user, year)
    for text in texts:
        await user.send(text)
    await user.tap("Done ✓")


def flat(text: str) -> str:
    """Babel's date ranges use thin spaces (U+2009); compare them as plain spaces."""
    return text.replace("\u2009", " ").replace("\u202f", " ")


async def finish_review(user: FakeUser) -> str:
    """Tap Next/Skip/Finish until the review's summary arrives; returns the summary text."""
    for _ in range(30):
        if "saved" in user.last_text() or "저장 완료" in user.last_text():
            return user.last_text()
        buttons = user.buttons()
        await user.tap(
            next(
                b
                for b in buttons
                if b.startswith(("Next", "Skip", "Finish", "다음", "건너뛰기", "마치기"))
            )
        )
    raise AssertionError("the review did not finish")


async def stored_user(bot: Bot, user_id: int) -> User | None:
    async with bot.services.transaction() as session:
        return await session.get(User, user_id)


async def stored_entries(bot: Bot, user_id: int | None = None) -> list[Entry]:
    query = select(Entry).order_by(Entry.id)
    if user_id is not None:
        query = query.where(Entry.user_id == user_id)
    async with bot.services.transaction() as session:
        return list(await session.scalars(query))


async def stored_reviews(bot: Bot, user_id: int) -> list[Review]:
    async with bot.services.transaction() as session:
        return list(
            await session.scalars(
                select(Review).where(Review.user_id == user_id).order_by(Review.week)
            )
        )


async def stored_answers(bot: Bot, user_id: int) -> list[Answer]:
    async with bot.services.transaction() as session:
        return list(
            await session.scalars(
                select(Answer)
                .where(Answer.user_id == user_id)
                .order_by(Answer.week, Answer.position)
            )
        )


async def count_rows(bot: Bot, model: type) -> int:
    from sqlalchemy import func

    async with bot.services.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def tap_data(bot: Bot, user: FakeUser, data: str, *, forged: bool = False) -> None:
    """Tap the button with callback ``data`` on the user's latest keyboard (for buttons whose
    visible text repeats, like ⬆️); ``forged``: data a client made up, on the latest message."""
    from telegram import Update

    if forged:
        message = user.bot_messages()[-1]
    else:
        message = next(m for m in reversed(user.bot_messages()) if m.inline_buttons)
        assert any(b.get("callback_data") == data for b in message.inline_buttons), data
    update = {
        "update_id": bot.api.next_update_id(),
        "callback_query": {
            "id": bot.api.open_callback_query(),
            "chat_instance": "1",
            "data": data,
            "from": {
                "id": user.user_id,
                "is_bot": False,
                "first_name": "Ada",
                "language_code": "en",
            },
            "message": message.payload,
        },
    }
    await bot.feed(Update.de_json(update, bot.app.bot))


def note_update(bot: Bot, user_id: int, text: str, update_id: int | None = None) -> Update:
    """A text message from ``user_id`` as Telegram would deliver it (registered in the fake)."""
    payload = {
        "message_id": bot.api.next_message_id(user_id),
        "from": {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": "en"},
        "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
        "date": bot.api.timestamp(),
        "text": text,
    }
    bot.api.add_message(payload)
    data = {"update_id": update_id or bot.api.next_update_id(), "message": payload}
    update = Update.de_json(data, bot.app.bot)
    assert update is not None
    return update


def reacted(bot: Bot, chat_id: int, message_id: int) -> bool:
    """Whether the bot set its "saved" reaction on the user's message."""
    state = bot.api.message_state(chat_id, message_id)
    return any(r.get("emoji") == SAVED_REACTION for r in state.reactions)
