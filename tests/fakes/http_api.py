"""A Bot API-compatible HTTP server on loopback, for process-level tests and benchmarks.

Unlike :class:`tests.fakes.telegram_api.FakeBotAPI`, which plugs into python-telegram-bot in
the same process, :class:`LoopbackBotAPI` is a real HTTP server (``127.0.0.1``, a free port,
one thread per connection) that a separate ``python -m bot run`` process reaches through
``TELEGRAM_API_BASE_URL``. It answers ``/bot<token>/<method>`` like ``api.telegram.org``:

* **getUpdates** keeps a queue of pending updates exactly as Telegram does: a call with
  ``offset=N`` confirms (drops for good) every update with ``update_id < N`` and returns the
  pending ones from ``N`` on (up to ``limit``), long-polling up to ``timeout`` seconds when there
  are none. Nothing else drops an update (except ``deleteWebhook`` with
  ``drop_pending_updates=true``, as on Telegram). A newer getUpdates call ends an older one still
  waiting with 409 Conflict, as Telegram does when two pollers run. Tests enqueue updates with
  :meth:`LoopbackBotAPI.push_update` / :meth:`LoopbackBotAPI.push_text` from any thread.
* Every other call is recorded as an :class:`ApiCall` (method, decoded parameters, uploaded
  files, monotonic arrival time, chat id, HTTP status, whether it took effect) and answered with
  a Telegram-shaped result: ``sendMessage`` returns a Message with a fresh per-chat
  ``message_id`` (shared with the user's own messages, as in a private chat).
* **Strict rate limits** (:attr:`LoopbackBotAPI.strict`): 429 with ``retry_after`` when a
  chat-bound request would exceed ``overall_limit`` requests in any sliding ``window`` or a
  ``send*``/``copy*``/``forward*`` would exceed ``per_chat_limit`` in one chat.
* **Fault injection** from the test thread at run time (:meth:`LoopbackBotAPI.fail`,
  :meth:`LoopbackBotAPI.delay`, :meth:`LoopbackBotAPI.hang`): HTTP 500 for a time window,
  answers delayed by some seconds (the request still takes effect, as when Telegram is slow),
  or requests held past any client timeout and then failed without effect.
* **Queries** for assertions: acknowledged notes (``setMessageReaction`` on a message, or a send
  replying to it), calls by method, 429 count, the busiest 1-second window overall or per chat.

Request bodies may be ``application/x-www-form-urlencoded`` (what python-telegram-bot sends,
with non-string values JSON-encoded), JSON, or ``multipart/form-data`` (files are recorded).

Use it as a context manager::

    with LoopbackBotAPI(token=TOKEN, strict=True) as api:
        env["TELEGRAM_API_BASE_URL"] = api.base_url
        api.push_text(1001, "hello")
        api.wait_until(lambda: api.is_acknowledged(1001, 1), timeout=30)

Only the standard library is used, so benchmarks can import it with the repository root on
``sys.path``.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import html
import itertools
import json
import math
import re
import select
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "BOT_USER",
    "ApiCall",
    "Fault",
    "JSONDict",
    "LoopbackBotAPI",
    "Poll",
    "UploadedFile",
    "is_chat_bound",
    "is_output_method",
    "is_send_method",
]

JSONDict = dict[str, Any]

BOT_USER: JSONDict = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Weekly Review",
    "username": "weekly_review_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

MAX_TEXT_LENGTH = 4096
MAX_UPDATES_LIMIT = 100
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)

# Parameters python-telegram-bot JSON-encodes in form bodies (everything else stays a string).
_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "reaction",
        "entities",
        "caption_entities",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
        "media",
        "is_big",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "show_caption_above_media",
        "has_spoiler",
        "disable_content_type_detection",
    }
)
_INT_KEYS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "duration",
    }
)
_FLOAT_KEYS = frozenset({"timeout"})
_NOT_CHAT_BOUND = frozenset({"answerCallbackQuery", "getFile", "getUpdates"})
_TOKEN_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_TAG = re.compile(r"<[^>]*>")


def is_send_method(method: str) -> bool:
    """``send*``, ``copy*`` and ``forward*``: what Telegram limits to about one per second per
    chat (``sendChatAction`` excluded: it posts nothing)."""
    return method.startswith(("send", "copy", "forward")) and method != "sendChatAction"


def is_output_method(method: str) -> bool:
    """Methods that change what a chat shows: sends, edits, deletions and reactions."""
    if method in ("deleteWebhook", "deleteMyCommands", "deleteStickerSet"):
        return False
    return (
        is_send_method(method)
        or method.startswith(("edit", "deleteMessage"))
        or method == "setMessageReaction"
    )


def is_chat_bound(method: str, params: JSONDict) -> bool:
    """A request Telegram's overall per-bot limit counts: it names a chat."""
    return method not in _NOT_CHAT_BOUND and params.get("chat_id") not in (None, "")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    name: str  # the form field
    filename: str | None
    content_type: str | None
    size: int
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class ApiCall:
    """One request (not getUpdates, see :class:`Poll`) and how it was answered.

    ``performed`` is True when the request took effect on "Telegram" (a message was sent, a
    reaction set …), which is also the case when its answer was delayed past the client's
    timeout. 429s, injected 500s and 4xx answers have ``performed=False``.
    """

    seq: int
    method: str
    params: JSONDict
    files: tuple[UploadedFile, ...]
    at: float  # time.monotonic() on arrival
    chat_id: int | None
    status: int
    performed: bool
    result: Any
    description: str | None = None
    delay: float = 0.0  # seconds the answer was held back

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def reply_to(self) -> int | None:
        """The message this call replies to (``reply_parameters`` or ``reply_to_message_id``)."""
        return _reply_to(self.params, self.chat_id)

    @property
    def reaction_emojis(self) -> list[str]:
        """The emojis of a ``setMessageReaction`` call (empty: the reaction was removed)."""
        return _emojis(self.params)


