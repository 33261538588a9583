"""Webhook mode: the secret is checked, and the 200 comes only once the update is stored."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.pipeline import webhook
from bot.storage.models import InboxUpdate
from tests.conftest import Bot, BotFactory
from tests.helpers import stored_entries

SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(factory: BotFactory) -> AsyncIterator[tuple[Bot, str]]:
    port = free_port()
    bot = await factory.start(
        webhook_url="https://bot.example.org/telegram",
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    stop = asyncio.Event()
    server = asyncio.create_task(webhook.listen(bot.app, bot.pipeline, bot.services.settings, stop))
    await asyncio.sleep(0.05)  # let the server bind (real sockets, real time)
    yield bot, f"http://127.0.0.1:{port}/telegram"
    stop.set()
    await server


def update(update_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_795_000_000,
            "chat": {"id": 1001, "type": "private", "first_name": "Ada"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Ada"},
            "text": text,
        },
    }


async def stored_updates(bot: Bot) -> int:
    async with bot.services.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    served: tuple[Bot, str],
) -> None:
    bot, url = served
    async with httpx.AsyncClient() as client:
        missing = await client.post(url, json=update(1, "hello"))
        wrong = await client.post(
            url, json=update(2, "hello"), headers={webhook.SECRET_HEADER: "guess"}
        )
    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert await stored_updates(bot) == 0


async def test_each_refused_request_is_one_warning_without_the_secret(
    served: tuple[Bot, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A stale secret, a path that differs from WEBHOOK_URL's or a body that is no update:
    Telegram keeps retrying, so the operator must see why, once per request."""
    _, url = served
    headers = {webhook.SECRET_HEADER: SECRET}
    with caplog.at_level("WARNING", logger="bot.pipeline.webhook"):
        async with httpx.AsyncClient() as client:
            stale = await client.post(
                url, json=update(1, "x"), headers={webhook.SECRET_HEADER: "old"}
            )
            elsewhere = await client.post(url + "-v2", json=update(2, "x"), headers=headers)
            null = await client.post(url, content=b"null", headers=headers)
    assert (stale.status_code, elsewhere.status_code, null.status_code) == (403, 404, 400)
    refused = [r for r in caplog.records if r.getMessage() == "webhook_refused"]
    assert [(r.status, r.path) for r in refused] == [  # type: ignore[attr-defined]
        (403, "/telegram"),
        (404, "/telegram-v2"),
        (400, "/telegram"),
    ]
    assert all(r.levelname == "WARNING" for r in refused)
    logged = " ".join(str(vars(r)) for r in caplog.records)  # messages and their extras
    assert SECRET not in logged


async def test_the_200_means_the_update_is_stored(served: tuple[Bot, str]) -> None:
    bot, url = served
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            url, json=update(7, "a note by webhook"), headers={webhook.SECRET_HEADER: SECRET}
        )
        assert answer.status_code == 200
        assert await stored_updates(bot) == 1  # already committed when the 200 came back
        again = await client.post(
            url, json=update(7, "a note by webhook"), headers={webhook.SECRET_HEADER: SECRET}
        )
        assert again.status_code == 200  # Telegram retrying: stored once
        garbage = await client.post(url, content=b"[[[", headers={webhook.SECRET_HEADER: SECRET})
        assert garbage.status_code == 400
    await bot.pipeline.settle()
    assert [e.text for e in await stored_entries(bot, 1001)] == ["a note by webhook"]
    assert await stored_updates(bot) == 1
