"""The loopback Bot API server itself: Telegram's getUpdates offset rules, long polling,
flood limits, injected faults, and python-telegram-bot talking to it over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot, ReactionTypeEmoji, ReplyParameters
from telegram.error import NetworkError, RetryAfter, TimedOut

from tests.fakes.http_api import LoopbackBotAPI

TOKEN = "123456789:AAE-fake-token-for-tests-only-0123456789"


@pytest.fixture
def api() -> Iterator[LoopbackBotAPI]:
    with LoopbackBotAPI(token=TOKEN) as server:
        yield server


def call(
    api: LoopbackBotAPI, method: str, client_timeout: float = 10.0, **params: Any
) -> tuple[int, Any]:
    """POST like python-telegram-bot does: a form, non-string values JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    url = f"{api.base_url}/bot{TOKEN}/{method}"
    with httpx.Client(verify=False) as client:  # no TLS context to build: loopback HTTP
        response = client.post(url, data=form, timeout=client_timeout)
    return response.status_code, response.json()


def ids(payload: Any) -> list[int]:
    return [u["update_id"] for u in payload["result"]]


def test_an_offset_confirms_everything_below_it_and_nothing_else(api: LoopbackBotAPI) -> None:
    for n in range(3):
        api.push_text(1001, f"note {n}")

    assert ids(call(api, "getUpdates", timeout=0)[1]) == [1, 2, 3]
    assert ids(call(api, "getUpdates", timeout=0)[1]) == [1, 2, 3]  # not confirmed yet
    assert ids(call(api, "getUpdates", offset=3, limit=1)[1]) == [3]
    assert api.pending_update_ids() == [3]
    assert ids(call(api, "getUpdates", offset=4, timeout=0)[1]) == []
    assert api.pending_count == 0
    assert api.confirmed_below == 4
    assert api.handed_out() == {1: 2, 2: 2, 3: 3}


def test_a_negative_offset_keeps_only_the_last_updates(api: LoopbackBotAPI) -> None:
    for n in range(5):
        api.push_text(1001, f"note {n}")

    assert ids(call(api, "getUpdates", offset=-2)[1]) == [4, 5]
    assert api.pending_update_ids() == [4, 5]


def test_message_ids_count_up_per_chat_and_are_shared_with_the_bot(api: LoopbackBotAPI) -> None:
    first = api.push_text(1001, "a")["message"]
    api.push_text(2002, "b")
    status, sent = call(api, "sendMessage", chat_id=1001, text="<b>ok</b>", parse_mode="HTML")
    second = api.push_text(1001, "c")["message"]

    assert status == 200
    assert (first["message_id"], sent["result"]["message_id"], second["message_id"]) == (1, 2, 3)
    assert sent["result"]["text"] == "ok"
    assert sent["result"]["chat"]["id"] == 1001
    assert sent["result"]["from"]["is_bot"] is True


def test_a_long_poll_returns_as_soon_as_an_update_arrives(api: LoopbackBotAPI) -> None:
    answers: list[Any] = []
    poller = threading.Thread(
        target=lambda: answers.append(call(api, "getUpdates", timeout=30.0, offset=1)[1])
    )
    started = time.monotonic()
    poller.start()
    assert api.wait_until(lambda: api.waiting_polls == 1, 10)
    api.push_text(1001, "hello")
    poller.join(timeout=10)

    assert not poller.is_alive()
    assert time.monotonic() - started < 10
    assert [u["message"]["text"] for u in answers[0]["result"]] == ["hello"]


def test_a_new_poll_ends_an_older_waiting_one_with_409(api: LoopbackBotAPI) -> None:
    answers: list[tuple[int, Any]] = []
    poller = threading.Thread(target=lambda: answers.append(call(api, "getUpdates", timeout=30)))
    poller.start()
    assert api.wait_until(lambda: api.waiting_polls == 1, 10)
    status, _ = call(api, "getUpdates", timeout=0)
    poller.join(timeout=10)

    assert status == 200
    assert answers[0][0] == 409
    assert "terminated by other getUpdates request" in answers[0][1]["description"]