@dataclass(frozen=True)
class Poll:
    """One getUpdates call: the offset it confirmed and the update ids it was handed."""

    at: float
    offset: int | None
    timeout: float
    limit: int
    allowed_updates: Any
    returned: tuple[int, ...]
    status: int


@dataclass
class Fault:
    """An injected failure for ``methods`` (None: every output method) during [start, end).

    ``status`` set: answer that error without taking effect (after ``delay`` seconds, or, with
    ``hold``, when the window ends). ``status`` None: take effect, answer after ``delay``.
    While an answer is held back the server watches the connection: a client that gives up
    (closes it) is counted in ``abandoned`` and gets no answer.
    """

    methods: frozenset[str] | None
    start: float
    end: float
    status: int | None = 500
    delay: float = 0.0
    hold: bool = False
    hits: int = 0
    abandoned: int = 0  # requests whose client closed the connection while held

    def applies(self, method: str, now: float) -> bool:
        if not self.start <= now < self.end:
            return False
        if self.methods is None:
            return is_output_method(method)
        return method in self.methods


@dataclass
class _Message:
    message_id: int
    from_bot: bool
    text: str | None
    deleted: bool = False
    reactions: list[str] = field(default_factory=list)


@dataclass
class _Chat:
    chat: JSONDict
    next_message_id: int = 1
    messages: dict[int, _Message] = field(default_factory=dict)

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {detail}")


def _decode(key: str, value: str) -> Any:
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _INT_KEYS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if key in _FLOAT_KEYS:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _reply_to(params: JSONDict, chat_id: int | None) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
        if reply.get("chat_id") in (None, chat_id):
            return int(reply["message_id"])
        return None
    value = params.get("reply_to_message_id")
    return value if isinstance(value, int) else None


def _emojis(params: JSONDict) -> list[str]:
    reaction = params.get("reaction")
    if not isinstance(reaction, list):
        return []
    return [str(r["emoji"]) for r in reaction if isinstance(r, dict) and "emoji" in r]


def _normalise(params: JSONDict) -> JSONDict:
    """Integers sent as strings (``"chat_id": "42"`` in a JSON body) become ints."""
    for key in _INT_KEYS & params.keys():
        value = params[key]
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
    return params


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _plain(text: str, parse_mode: Any) -> str:
    """What the user sees of ``text``: HTML tags removed and entities unescaped."""
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        return html.unescape(_TAG.sub("", text))
    return text


