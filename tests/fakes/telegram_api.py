"""A fake Telegram Bot API server, plugged in where python-telegram-bot does its HTTP requests.

:class:`FakeBotAPI` is a :class:`telegram.request.BaseRequest`: a real ``telegram.Bot`` or
``telegram.ext.Application`` built with ``.request(api).get_updates_request(api)`` talks to it
exactly as it would talk to ``api.telegram.org``. It answers with the status codes and JSON
bodies Telegram uses, so python-telegram-bot's own error mapping (``BadRequest``, ``Forbidden``,
``RetryAfter`` …) runs unchanged. It records every call, keeps the state of every message in
every chat (text after edits, keyboards, deletions, reactions), serves uploaded and registered
files, and fails on demand (:meth:`FakeBotAPI.fail_next`).

It is strict on purpose: whatever Telegram would reject (bad HTML, over-long text or callback
data, editing a message into itself, answering an unknown callback query …) is rejected here
too, so the bug shows up in a test instead of in production.
"""

from __future__ import annotations

import copy
import datetime as dtm
import io
import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from PIL import Image, UnidentifiedImageError
from telegram.constants import ReactionEmoji
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from .telegram_text import EntityParseError, ParsedText, parse_html, parse_markdown_v2, utf16_len

__all__ = [
    "MESSAGE_METHODS",
    "ApiCall",
    "FailureKind",
    "FakeBotAPI",
    "MessageState",
    "StoredFile",
]

JSONDict = dict[str, Any]
FailureKind = Literal["retry_after", "forbidden", "bad_request", "timeout", "network"]