def test_the_strict_limiter_answers_429_over_30_a_window_and_1_send_a_chat() -> None:
    # A 60-second window keeps this deterministic however slow the machine is.
    with LoopbackBotAPI(token=TOKEN, strict=True, window=60.0) as api:
        for user in range(1, 32):
            api.push_text(user, "hi")
        assert call(api, "sendMessage", chat_id=1, text="one")[0] == 200
        status, body = call(api, "sendMessage", chat_id=1, text="two")
        assert status == 429
        assert body["parameters"]["retry_after"] >= 1
        assert body["description"].startswith("Too Many Requests: retry after ")
        for user in range(2, 31):  # reactions are not sends: only the overall limit counts
            assert (
                call(
                    api,
                    "setMessageReaction",
                    chat_id=user,
                    message_id=1,
                    reaction=[{"type": "emoji", "emoji": "👌"}],
                )[0]
                == 200
            ), user
        assert call(api, "sendMessage", chat_id=31, text="31st")[0] == 429
        assert call(api, "getMe")[0] == 200  # not chat-bound
        assert api.too_many_requests == 2
        assert api.max_per_window(60.0) == 30
        assert api.max_per_window(60.0, include_rejected=True) == 32
        assert api.max_per_chat_window(60.0) == 1


def test_injected_500s_take_no_effect_and_end_with_their_window(api: LoopbackBotAPI) -> None:
    api.push_text(1001, "note")
    fault = api.fail(seconds=60)

    status, body = call(api, "sendMessage", chat_id=1001, text="hi")
    assert (status, body["error_code"], body["description"]) == (500, 500, "Internal Server Error")
    assert call(api, "getMe")[0] == 200  # only output methods fail by default
    assert call(api, "setMessageReaction", chat_id=1001, message_id=1, reaction=[])[0] == 500
    api.clear_faults()
    assert call(api, "sendMessage", chat_id=1001, text="hi")[0] == 200

    assert fault.hits == 2
    assert [c.performed for c in api.calls("sendMessage")] == [False, True]
    assert api.acknowledgements() == {}


def test_a_delayed_answer_still_takes_effect_when_the_client_gave_up(api: LoopbackBotAPI) -> None:
    api.push_text(1001, "note")
    api.delay(["setMessageReaction"], by=1.0, seconds=60)
    reaction = [{"type": "emoji", "emoji": "👌"}]

    with pytest.raises(httpx.ReadTimeout):
        call(api, "setMessageReaction", 0.2, chat_id=1001, message_id=1, reaction=reaction)
    started = time.monotonic()
    status, _ = call(api, "setMessageReaction", chat_id=1001, message_id=1, reaction=reaction)

    assert status == 200
    assert time.monotonic() - started >= 0.9
    assert api.reactions() == {(1001, 1): 2}  # two requests took effect: a duplicate
    assert api.acknowledged(1001) == {(1001, 1)}
    assert api.wait_until(lambda: len(api.abandoned) == 1, 10)  # the first client gave up
    assert api.abandoned == [api.calls("setMessageReaction")[0].seq]


def test_a_request_can_be_held_until_its_client_gives_up(api: LoopbackBotAPI) -> None:
    api.push_text(1001, "note")
    fault = api.hang(seconds=60, until_client_gives_up=True, cap=30)
    started = time.monotonic()

    with pytest.raises(httpx.ReadTimeout):
        call(api, "sendMessage", 0.5, chat_id=1001, text="held")

    assert api.wait_until(lambda: fault.abandoned == 1, 10)
    assert time.monotonic() - started < 10
    assert not api.calls("sendMessage")[0].performed