class LoopbackBotAPI:
    """See the module docstring. Thread-safe; start with :meth:`start` or ``with``."""

    def __init__(
        self,
        token: str | None = None,
        *,
        strict: bool = False,
        overall_limit: int = 30,
        per_chat_limit: int = 1,
        window: float = 1.0,
        bot_user: JSONDict | None = None,
    ) -> None:
        self.token = token
        self.strict = strict
        self.overall_limit = overall_limit
        self.per_chat_limit = per_chat_limit
        self.window = window
        self.bot_user = dict(bot_user or BOT_USER)
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # updates
        self._pending: deque[JSONDict] = deque()
        self._next_update_id = 1
        self._confirmed_below = 0
        self._handed_out: Counter[int] = Counter()
        self._poll_generation = 0
        self._waiting_polls = 0
        self._last_poll_at: float | None = None
        self._polls: list[Poll] = []
        # chats, calls, limits, faults
        self._chats: dict[int, _Chat] = {}
        self._calls: list[ApiCall] = []
        self._overall_times: deque[float] = deque()
        self._chat_send_times: dict[int, deque[float]] = {}
        self._faults: list[Fault] = []
        self._files: dict[str, bytes] = {}
        self._observers: list[Callable[[ApiCall], None]] = []
        self.observer_errors: list[BaseException] = []
        self.rejected_429 = 0
        self.abandoned: list[int] = []  # seq of calls whose client gave up waiting
        self.last_output_at: float | None = None
        self._seq = 0
        self._events = 0  # bumped on every request and push: what wait_until waits for
        self._reactions: Counter[tuple[int, int]] = Counter()
        self._replies: Counter[tuple[int, int]] = Counter()
        self._performed_chat_calls = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LoopbackBotAPI:
        """Listen on 127.0.0.1 (a free port) in a background thread; returns ``self``."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="loopback-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; waiting getUpdates calls and delayed answers are released at once."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` should be set to."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ updates (test side)

    def push_update(self, update: JSONDict) -> JSONDict:
        """Enqueue one update; ``update_id`` is assigned when missing. Returns the update."""
        return self.push_updates([update])[0]

    def push_updates(self, updates: Iterable[JSONDict]) -> list[JSONDict]:
        """Enqueue several updates at once, in order (one wake-up for a waiting getUpdates)."""
        pushed: list[JSONDict] = []
        with self._cond:
            for original in updates:
                update = json.loads(json.dumps(original))
                if "update_id" not in update:
                    update["update_id"] = self._next_update_id
                if update["update_id"] < self._next_update_id:
                    raise ValueError(f"update_id {update['update_id']} is not increasing")
                self._next_update_id = update["update_id"] + 1
                self._register_user_message(update)
                self._pending.append(update)
                pushed.append(update)
            self._events += 1
            self._cond.notify_all()
        return pushed

    def text_update(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """A private-chat text message from ``user_id`` (not yet enqueued, no ids yet)."""
        user: JSONDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or f"User{user_id}",
        }
        if language_code:
            user["language_code"] = language_code
        return {
            "message": {
                "date": int(time.time()),
                "text": text,
                "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
                "from": user,
            }
        }

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """Enqueue a text message from ``user_id`` in their private chat; returns the update
        (``update["message"]["message_id"]`` is the next id of that chat)."""
        return self.push_update(
            self.text_update(user_id, text, first_name=first_name, language_code=language_code)
        )

    def push_texts(self, messages: Iterable[tuple[int, str]]) -> list[JSONDict]:
        """Enqueue many ``(user_id, text)`` private messages at once, in order."""
        return self.push_updates(self.text_update(u, t) for u, t in messages)

    def _register_user_message(self, update: JSONDict) -> None:
        message = next(
            (update[k] for k in ("message", "edited_message") if isinstance(update.get(k), dict)),
            None,
        )
        if message is None:
            return
        chat = self._chat(message["chat"])
        if "edited_message" in update:
            return
        if "message_id" not in message:
            message["message_id"] = chat.new_message_id()
        else:
            chat.next_message_id = max(chat.next_message_id, message["message_id"] + 1)
        chat.messages[message["message_id"]] = _Message(
            message["message_id"], from_bot=False, text=message.get("text")
        )

    def _chat(self, chat: JSONDict) -> _Chat:
        state = self._chats.get(chat["id"])
        if state is None:
            state = self._chats[chat["id"]] = _Chat(dict(chat))
        return state

    def pending_update_ids(self) -> list[int]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return [u["update_id"] for u in self._pending]

    @property
    def pending_count(self) -> int:
        with self._cond:
            return len(self._pending)

    @property
    def confirmed_below(self) -> int:
        """Every update with a smaller id has been confirmed."""
        with self._cond:
            return self._confirmed_below

    def handed_out(self) -> Counter[int]:
        """How often each update id was returned by getUpdates (redeliveries show as > 1)."""
        with self._cond:
            return Counter(self._handed_out)

    @property
    def waiting_polls(self) -> int:
        """getUpdates calls waiting for an update right now."""
        with self._cond:
            return self._waiting_polls

    @property
    def last_poll_at(self) -> float | None:
        """``time.monotonic()`` when the latest getUpdates call arrived (it may still wait)."""
        with self._cond:
            return self._last_poll_at

    def polls(self) -> list[Poll]:
        """Answered getUpdates calls (a call still waiting is not listed yet)."""
        with self._cond:
            return list(self._polls)

    # ------------------------------------------------------------------ faults (test side)

    def fail(
        self, methods: Iterable[str] | None = None, *, seconds: float, status: int = 500
    ) -> Fault:
        """Answer ``status`` (no effect) to ``methods`` (None: every output method) from now on
        for ``seconds``."""
        return self._add_fault(methods, seconds, status=status)

    def delay(
        self,
        methods: Iterable[str] | None = None,
        *,
        by: float,
        seconds: float,
        perform: bool = True,
    ) -> Fault:
        """For ``seconds`` from now, answer ``methods`` only ``by`` seconds after they arrive.

        ``perform=True``: the request takes effect on arrival and then succeeds late (a slow
        Telegram; a client that timed out does not know its message went out).
        ``perform=False``: no effect, answered 500 after the delay (the request was lost)."""
        return self._add_fault(methods, seconds, status=None if perform else 500, delay=by)

    def hang(
        self,
        methods: Iterable[str] | None = None,
        *,
        seconds: float,
        until_client_gives_up: bool = False,
        cap: float = 120.0,
    ) -> Fault:
        """For ``seconds`` from now, hold ``methods`` and then answer 500 without effect.

        Held until the window ends; or, with ``until_client_gives_up``, until the client
        closes the connection (its timeout ran out, whatever it is; see ``Fault.abandoned``)
        or ``cap`` seconds passed."""
        if until_client_gives_up:
            return self._add_fault(methods, seconds, status=500, delay=cap)
        return self._add_fault(methods, seconds, status=500, hold=True)

    def _add_fault(
        self,
        methods: Iterable[str] | None,
        seconds: float,
        *,
        status: int | None,
        delay: float = 0.0,
        hold: bool = False,
    ) -> Fault:
        now = time.monotonic()
        fault = Fault(
            frozenset(methods) if methods is not None else None,
            now,
            now + seconds,
            status=status,
            delay=delay,
            hold=hold,
        )
        with self._cond:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """End every fault now (held requests are answered at once)."""
        with self._cond:
            for fault in self._faults:
                fault.end = min(fault.end, time.monotonic())
            self._faults.clear()

    def add_file(self, file_id: str, content: bytes) -> None:
        """Make ``getFile`` and the file download answer for ``file_id``."""
        with self._cond:
            self._files[file_id] = content

    def add_observer(self, observer: Callable[[ApiCall], None]) -> None:
        """Call ``observer(call)`` for every request that took effect, in the server thread,
        before its answer is sent (so the bot cannot have seen the answer yet). Exceptions are
        collected in :attr:`observer_errors`."""
        with self._cond:
            self._observers.append(observer)

    # ------------------------------------------------------------------ queries

    def calls(
        self,
        method: str | None = None,
        *,
        chat_id: int | None = None,
        performed: bool | None = None,
    ) -> list[ApiCall]:
        """Recorded calls (getUpdates excluded), filtered."""
        with self._cond:
            found = list(self._calls)
        return [
            c
            for c in found
            if (method is None or c.method == method)
            and (chat_id is None or c.chat_id == chat_id)
            and (performed is None or c.performed == performed)
        ]

    def methods_called(self) -> Counter[str]:
        with self._cond:
            return Counter(c.method for c in self._calls)

    def reactions(self) -> Counter[tuple[int, int]]:
        """Successful ``setMessageReaction`` calls with a reaction, per (chat_id, message_id)."""
        with self._cond:
            return Counter(self._reactions)

    def replies(self) -> Counter[tuple[int, int]]:
        """Successful sends replying to a message, per (chat_id, replied message_id)."""
        with self._cond:
            return Counter(self._replies)

    @property
    def performed_chat_calls(self) -> int:
        """How many requests naming a chat took effect (sends, reactions, edits …)."""
        with self._cond:
            return self._performed_chat_calls

    @property
    def last_call_at(self) -> float | None:
        """``time.monotonic()`` of the latest request other than getUpdates."""
        with self._cond:
            return self._calls[-1].at if self._calls else None

    def acknowledgements(self) -> Counter[tuple[int, int]]:
        """Acknowledgements per note: reactions set on it plus sends replying to it."""
        return self.reactions() + self.replies()

    def acknowledged(self, chat_id: int | None = None) -> set[tuple[int, int]]:
        """(chat_id, message_id) of every acknowledged message (of one chat if given)."""
        return {key for key in self.acknowledgements() if chat_id is None or key[0] == chat_id}

    def is_acknowledged(self, chat_id: int, message_id: int) -> bool:
        """Whether that message got a reaction or a reply (cheap: no copies)."""
        key = (chat_id, message_id)
        with self._cond:
            return self._reactions[key] > 0 or self._replies[key] > 0

    @property
    def too_many_requests(self) -> int:
        """How many requests were answered 429."""
        with self._cond:
            return self.rejected_429

    def max_per_window(
        self,
        window: float = 1.0,
        *,
        chat_id: int | None = None,
        sends_only: bool = False,
        include_rejected: bool = False,
    ) -> int:
        """The most chat-bound requests in any sliding ``window`` (answered 200 unless
        ``include_rejected``): overall, or in one chat; all chat-bound methods or sends only."""
        times = sorted(
            c.at
            for c in self.calls()
            if c.chat_id is not None
            and c.method not in _NOT_CHAT_BOUND
            and (chat_id is None or c.chat_id == chat_id)
            and (not sends_only or is_send_method(c.method))
            and (include_rejected or c.status == 200)
        )
        return _max_in_window(times, window)

    def max_per_chat_window(self, window: float = 1.0, *, include_rejected: bool = False) -> int:
        """The most sends to any one chat in any sliding ``window``."""
        per_chat: dict[int, list[float]] = {}
        for c in self.calls():
            counted = include_rejected or c.status == 200
            if c.chat_id is not None and is_send_method(c.method) and counted:
                per_chat.setdefault(c.chat_id, []).append(c.at)
        return max((_max_in_window(sorted(t), window) for t in per_chat.values()), default=0)

    def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float,
        poll: float = 0.25,
        min_interval: float = 0.02,
    ) -> bool:
        """Block until ``predicate()`` holds or ``timeout`` passes; returns the last value.

        The predicate runs in the calling thread without the server's lock (so it may call any
        query here), after server events but at most every ``min_interval`` seconds, and at
        least every ``poll`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                seen = self._events
            checked = time.monotonic()
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            # Not on every one of hundreds of requests a second: at most every min_interval.
            pause = min(checked + min_interval, deadline) - time.monotonic()
            if pause > 0:
                self._stopping.wait(pause)
            with self._cond:
                self._cond.wait_for(
                    functools.partial(self._changed_since, seen),
                    min(poll, max(deadline - time.monotonic(), 0.0)),
                )

    def _changed_since(self, seen: int) -> bool:
        return self._events != seen or self._stopping.is_set()

    # ------------------------------------------------------------------ serving

    def _handle(
        self, http_method: str, path: str, params: JSONDict, files: tuple[UploadedFile, ...]
    ) -> tuple[int, JSONDict | bytes, _Hold | None]:
        """Answer one request: HTTP status, JSON payload or raw bytes, and (for an injected
        delay) how long to hold the answer back."""
        if http_method == "GET":
            file_match = _FILE_PATH.match(path)
            if file_match is not None:
                return self._download(file_match["token"], file_match["path"])
        match = _TOKEN_PATH.match(path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, None
        if self.token is not None and match["token"] != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None
        method = match["method"]
        if method == "getUpdates":
            return self._get_updates(params)
        return self._call(method, params, files)

    def _download(self, token: str, file_path: str) -> tuple[int, JSONDict | bytes, _Hold | None]:
        if self.token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None
        with self._cond:
            content = self._files.get(file_path.rsplit("/", 1)[-1])
        if content is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, None
        return 200, content, None

    def _get_updates(self, params: JSONDict) -> tuple[int, JSONDict | bytes, _Hold | None]:
        offset = params.get("offset")
        offset = offset if isinstance(offset, int) else None
        timeout = params.get("timeout") or 0
        timeout = max(0.0, float(timeout)) if isinstance(timeout, int | float) else 0.0
        limit = params.get("limit") or MAX_UPDATES_LIMIT
        limit = min(max(int(limit), 1), MAX_UPDATES_LIMIT) if isinstance(limit, int) else 100
        allowed = params.get("allowed_updates")
        arrived = time.monotonic()
        deadline = arrived + timeout
        with self._cond:
            self._last_poll_at = arrived
            self._events += 1
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # an older poller still waiting gets 409
            if offset is not None and offset != 0:
                self._confirm(offset)
            while True:
                if self._poll_generation != generation:
                    self._polls.append(Poll(arrived, offset, timeout, limit, allowed, (), 409))
                    return 409, _ApiError(409, CONFLICT).payload(), None
                batch = list(itertools.islice(self._pending, limit))
                now = time.monotonic()
                if batch or now >= deadline or self._stopping.is_set():
                    ids = tuple(u["update_id"] for u in batch)
                    self._handed_out.update(ids)
                    self._events += 1
                    self._polls.append(Poll(arrived, offset, timeout, limit, allowed, ids, 200))
                    self._cond.notify_all()
                    return 200, {"ok": True, "result": json.loads(json.dumps(batch))}, None
                self._waiting_polls += 1
                self._events += 1
                self._cond.notify_all()
                try:
                    self._cond.wait(deadline - now)
                finally:
                    self._waiting_polls -= 1

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # the last -offset updates stay; every earlier one is forgotten
            keep = -offset
            while len(self._pending) > keep:
                self._confirmed_below = self._pending.popleft()["update_id"] + 1
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()
        self._confirmed_below = max(self._confirmed_below, offset)

    def _call(
        self, method: str, params: JSONDict, files: tuple[UploadedFile, ...]
    ) -> tuple[int, JSONDict | bytes, _Hold | None]:
        now = time.monotonic()
        chat_id = params.get("chat_id")
        chat_id = chat_id if isinstance(chat_id, int) else None
        delay = 0.0
        release: _Hold | None = None
        performed = False
        result: Any = None
        error: _ApiError | None = None
        with self._cond:
            fault = next((f for f in self._faults if f.applies(method, now)), None)
            if fault is not None:
                fault.hits += 1
                delay = max(fault.end - now, 0.0) if fault.hold else fault.delay
                release = _Hold(self, fault, _release_time(fault, now))
            if fault is not None and fault.status is not None:
                error = _ApiError(fault.status, "Internal Server Error")
            elif self.strict and is_chat_bound(method, params):
                error = self._rate_limit(method, chat_id, now)
            if error is None:
                try:
                    result = self._perform(method, params, files)
                    performed = True
                except _ApiError as exc:
                    error = exc
            if error is not None and error.status == 429:
                self.rejected_429 += 1
            self._seq += 1
            call = ApiCall(
                seq=self._seq,
                method=method,
                params=params,
                files=files,
                at=now,
                chat_id=chat_id,
                status=200 if error is None else error.status,
                performed=performed,
                result=result,
                description=None if error is None else error.description,
                delay=delay,
            )
            self._calls.append(call)
            self._events += 1
            if performed:
                self._count_effect(call)
            observers = list(self._observers) if performed else []
            self._cond.notify_all()
        for observer in observers:
            try:
                observer(call)
            except BaseException as exc:  # reported to the test, never to the bot
                with self._cond:
                    self.observer_errors.append(exc)
        payload = error.payload() if error is not None else {"ok": True, "result": result}
        if release is not None:
            release.seq = call.seq
        return (200 if error is None else error.status), payload, release

    def _count_effect(self, call: ApiCall) -> None:
        if is_output_method(call.method):
            self.last_output_at = call.at
        if call.chat_id is None:
            return
        self._performed_chat_calls += 1
        message_id = call.params.get("message_id")
        if call.method == "setMessageReaction" and isinstance(message_id, int):
            if call.reaction_emojis:
                self._reactions[(call.chat_id, message_id)] += 1
        elif is_send_method(call.method) and call.reply_to is not None:
            self._replies[(call.chat_id, call.reply_to)] += 1

    def _rate_limit(self, method: str, chat_id: int | None, now: float) -> _ApiError | None:
        """Telegram's flood control: None when allowed (and counted), else the 429 to answer."""
        horizon = now - self.window
        overall = self._overall_times
        while overall and overall[0] <= horizon:
            overall.popleft()
        waits: list[float] = []
        if len(overall) >= self.overall_limit:
            waits.append(overall[-self.overall_limit] + self.window - now)
        per_chat: deque[float] | None = None
        if chat_id is not None and is_send_method(method):
            per_chat = self._chat_send_times.setdefault(chat_id, deque())
            while per_chat and per_chat[0] <= horizon:
                per_chat.popleft()
            if len(per_chat) >= self.per_chat_limit:
                waits.append(per_chat[-self.per_chat_limit] + self.window - now)
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            return _ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        overall.append(now)
        if per_chat is not None:
            per_chat.append(now)
        return None

    # ------------------------------------------------------------------ methods

    def _perform(self, method: str, params: JSONDict, files: tuple[UploadedFile, ...]) -> Any:
        simple: dict[str, Any] = {
            "getMe": self.bot_user,
            "deleteWebhook": True,
            "setWebhook": True,
            "close": True,
            "logOut": True,
            "setMyCommands": True,
            "deleteMyCommands": True,
            "getMyCommands": [],
            "answerCallbackQuery": True,
            "sendChatAction": True,
            "setMyName": True,
            "setMyDescription": True,
            "setMyShortDescription": True,
            "setChatMenuButton": True,
        }
        if method == "deleteWebhook" and params.get("drop_pending_updates") is True:
            # Telegram's own way of dropping updates; recorded so a test can see it happened.
            while self._pending:
                self._confirmed_below = self._pending.popleft()["update_id"] + 1
        if method in simple:
            return simple[method]
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method == "getFile":
            file_id = params.get("file_id")
            if not isinstance(file_id, str) or file_id not in self._files:
                raise _bad_request("invalid file_id")
            return {
                "file_id": file_id,
                "file_unique_id": "u" + file_id[-16:],
                "file_size": len(self._files[file_id]),
                "file_path": f"files/{file_id}",
            }
        chat = self._known_chat(params)
        if method == "getChat":
            return {**chat.chat, "accent_color_id": 0, "max_reaction_count": 11}
        if method == "sendMessage":
            text = params.get("text")
            if not isinstance(text, str) or not text.strip():
                raise _bad_request("message text is empty")
            shown = _plain(text, params.get("parse_mode"))
            if _utf16_len(shown) > MAX_TEXT_LENGTH:
                raise _bad_request("message is too long")
            return self._new_bot_message(chat, params, {"text": shown})
        if method in ("sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendVideo"):
            return self._new_bot_message(chat, params, self._media(method, params, files))
        if method == "setMessageReaction":
            target = self._existing(chat, params, "message to react not found")
            target.reactions = _emojis(params)
            return True
        if method == "editMessageText":
            target = self._existing(chat, params, "message to edit not found")
            text = params.get("text")
            if not isinstance(text, str) or not text.strip():
                raise _bad_request("message text is empty")
            shown = _plain(text, params.get("parse_mode"))
            if shown == target.text and "reply_markup" not in params:
                raise _bad_request(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            target.text = shown
            return self._message_dict(chat, target.message_id, {"text": shown})
        if method in ("editMessageReplyMarkup", "editMessageCaption"):
            target = self._existing(chat, params, "message to edit not found")
            return self._message_dict(chat, target.message_id, {"text": target.text or ""})
        if method == "deleteMessage":
            target = self._existing(chat, params, "message to delete not found")
            target.deleted = True
            return True
        if method in ("copyMessage", "forwardMessage"):
            return {"message_id": chat.new_message_id()}
        raise _ApiError(404, "Not Found: method not found")

    def _known_chat(self, params: JSONDict) -> _Chat:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise _bad_request("chat not found")
        return self._chats[chat_id]

    def _existing(self, chat: _Chat, params: JSONDict, problem: str) -> _Message:
        message_id = params.get("message_id")
        target = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if target is None or target.deleted:
            raise _bad_request(problem)
        return target

    def _new_bot_message(self, chat: _Chat, params: JSONDict, content: JSONDict) -> JSONDict:
        reply_to = _reply_to(params, chat.chat["id"])
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            allow = params.get("allow_sending_without_reply") is True or (
                isinstance(params.get("reply_parameters"), dict)
                and params["reply_parameters"].get("allow_sending_without_reply") is True
            )
            if (replied is None or replied.deleted) and not allow:
                raise _bad_request("message to be replied not found")
        message_id = chat.new_message_id()
        chat.messages[message_id] = _Message(message_id, from_bot=True, text=content.get("text"))
        extra = dict(content)
        if isinstance(params.get("reply_markup"), dict):
            extra["reply_markup"] = params["reply_markup"]
        return self._message_dict(chat, message_id, extra)

    def _message_dict(self, chat: _Chat, message_id: int, content: JSONDict) -> JSONDict:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.chat,
            "from": self.bot_user,
            **content,
        }

    def _media(self, method: str, params: JSONDict, files: tuple[UploadedFile, ...]) -> JSONDict:
        kind = method.removeprefix("send").lower()
        upload = next((f for f in files if f.name == kind), None)
        self._seq += 1
        if upload is not None:
            file_id = f"{kind}-{self._seq}"
            self._files[file_id] = upload.content
            size, name = upload.size, upload.filename
        else:
            reference = params.get(kind)
            file_id = reference if isinstance(reference, str) else f"{kind}-{self._seq}"
            size, name = len(self._files.get(file_id, b"")), None
        described: JSONDict = {"file_id": file_id, "file_unique_id": f"u{self._seq}"}
        described["file_size"] = size
        content: JSONDict = {}
        if kind == "photo":
            content["photo"] = [{**described, "width": 640, "height": 480}]
        elif kind == "document":
            content["document"] = {**described, "file_name": name or "file"}
        elif kind in ("voice", "audio", "video"):
            content[kind] = {**described, "duration": 1}
            if kind == "video":
                content[kind].update(width=640, height=480)
        caption = params.get("caption")
        if isinstance(caption, str):
            content["caption"] = _plain(caption, params.get("parse_mode"))
        return content


@dataclass
class _Hold:
    """An answer held back by a fault until ``release_at()``."""

    api: LoopbackBotAPI
    fault: Fault
    release_at: Callable[[], float]
    seq: int = 0

    def client_gave_up(self) -> None:
        with self.api._cond:
            self.fault.abandoned += 1
            self.api.abandoned.append(self.seq)
            self.api._events += 1
            self.api._cond.notify_all()


def _release_time(fault: Fault, arrived: float) -> Callable[[], float]:
    """When a delayed answer may go out; a held one follows the window's (changeable) end."""
    if fault.hold:
        return lambda: fault.end
    return lambda: arrived + fault.delay


def _max_in_window(times: list[float], window: float) -> int:
    """The most timestamps (sorted) inside any half-open interval of length ``window``."""
    best = 0
    for i, start in enumerate(times):
        end = bisect.bisect_left(times, start + window, lo=i)
        best = max(best, end - i)
    return best


def _parse_body(content_type: str, body: bytes) -> tuple[JSONDict, tuple[UploadedFile, ...]]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, ()
    if kind == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        return (decoded if isinstance(decoded, dict) else {}), ()
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        params: JSONDict = {}
        files: list[UploadedFile] = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            raw = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files.append(UploadedFile(name, filename, part.get_content_type(), len(raw), raw))
            else:
                params[name] = _decode(name, raw.decode("utf-8", "replace"))
        return params, tuple(files)
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: _decode(k, v) for k, v in pairs}, ()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, api: LoopbackBotAPI) -> None:
        self.api = api
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a killed bot) is normal here; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Answers leave in one segment, at once: with Nagle on, a body written after its headers
    # waits ~40 ms for the client's delayed ACK, as no real Bot API server would.
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered: headers and body are flushed together

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, http_method: str) -> None:
        api = self.server.api
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            params, files = _parse_body(self.headers.get("Content-Type") or "", body)
            for key, value in parse_qsl(split.query, keep_blank_values=True):
                params.setdefault(key, _decode(key, value))
            status, payload, release = api._handle(
                http_method, split.path, _normalise(params), files
            )
        except (ValueError, UnicodeDecodeError) as exc:
            status, payload = 400, _bad_request(f"can't parse request: {exc}").payload()
            release = None
        if release is not None and not self._hold(release):
            self.close_connection = True
            return  # the client gave up: nobody to answer
        if isinstance(payload, bytes):
            data, content_type = payload, "application/octet-stream"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    def _hold(self, hold: _Hold) -> bool:
        """Wait until the answer may go out; False if the client closed the connection first."""
        stopping = self.server.api._stopping
        while not stopping.is_set():
            remaining = hold.release_at() - time.monotonic()
            if remaining <= 0:
                return True
            readable, _, _ = select.select([self.connection], [], [], min(remaining, 0.2))
            if readable:
                try:
                    still_there = bool(self.connection.recv(1, socket.MSG_PEEK))
                except OSError:
                    still_there = False
                if not still_there:
                    hold.client_gave_up()
                    return False
                stopping.wait(min(remaining, 0.2))  # a pipelined request: keep holding
        return True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the recorded calls instead."""