MESSAGE_METHODS: tuple[str, ...] = ("sendMessage", "sendPhoto", "sendDocument")
"""Methods that put a new message in a chat (what :meth:`FakeBotAPI.messages_to` lists)."""

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_BUTTONS = 100
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
DELETE_WINDOW = dtm.timedelta(hours=48)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CALLBACK_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_REACTION_EMOJI = frozenset(emoji.value for emoji in ReactionEmoji)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_FILE_URL_RE = re.compile(r"/file/bot[^/]*/(?P<path>.+)$")
_OUTCOME_OF_STATUS = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    413: "too_large",
    429: "retry_after",
}
_FILE_FOLDERS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "sticker": ("stickers", ".webp"),
}
_FILE_ID_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}
_PROFILE_TEXTS = {  # method suffix -> (result key, max length)
    "Name": ("name", 64),
    "Description": ("description", 512),
    "ShortDescription": ("short_description", 120),
}


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status plus Telegram's description."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> bytes:
        payload: JSONDict = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return json.dumps(payload).encode()


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class ApiCall:
    """One request the bot made: method, decoded parameters, uploaded files and what happened.

    ``outcome`` is ``"ok"`` or the kind of failure (``"bad_request"``, ``"forbidden"``,
    ``"retry_after"``, ``"timeout"``, ``"network"``, ``"not_found"``, ``"too_large"``);
    ``error`` is Telegram's description for failures, ``result`` the JSON result on success.
    """

    seq: int
    method: str
    params: JSONDict
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    outcome: str = "ok"
    error: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def delivered(self) -> bool:
        """Whether a message reached the chat (true for a timeout after delivery, too)."""
        return isinstance(self.result, dict) and "message_id" in self.result

    @property
    def chat_id(self) -> int | str | None:
        """The ``chat_id`` parameter, as an int when it is numeric."""
        return _normalise_chat_id(self.params.get("chat_id"))

    @property
    def html(self) -> str | None:
        """The ``text`` or ``caption`` exactly as the bot sent it (HTML markup included)."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def text(self) -> str | None:
        """The text or caption as the user sees it: markup removed, entities unescaped.

        Falls back to :attr:`html` for calls that failed before Telegram parsed the text.
        """
        if isinstance(self.result, dict) and "message_id" in self.result:
            shown = self.result.get("text", self.result.get("caption"))
            return shown if isinstance(shown, str) else None
        return self.html

    @property
    def message_id(self) -> int | None:
        """The id of the message this call created or acted on."""
        if isinstance(self.result, dict) and isinstance(self.result.get("message_id"), int):
            return int(self.result["message_id"])
        value = self.params.get("message_id")
        return value if isinstance(value, int) else None

    @property
    def reply_markup(self) -> JSONDict | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None


@dataclass
class MessageState:
    """A message as it stands now in a chat (after edits), from the bot or from a user."""

    chat_id: int
    message_id: int
    from_bot: bool
    payload: JSONDict
    """The ``Message`` object as Telegram would deliver it now."""
    html: str | None = None
    """For bot messages: the text/caption as last sent or edited, before entity parsing."""
    deleted: bool = False
    edits: int = 0
    reactions: list[JSONDict] = field(default_factory=list)

    @property
    def text(self) -> str | None:
        """Visible text, or the caption of a media message."""
        value = self.payload.get("text", self.payload.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def entities(self) -> list[JSONDict]:
        entities = self.payload.get("entities", self.payload.get("caption_entities"))
        return list(entities) if isinstance(entities, list) else []

    @property
    def reply_markup(self) -> JSONDict | None:
        markup = self.payload.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def date(self) -> dtm.datetime:
        return dtm.datetime.fromtimestamp(int(self.payload["date"]), tz=dtm.UTC)

    @property
    def inline_buttons(self) -> list[JSONDict]:
        """All inline keyboard buttons, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class StoredFile:
    """A file Telegram keeps: what ``getFile`` describes and the download URL returns."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    kind: str
    size: int
    meta: JSONDict = field(default_factory=dict)
    """The Telegram object for this file (``Document``, ``PhotoSize``, ``Voice`` …)."""

    def as_file(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class _Failure:
    method: str
    kind: FailureKind
    remaining: int
    retry_after: float
    chat_id: int | str | None
    description: str | None
    delivered: bool


@dataclass(frozen=True)
class _Upload:
    filename: str
    content: bytes
    mime_type: str


def _normalise_chat_id(value: object) -> int | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        if re.fullmatch(r"-?\d+", stripped):
            return int(stripped)
        return stripped or None
    return None


def _read(content: bytes | Any) -> bytes:
    if isinstance(content, bytes):
        return content
    data = content.read()
    return data if isinstance(data, bytes) else bytes(data)


Handler = Callable[[JSONDict, dict[str, _Upload]], Any]


class FakeBotAPI(BaseRequest):
    """A strict in-memory Telegram Bot API. See the module docstring.

    Args:
        now: the clock; message dates and the 48-hour delete window use it.
        bot_id, bot_username, bot_first_name: who the bot is (``getMe``).
        privacy_mode: group privacy mode (``getMe.can_read_all_group_messages`` is its
            opposite; :class:`~tests.fakes.users.FakeUser` honours it in group chats).
        strict_chats: when true (the default), sending to a chat that no user ever opened
            (see :meth:`add_chat`) fails with ``400 chat not found`` like Telegram.
    """

    def __init__(
        self,
        now: Callable[[], dtm.datetime],
        bot_id: int = 7_000_000_001,
        bot_username: str = "weekly_review_test_bot",
        *,
        bot_first_name: str = "Weekly Review",
        privacy_mode: bool = True,
        strict_chats: bool = True,
    ) -> None:
        self.now = now
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.privacy_mode = privacy_mode
        self.strict_chats = strict_chats
        self.token = f"{bot_id}:AAFakeTokenForTests_0123456789abcdefgh"
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSONDict] = {}
        self._seq = 0
        self._update_id = 100_000
        self._callback_id = 0
        self._file_counter = 0
        self._messages: dict[tuple[int, int], MessageState] = {}
        self._next_ids: dict[int, int] = {}
        self._chats: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[JSONDict]] = {}
        self._failures: list[_Failure] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._profile: dict[tuple[str, str], str] = {}
        self._open_callbacks: set[str] = set()
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._true,
            "deleteWebhook": self._true,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._true,
            "getChatMenuButton": self._get_chat_menu_button,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMessageReaction": self._set_message_reaction,
            "getFile": self._get_file,
        }
        for suffix in _PROFILE_TEXTS:
            self._handlers[f"setMy{suffix}"] = self._profile_setter(suffix)
            self._handlers[f"getMy{suffix}"] = self._profile_getter(suffix)
        # Bot API method names are case-insensitive.
        self._method_names = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ BaseRequest interface

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = unquote(urlsplit(url).path)
        download = _FILE_URL_RE.search(path)
        if download is not None:
            return self._download(download.group("path"))
        if method.upper() == "GET":
            for file_path in self._file_paths:
                if path.endswith("/" + file_path):
                    return self._download(file_path)
        params, uploads = self._decode(request_data)
        return self._dispatch(path.rstrip("/").rsplit("/", 1)[-1], params, uploads)

    # ------------------------------------------------------------------ test-facing helpers

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every recorded call of ``method``, failed ones included."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def messages_to(self, chat_id: int) -> list[ApiCall]:
        """sendMessage/sendPhoto/sendDocument calls that reached ``chat_id``, oldest first."""
        return [
            call
            for call in self.calls
            if call.delivered and call.method in MESSAGE_METHODS and call.chat_id == chat_id
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        """The texts/captions of :meth:`messages_to`, as the user sees them (no markup)."""
        return [call.text or "" for call in self.messages_to(chat_id)]

    def last_to(self, chat_id: int) -> ApiCall:
        """The latest successful message sent to ``chat_id``."""
        messages = self.messages_to(chat_id)
        if not messages:
            raise AssertionError(f"the bot has sent no message to chat {chat_id}")
        return messages[-1]

    @property
    def last_seq(self) -> int:
        """Sequence number of the latest call; later calls have larger ``ApiCall.seq``."""
        return self._seq

    def clear(self) -> None:
        """Forget recorded calls (message state, files and counters stay)."""
        self.calls.clear()

    def message_state(self, chat_id: int, message_id: int) -> MessageState:
        """The current state of a message; ``KeyError`` if it never existed."""
        try:
            return self._messages[(chat_id, message_id)]
        except KeyError:
            raise KeyError(f"no message {message_id} in chat {chat_id}") from None

    def chat_messages(self, chat_id: int, *, from_bot: bool | None = None) -> list[MessageState]:
        """Every message of a chat (deleted ones included), oldest first."""
        states = [
            state
            for (chat, _), state in self._messages.items()
            if chat == chat_id and (from_bot is None or state.from_bot == from_bot)
        ]
        return sorted(states, key=lambda state: state.message_id)

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id of a chat (users and the bot share one counter)."""
        next_id = self._next_ids.get(chat_id, 1)
        self._next_ids[chat_id] = next_id + 1
        return next_id

    def next_update_id(self) -> int:
        self._update_id += 1
        return self._update_id

    def timestamp(self) -> int:
        """``now()`` as the Unix time Telegram puts in ``date`` fields."""
        now = self.now()
        if now.tzinfo is None:
            raise ValueError("FakeBotAPI needs a timezone-aware clock")
        return int(now.timestamp())

    @property
    def bot_user(self) -> JSONDict:
        """The bot as a ``User`` (the ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def add_chat(self, chat: JSONDict) -> None:
        """Make a chat known (a user opened it); ``chat`` is a Bot API ``Chat`` dict."""
        self._chats[int(chat["id"])] = dict(chat)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every call to this chat now fails with 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def add_message(self, payload: JSONDict, *, from_bot: bool = False) -> MessageState:
        """Record a message that reached Telegram some other way (e.g. a user's message)."""
        chat_id = int(payload["chat"]["id"])
        state = MessageState(chat_id, int(payload["message_id"]), from_bot, copy.deepcopy(payload))
        self._messages[(chat_id, state.message_id)] = state
        return state

    def open_callback_query(self) -> str:
        """A new callback query id the bot is expected to answer."""
        self._callback_id += 1
        query_id = str(4_000_000_000_000_000_000 + self._callback_id)
        self._open_callbacks.add(query_id)
        return query_id

    def callback_answer(self, query_id: str) -> JSONDict | None:
        """The ``answerCallbackQuery`` parameters for a query, or ``None`` if unanswered."""
        return self.callback_answers.get(query_id)

    def commands_for(
        self, language_code: str | None = None, scope: JSONDict | None = None
    ) -> list[JSONDict]:
        """The command list stored for exactly this scope and language (``[]`` if none)."""
        return list(self._commands.get(self._commands_key(scope, language_code or ""), []))

    def add_file(
        self,
        file_id: str,
        file_unique_id: str,
        content: bytes,
        file_path: str | None = None,
        *,
        kind: str | None = None,
        size: int | None = None,
        meta: JSONDict | None = None,
    ) -> StoredFile:
        """Register a file so ``getFile`` and the download URL serve it.

        ``file_path`` defaults to a fresh ``<folder>/file_<n>.<ext>``; ``size`` overrides the
        reported size (to test the 20 MB download limit without allocating 20 MB).
        """
        if kind is None:
            folder = (file_path or "photos/").split("/", 1)[0]
            kind = next((k for k, (f, _) in _FILE_FOLDERS.items() if f == folder), "document")
        self._file_counter += 1
        if file_path is None:
            folder, extension = _FILE_FOLDERS.get(kind, ("documents", ""))
            file_path = f"{folder}/file_{self._file_counter}{extension}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=file_unique_id,
            content=content,
            file_path=file_path,
            kind=kind,
            size=len(content) if size is None else size,
            meta=dict(meta or {}),
        )
        self._files[file_id] = stored
        self._file_paths[file_path] = stored
        return stored

    def store_file(
        self,
        kind: str,
        content: bytes,
        *,
        extension: str | None = None,
        file_id: str | None = None,
    ) -> StoredFile:
        """Keep a file the way Telegram does, with fresh realistic ids."""
        number = self._file_counter + 1
        prefix = _FILE_ID_PREFIX.get(kind, "BQAC")
        folder, default_extension = _FILE_FOLDERS.get(kind, ("documents", ""))
        return self.add_file(
            file_id or f"{prefix}AgIAAxkBAAI{number:08d}{kind.upper()}",
            f"AQAD{number:08d}",
            content,
            f"{folder}/file_{number}{extension if extension is not None else default_extension}",
            kind=kind,
        )

    def store_photo(self, content: bytes, *, file_id: str | None = None) -> list[JSONDict]:
        """Keep an uploaded photo; return the ``PhotoSize`` list Telegram would generate.

        Raises :class:`ApiError` where Telegram would reject the image.
        """
        if not content:
            raise _bad_request("file must be non-empty")
        if len(content) > MAX_PHOTO_BYTES:
            raise _bad_request("PHOTO_SAVE_FILE_INVALID")
        try:
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise _bad_request("IMAGE_PROCESS_FAILED") from exc
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            raise _bad_request("PHOTO_INVALID_DIMENSIONS")
        side = max(width, height)
        limits = [limit for limit in (90, 320, 800, 1280, 2560) if limit < side] + [side]
        sizes: list[JSONDict] = []
        for index, limit in enumerate(limits):
            scale = limit / side
            largest = index == len(limits) - 1
            stored = self.store_file("photo", content, file_id=file_id if largest else None)
            size: JSONDict = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.size,
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
            }
            stored.meta = size
            sizes.append(size)
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def photo_sizes(self, file_id: str) -> list[JSONDict] | None:
        """The ``PhotoSize`` list a stored photo belongs to."""
        sizes = self._photo_sets.get(file_id)
        return copy.deepcopy(sizes) if sizes is not None else None

    def file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def fail_next(
        self,
        method: str,
        kind: FailureKind,
        *,
        times: int = 1,
        retry_after: float = 3,
        chat_id: int | str | None = None,
        description: str | None = None,
        delivered: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram does.

        ``method`` is a Bot API method name, ``"*"`` for any call, or ``"download"`` for file
        downloads (which then time out, drop the connection or answer 404).

        ``retry_after`` → 429 with ``parameters.retry_after``; ``forbidden`` → 403 "bot was
        blocked by the user"; ``bad_request`` → 400 (``description`` to override);
        ``timeout`` / ``network`` raise ``TimedOut`` / ``NetworkError`` from the transport.
        With ``chat_id`` only calls to that chat match. ``delivered=True`` (timeouts only)
        performs the call before timing out, like a reply lost on the way back.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if method not in ("*", "download") and method.lower() not in self._method_names:
            raise ValueError(f"the fake Bot API has no method {method!r}")
        if kind == "retry_after" and not retry_after:
            raise ValueError("Telegram's retry_after is always positive")
        self._failures.append(
            _Failure(
                method,
                kind,
                times,
                retry_after,
                _normalise_chat_id(chat_id),
                description,
                delivered,
            )
        )

    # ------------------------------------------------------------------ request plumbing

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    @staticmethod
    def _decode(request_data: RequestData | None) -> tuple[JSONDict, dict[str, _Upload]]:
        if request_data is None:
            return {}, {}
        # What Telegram receives is JSON; round-trip so tests see plain JSON values.
        params: JSONDict = json.loads(json.dumps(request_data.parameters))
        uploads = {
            part: _Upload(filename, _read(content), mime_type)
            for part, (filename, content, mime_type) in request_data.multipart_data.items()
        }
        return params, uploads

    def _take_failure(self, call: ApiCall) -> _Failure | None:
        for failure in self._failures:
            if failure.method != "*" and failure.method.lower() != call.method.lower():
                continue
            if failure.chat_id is not None and failure.chat_id != call.chat_id:
                continue
            failure.remaining -= 1
            if failure.remaining == 0:
                self._failures.remove(failure)
            return failure
        return None

    def _dispatch(
        self, requested: str, params: JSONDict, uploads: dict[str, _Upload]
    ) -> tuple[int, bytes]:
        name = self._method_names.get(requested.lower())
        call = ApiCall(
            seq=self._next_seq(),
            method=name or requested,
            params=params,
            files={part: (upload.filename, upload.content) for part, upload in uploads.items()},
        )
        self.calls.append(call)
        failure = self._take_failure(call)
        if failure is not None:
            call.outcome = failure.kind
            if failure.kind == "timeout":
                call.error = "Timed out"
                if failure.delivered and name is not None:
                    self._run(call, name, params, uploads)
                    call.outcome, call.error = "timeout", "Timed out"
                raise TimedOut("Timed out")
            if failure.kind == "network":
                call.error = "Fake network failure: connection reset by peer"
                raise NetworkError(call.error)
            error = self._injected_error(failure)
            call.error = error.description
            return error.status, error.body()
        if name is None:
            call.outcome, call.error = "not_found", "Not Found"
            return 404, ApiError(404, "Not Found").body()
        return self._run(call, name, params, uploads)

    def _run(
        self, call: ApiCall, name: str, params: JSONDict, uploads: dict[str, _Upload]
    ) -> tuple[int, bytes]:
        try:
            result = self._handlers[name](params, uploads)
        except ApiError as error:
            call.outcome = _OUTCOME_OF_STATUS.get(error.status, "error")
            call.error = error.description
            return error.status, error.body()
        call.outcome, call.error, call.result = "ok", None, result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _injected_error(self, failure: _Failure) -> ApiError:
        if failure.kind == "retry_after":
            seconds = failure.retry_after
            shown = int(seconds) if float(seconds).is_integer() else seconds
            return ApiError(
                429,
                failure.description or f"Too Many Requests: retry after {shown}",
                {"retry_after": shown},
            )
        if failure.kind == "forbidden":
            return ApiError(403, failure.description or "Forbidden: bot was blocked by the user")
        return ApiError(400, failure.description or "Bad Request: chat not found")

    def _download(self, file_path: str) -> tuple[int, bytes]:
        call = ApiCall(seq=self._next_seq(), method="download", params={"file_path": file_path})
        self.calls.append(call)
        failure = self._take_failure(call)
        if failure is not None and failure.kind in ("timeout", "network"):
            call.outcome = failure.kind
            raise (
                TimedOut("Timed out")
                if failure.kind == "timeout"
                else NetworkError("Fake network failure: connection reset by peer")
            )
        stored = self._file_paths.get(file_path)
        if stored is None or failure is not None:
            call.outcome, call.error = "not_found", "Not Found"
            return 404, ApiError(404, "Not Found").body()
        call.result = len(stored.content)
        return 200, stored.content

    # ------------------------------------------------------------------ validation helpers

    def _chat(self, params: JSONDict, *, check_blocked: bool = True) -> JSONDict:
        raw = _normalise_chat_id(params.get("chat_id"))
        if raw is None:
            raise _bad_request("chat_id is empty")
        chat: JSONDict | None
        if isinstance(raw, int):
            chat = self._chats.get(raw)
            if chat is None and not self.strict_chats:
                chat = (
                    {"id": raw, "type": "private", "first_name": "User"}
                    if raw > 0
                    else {"id": raw, "type": "group", "title": "Group"}
                )
                self._chats[raw] = chat
        else:
            chat = next((c for c in self._chats.values() if f"@{c.get('username')}" == raw), None)
        if chat is None:
            raise _bad_request("chat not found")
        if check_blocked and chat["id"] in self._blocked:
            if chat["type"] == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    @staticmethod
    def _int(params: JSONDict, key: str, missing: str) -> int:
        value = params.get(key)
        if value is None or value == "":
            raise _bad_request(missing)
        if isinstance(value, bool):
            raise _bad_request(f'invalid parameter "{key}"')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad_request(f'invalid parameter "{key}"') from None

    def _format(
        self, raw: object, params: JSONDict, *, entities_key: str, limit: int, what: str
    ) -> ParsedText:
        if not isinstance(raw, str):
            raise _bad_request(f"{what} must be a string")
        parse_mode = params.get("parse_mode")
        try:
            if not parse_mode:
                entities = params.get(entities_key) or []
                parsed = ParsedText(raw, list(entities))
            elif str(parse_mode).lower() == "html":
                parsed = parse_html(raw)
            elif str(parse_mode).lower() == "markdownv2":
                parsed = parse_markdown_v2(raw)
            elif str(parse_mode).lower() == "markdown":
                raise _bad_request(
                    "the fake Bot API does not model legacy Markdown; use HTML or MarkdownV2"
                )
            else:
                raise _bad_request("unsupported parse_mode")
        except EntityParseError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from exc
        if utf16_len(parsed.text) > limit:
            raise _bad_request(
                "message is too long" if what == "text" else "message caption is too long"
            )
        return parsed

    def _message_text(self, params: JSONDict) -> ParsedText:
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad_request("message text is empty")
        parsed = self._format(
            text, params, entities_key="entities", limit=MAX_TEXT_LENGTH, what="text"
        )
        if not parsed.text.strip():
            raise _bad_request("message text is empty")
        return parsed

    def _caption(self, params: JSONDict) -> ParsedText | None:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None
        return self._format(
            caption,
            params,
            entities_key="caption_entities",
            limit=MAX_CAPTION_LENGTH,
            what="caption",
        )

    @staticmethod
    def _markup(params: JSONDict, *, inline_only: bool = False) -> JSONDict | None:
        """Validate ``reply_markup``; return the inline keyboard to attach to the message."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request("can't parse inline keyboard button: field must be an Array")
            buttons = [button for row in rows for button in row]
            if len(buttons) > MAX_INLINE_BUTTONS:
                raise _bad_request("reply markup is too long")
            for button in buttons:
                _check_inline_button(button)
            rows = [row for row in rows if row]
            return {"inline_keyboard": rows} if rows else None
        if inline_only:
            raise _bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not rows:
                raise _bad_request("keyboard must be non-empty")
            for row in rows:
                for button in row:
                    text = button.get("text") if isinstance(button, dict) else button
                    if not isinstance(text, str) or not text.strip():
                        raise _bad_request("keyboard button text must be non-empty")
            return None
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return None
        raise _bad_request("can't parse reply keyboard markup JSON object")

    def _reply_target(self, chat: JSONDict, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            target_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            target_id = params.get("reply_to_message_id")
            allow = bool(params.get("allow_sending_without_reply"))
        if target_id is None:
            return None
        state = self._messages.get((chat["id"], int(target_id)))
        if state is None or state.deleted:
            if allow:
                return None
            raise _bad_request("message to be replied not found")
        quoted = copy.deepcopy(state.payload)
        quoted.pop("reply_to_message", None)
        return quoted

    def _new_bot_message(
        self,
        chat: JSONDict,
        params: JSONDict,
        content: JSONDict,
        *,
        html: str | None,
    ) -> JSONDict:
        markup = self._markup(params)
        reply_to = self._reply_target(chat, params)
        message_id = self.next_message_id(chat["id"])
        payload: JSONDict = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": dict(chat),
            "date": self.timestamp(),
        }
        if reply_to is not None:
            payload["reply_to_message"] = reply_to
        payload.update(content)
        if markup is not None:
            payload["reply_markup"] = markup
        state = self.add_message(payload, from_bot=True)
        state.html = html
        return copy.deepcopy(state.payload)

    def _target_message(self, params: JSONDict, not_found: str) -> MessageState:
        if params.get("inline_message_id") is not None:
            raise _bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message_id = self._int(params, "message_id", "message identifier is not specified")
        state = self._messages.get((chat["id"], message_id))
        if state is None or state.deleted:
            raise _bad_request(not_found)
        return state

    def _editable(self, params: JSONDict) -> MessageState:
        state = self._target_message(params, "message to edit not found")
        if not state.from_bot:
            raise _bad_request("message can't be edited")
        return state

    def _apply_edit(
        self,
        state: MessageState,
        *,
        key: str,
        parsed: ParsedText | None,
        markup: JSONDict | None,
        html: str | None,
        text_changes: bool = True,
    ) -> JSONDict:
        entities_key = "entities" if key == "text" else "caption_entities"
        payload = state.payload
        if text_changes:
            same_text = parsed is not None and payload.get(key) == parsed.text
            same_text = same_text or (parsed is None and key not in payload)
            same_entities = (parsed.entities if parsed else []) == payload.get(entities_key, [])
        else:
            same_text = same_entities = True
        if same_text and same_entities and markup == payload.get("reply_markup"):
            raise _bad_request(NOT_MODIFIED)
        if text_changes:
            payload.pop(entities_key, None)
            if parsed is None:
                payload.pop(key, None)
            else:
                payload[key] = parsed.text
                if parsed.entities:
                    payload[entities_key] = parsed.entities
            state.html = html
        payload.pop("reply_markup", None)
        if markup is not None:
            payload["reply_markup"] = markup
        payload["edit_date"] = self.timestamp()
        state.edits += 1
        return copy.deepcopy(payload)

    def _file_source(
        self, field_name: str, params: JSONDict, uploads: dict[str, _Upload]
    ) -> _Upload | str:
        value = params.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad_request(f"file {value} not found in the request")
            return upload
        if value is None:
            upload = uploads.get(field_name)
            if upload is None:
                raise _bad_request(f"there is no {field_name} in the request")
            return upload
        if not isinstance(value, str) or not value:
            raise _bad_request(f"wrong type of the {field_name} parameter")
        return value

    def _known_file(self, file_id: str, kind: str) -> StoredFile:
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise _bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    @staticmethod
    def _commands_key(scope: object, language_code: str) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code

    def _language(self, params: JSONDict) -> str:
        language = params.get("language_code") or ""
        if not isinstance(language, str) or (language and not _LANGUAGE_RE.fullmatch(language)):
            raise _bad_request("LANG_CODE_INVALID")
        return language

    # ------------------------------------------------------------------ methods

    @staticmethod
    def _true(params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        return True

    def _get_me(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _get_updates(params: JSONDict, uploads: dict[str, _Upload]) -> list[JSONDict]:
        return []

    @staticmethod
    def _get_chat_menu_button(params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        return {"type": "commands"}

    def _get_chat(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat = self._chat(params, check_blocked=False)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11}

    def _set_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request('parameter "commands" is required')
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        stored: list[JSONDict] = []
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad_request("command description must be non-empty")
            stored.append({"command": name, "description": description})
        key = self._commands_key(params.get("scope"), self._language(params))
        self._commands[key] = stored
        return True

    def _get_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> list[JSONDict]:
        key = self._commands_key(params.get("scope"), self._language(params))
        return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        key = self._commands_key(params.get("scope"), self._language(params))
        self._commands.pop(key, None)
        return True

    def _profile_setter(self, suffix: str) -> Handler:
        result_key, max_length = _PROFILE_TEXTS[suffix]

        def handler(params: JSONDict, uploads: dict[str, _Upload]) -> bool:
            value = params.get(result_key) or ""
            if not isinstance(value, str) or len(value) > max_length:
                raise _bad_request(f"{result_key} is too long")
            self._profile[(result_key, self._language(params))] = value
            return True

        return handler

    def _profile_getter(self, suffix: str) -> Handler:
        result_key, _ = _PROFILE_TEXTS[suffix]

        def handler(params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
            language = self._language(params)
            value = self._profile.get((result_key, language), self._profile.get((result_key, "")))
            if value is None and result_key == "name":
                value = self.bot_first_name
            return {result_key: value or ""}

        return handler

    def _send_message(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat = self._chat(params)
        parsed = self._message_text(params)
        content: JSONDict = {"text": parsed.text}
        if parsed.entities:
            content["entities"] = parsed.entities
        return self._new_bot_message(chat, params, content, html=params["text"])

    def _caption_content(self, params: JSONDict) -> JSONDict:
        parsed = self._caption(params)
        if parsed is None:
            return {}
        content: JSONDict = {"caption": parsed.text}
        if parsed.entities:
            content["caption_entities"] = parsed.entities
        return content

    def _send_photo(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat = self._chat(params)
        source = self._file_source("photo", params, uploads)
        content = self._caption_content(params)
        if isinstance(source, _Upload):
            sizes = self.store_photo(source.content)
        elif source.startswith(("http://", "https://")):
            sizes = self.store_photo(_placeholder_jpeg())
        else:
            self._known_file(source, "photo")
            sizes = self.photo_sizes(source) or []
        return self._new_bot_message(
            chat, params, {"photo": sizes, **content}, html=params.get("caption")
        )

    def _send_document(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        chat = self._chat(params)
        source = self._file_source("document", params, uploads)
        content = self._caption_content(params)
        if isinstance(source, _Upload):
            if not source.content:
                raise _bad_request("file must be non-empty")
            if len(source.content) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            extension = "." + source.filename.rsplit(".", 1)[-1] if "." in source.filename else ""
            stored = self.store_file("document", source.content, extension=extension)
            mime_type = source.mime_type or (
                mimetypes.guess_type(source.filename)[0] or "application/octet-stream"
            )
            stored.meta = {
                "file_name": source.filename,
                "mime_type": mime_type,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.size,
            }
        elif source.startswith(("http://", "https://")):
            name = urlsplit(source).path.rsplit("/", 1)[-1] or "file"
            stored = self.store_file("document", b"")
            stored.meta = {
                "file_name": name,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
            }
        else:
            stored = self._known_file(source, "document")
        document = copy.deepcopy(stored.meta) or {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        return self._new_bot_message(
            chat, params, {"document": document, **content}, html=params.get("caption")
        )

    def _edit_message_text(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        state = self._editable(params)
        if "text" not in state.payload:
            raise _bad_request("there is no text in the message to edit")
        parsed = self._message_text(params)
        markup = self._markup(params, inline_only=True)
        return self._apply_edit(
            state, key="text", parsed=parsed, markup=markup, html=params["text"]
        )

    def _edit_message_caption(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        state = self._editable(params)
        if "text" in state.payload:
            raise _bad_request("there is no caption in the message to edit")
        parsed = self._caption(params)
        markup = self._markup(params, inline_only=True)
        return self._apply_edit(
            state, key="caption", parsed=parsed, markup=markup, html=params.get("caption")
        )

    def _edit_message_reply_markup(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        state = self._editable(params)
        markup = self._markup(params, inline_only=True)
        key = "text" if "text" in state.payload else "caption"
        return self._apply_edit(
            state, key=key, parsed=None, markup=markup, html=state.html, text_changes=False
        )

    def _deletable(self, state: MessageState) -> str | None:
        """Why the bot may not delete this message, or ``None`` if it may."""
        if self.now() - state.date > DELETE_WINDOW:
            return "message can't be deleted for everyone"
        if not state.from_bot and state.payload["chat"]["type"] != "private":
            return "message can't be deleted"
        return None

    def _delete_message(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        state = self._target_message(params, "message to delete not found")
        reason = self._deletable(state)
        if reason is not None:
            raise _bad_request(reason)
        state.deleted = True
        return True

    def _delete_messages(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        chat = self._chat(params)
        message_ids = params.get("message_ids")
        if not isinstance(message_ids, list) or not 1 <= len(message_ids) <= 100:
            raise _bad_request("message_ids must contain 1-100 message identifiers")
        for message_id in message_ids:
            state = self._messages.get((chat["id"], int(message_id)))
            if state is not None and not state.deleted and self._deletable(state) is None:
                state.deleted = True
        return True

    def _answer_callback_query(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        query_id = params.get("callback_query_id")
        if not query_id:
            raise _bad_request('parameter "callback_query_id" is required')
        if str(query_id) not in self._open_callbacks:
            raise _bad_request(CALLBACK_QUERY_INVALID)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(str(query_id))
        self.callback_answers[str(query_id)] = dict(params)
        return True

    def _send_chat_action(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _set_message_reaction(self, params: JSONDict, uploads: dict[str, _Upload]) -> bool:
        state = self._target_message(params, "MESSAGE_ID_INVALID")
        reactions = params.get("reaction") or []
        if not isinstance(reactions, list):
            raise _bad_request("REACTION_INVALID")
        if len(reactions) > 1:
            raise _bad_request("REACTIONS_TOO_MANY")
        for reaction in reactions:
            if not isinstance(reaction, dict):
                raise _bad_request("REACTION_INVALID")
            if reaction.get("type") == "emoji" and reaction.get("emoji") not in _REACTION_EMOJI:
                raise _bad_request("REACTION_INVALID")
            if (
                reaction.get("type") == "custom_emoji"
                and not str(reaction.get("custom_emoji_id", "")).isdigit()
            ):
                raise _bad_request("REACTION_INVALID")
            if reaction.get("type") not in ("emoji", "custom_emoji"):
                raise _bad_request("REACTION_INVALID")
        state.reactions = copy.deepcopy(reactions)
        return True

    def _get_file(self, params: JSONDict, uploads: dict[str, _Upload]) -> JSONDict:
        file_id = params.get("file_id")
        if not file_id:
            raise _bad_request('parameter "file_id" is required')
        stored = self._files.get(str(file_id))
        if stored is None:
            raise _bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise _bad_request("file is too big")
        return stored.as_file()


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict):
        raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad_request("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _bad_request("can't parse inline keyboard button: exactly one action is expected")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise _bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _placeholder_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()