def test_a_held_request_fails_without_effect_when_its_window_ends(api: LoopbackBotAPI) -> None:
    api.push_text(1001, "note")
    api.hang(seconds=60)
    answers: list[tuple[int, Any]] = []
    sender = threading.Thread(
        target=lambda: answers.append(call(api, "sendMessage", chat_id=1001, text="x"))
    )
    sender.start()
    assert api.wait_until(lambda: len(api.calls("sendMessage")) == 1, 10)
    assert sender.is_alive()  # still held
    api.clear_faults()
    sender.join(timeout=10)

    assert answers[0][0] == 500
    assert not api.calls("sendMessage")[0].performed


def test_a_reaction_on_an_unknown_message_is_a_bad_request(api: LoopbackBotAPI) -> None:
    api.push_text(1001, "note")
    reaction = [{"type": "emoji", "emoji": "👌"}]

    status, body = call(api, "setMessageReaction", chat_id=1001, message_id=9, reaction=reaction)
    assert (status, body["description"]) == (400, "Bad Request: message to react not found")
    assert call(api, "sendMessage", chat_id=999, text="x")[1]["description"] == (
        "Bad Request: chat not found"
    )


def test_a_wrong_token_is_unauthorized(api: LoopbackBotAPI) -> None:
    response = httpx.post(f"{api.base_url}/bot1:wrong/getMe")
    assert response.status_code == 401


def test_json_bodies_and_multipart_uploads_are_understood(api: LoopbackBotAPI) -> None:
    api.push_text(1001, "note")
    response = httpx.post(
        f"{api.base_url}/bot{TOKEN}/sendMessage",
        json={"chat_id": "1001", "text": "hi", "reply_parameters": {"message_id": 1}},
    )
    assert response.json()["ok"] is True
    upload = httpx.post(
        f"{api.base_url}/bot{TOKEN}/sendDocument",
        data={"chat_id": "1001", "caption": "file"},
        files={"document": ("a.md", b"# hello", "text/markdown")},
    )
    assert upload.json()["result"]["document"]["file_name"] == "a.md"

    sent = api.calls("sendDocument")[0]
    assert (sent.files[0].name, sent.files[0].size, sent.files[0].content) == (
        "document",
        7,
        b"# hello",
    )
    assert api.replies() == {(1001, 1): 1}


async def test_python_telegram_bot_talks_to_it_over_http(api: LoopbackBotAPI) -> None:
    first = api.push_text(1001, "hello")["message"]
    bot = Bot(TOKEN, base_url=f"{api.base_url}/bot")
    async with bot:
        assert bot.username == "weekly_review_test_bot"
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["hello"]
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        await bot.set_message_reaction(1001, first["message_id"], [ReactionTypeEmoji("👌")])
        reply = await bot.send_message(
            1001, "Saved", reply_parameters=ReplyParameters(first["message_id"])
        )
        await bot.edit_message_text("Saved!", chat_id=1001, message_id=reply.message_id)
        await bot.send_document(1001, b"# draft", filename="draft.md")
        await bot.set_my_commands([("note", "keep a note")])
        api.fail(["sendMessage"], seconds=60)
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(1001, "lost")
        api.clear_faults()
        api.delay(["sendMessage"], by=2.0, seconds=60)
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "slow", read_timeout=0.3)

    assert api.pending_count == 0
    assert api.acknowledgements() == {(1001, 1): 2}  # the reaction and the reply
    assert [c.params["text"] for c in api.calls("sendMessage", performed=True)] == [
        "Saved",
        "slow",
    ]
    assert api.calls("setMyCommands")[0].params["commands"][0]["command"] == "note"


async def test_python_telegram_bot_sees_429_as_retry_after() -> None:
    with LoopbackBotAPI(token=TOKEN, strict=True, window=60.0) as api:
        api.push_text(1001, "hello")
        async with Bot(TOKEN, base_url=f"{api.base_url}/bot") as bot:
            await bot.send_message(1001, "one")
            with pytest.raises(RetryAfter):
                await bot.send_message(1001, "two")
