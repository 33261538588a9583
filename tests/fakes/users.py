"""A simulated Telegram user who talks to the production ``Application`` through real updates.

:class:`FakeUser` builds the ``Update`` objects Telegram would deliver (messages, photos, voice
notes, stickers, documents, edits, button taps), delivers them through the application's
pipeline (stored in the inbox, handled, committed, sent) and reads
the bot's answers back from :class:`~.telegram_api.FakeBotAPI`. By default an exception raised
by a handler is re-raised from the user's action, so a crash cannot hide behind PTB's error
handling; pass ``raise_errors=False`` to test the bot's own error handler instead.
"""

from __future__ import annotations

import copy
import functools
import io
import mimetypes
import re
import weakref
from typing import Any, Literal

from PIL import Image
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from .telegram_api import FakeBotAPI, JSONDict, MessageState
from .telegram_text import utf16_len

__all__ = ["AnyApplication", "FakeUser"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
ChatType = Literal["private", "group", "supergroup"]

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@(?P<bot>[A-Za-z0-9_]{3,64}))?(?=\s|$)")
_ErrorLog = list[tuple[object, BaseException]]
_ERROR_LOGS: weakref.WeakKeyDictionary[AnyApplication, _ErrorLog] = weakref.WeakKeyDictionary()


@functools.cache
def fake_jpeg() -> bytes:
    """A small, valid JPEG photo (640×480)."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (230, 160, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


FAKE_OGG = b"OggS\x00\x02" + bytes(58) + b"OpusHead" + bytes(32)
"""Bytes that start like an Ogg/Opus voice note (enough for anything but decoding)."""


def _error_log(app: AnyApplication) -> _ErrorLog:
    """The list our error handler fills for ``app`` (the handler is added once per app)."""
    log = _ERROR_LOGS.get(app)
    if log is None:
        collected: _ErrorLog = []

        async def record(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
            if context.error is not None:
                collected.append((update, context.error))

        app.add_error_handler(record)
        _ERROR_LOGS[app] = log = collected
    return log


class FakeUser:
    """One person using the bot from a Telegram client.

    Every action returns the id of the user's message (``tap`` returns the id of the tapped
    bot message). Message ids come from the same per-chat counter the bot's messages use.
    In group chats (``chat_type="group"``, negative chat id) the bot's privacy mode is
    honoured: plain messages that are not commands, replies to the bot or mentions of it
    never reach the bot.
    """

    def __init__(
        self,
        app: AnyApplication,
        api: FakeBotAPI,
        user_id: int,
        first_name: str = "Ada",
        language_code: str | None = "en",
        chat_type: ChatType = "private",
        *,
        last_name: str | None = None,
        username: str | None = None,
        chat_id: int | None = None,
        raise_errors: bool = True,
    ) -> None:
        self.app = app
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.chat_type = chat_type
        self.user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        if chat_type == "private":
            self.chat_id = user_id if chat_id is None else chat_id
            self.chat: JSONDict = {"id": self.chat_id, "type": "private", "first_name": first_name}
            if last_name:
                self.chat["last_name"] = last_name
            if username:
                self.chat["username"] = username
        else:
            default_id = -user_id if chat_type == "group" else -(10**12 + user_id)
            self.chat_id = default_id if chat_id is None else chat_id
            if self.chat_id >= 0:
                raise ValueError("group chats have negative ids")
            self.chat = {"id": self.chat_id, "type": chat_type, "title": f"{first_name}'s group"}
        api.add_chat(self.chat)
        self.raise_errors = raise_errors
        self._errors = _error_log(app) if raise_errors else None
        self.last_callback_answer: JSONDict | None = None

    # ------------------------------------------------------------------ sending

    async def send(self, text: str, *, reply_to: int | None = None) -> int:
        """Send a text message; a leading ``/command`` gets its ``bot_command`` entity."""
        content: JSONDict = {"text": text}
        command = _COMMAND_RE.match(text)
        if command is not None:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
            ]
        return await self._send_message(content, reply_to=reply_to, text=text)

    async def send_photo(
        self, caption: str | None = None, file_id: str | None = None, *, reply_to: int | None = None
    ) -> int:
        """Send a photo (a real JPEG the bot can download with ``getFile``)."""
        sizes = self.api.photo_sizes(file_id) if file_id else None
        if sizes is None:
            sizes = self.api.store_photo(fake_jpeg(), file_id=file_id)
        content: JSONDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return await self._send_message(content, reply_to=reply_to, text=caption)

    async def send_voice(
        self, duration: int = 5, caption: str | None = None, *, reply_to: int | None = None
    ) -> int:
        """Send a voice note of ``duration`` seconds."""
        stored = self.api.store_file("voice", FAKE_OGG)
        voice: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        stored.meta = voice
        content: JSONDict = {"voice": voice}
        if caption is not None:
            content["caption"] = caption
        return await self._send_message(content, reply_to=reply_to, text=caption)

    async def send_sticker(self, emoji: str = "😀", *, reply_to: int | None = None) -> int:
        """Send a regular sticker showing ``emoji``."""
        stored = self.api.store_file("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ")
        sticker: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "FakeStickers",
            "file_size": stored.size,
        }
        stored.meta = sticker
        return await self._send_message({"sticker": sticker}, reply_to=reply_to, text=None)

    async def send_document(
        self,
        content: bytes = b"{}",
        file_name: str = "export.json",
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        reply_to: int | None = None,
    ) -> int:
        """Send a file; its bytes are downloadable by the bot via ``getFile``."""
        extension = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        stored = self.api.store_file("document", content, extension=extension)
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type
            or mimetypes.guess_type(file_name)[0]
            or "application/octet-stream",
            "file_size": stored.size,
        }
        stored.meta = document
        message: JSONDict = {"document": document}
        if caption is not None:
            message["caption"] = caption
        return await self._send_message(message, reply_to=reply_to, text=caption)

    async def edit(self, message_id: int, new_text: str | None) -> int:
        """Edit one of the user's messages (its caption for media; None removes the caption,
        as Telegram's "remove caption" does); sends ``edited_message``."""
        state = self._own_message(message_id)
        payload = state.payload
        if new_text is None:
            if not any(key in payload for key in ("photo", "document", "voice")):
                raise AssertionError(f"message {message_id} has no caption to remove")
            payload.pop("caption", None)
        elif "text" in payload:
            payload["text"] = new_text
            payload.pop("entities", None)
            command = _COMMAND_RE.match(new_text)
            if command is not None:
                payload["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
                ]
        elif any(key in payload for key in ("photo", "document", "voice")):
            payload["caption"] = new_text
        else:
            raise AssertionError(f"message {message_id} has no text or caption to edit")
        payload["edit_date"] = self.api.timestamp()
        state.edits += 1
        if self._reaches_bot(new_text, payload.get("reply_to_message")):
            await self._deliver("edited_message", copy.deepcopy(payload))
        return message_id

    def press(self, button_text: str, message_id: int | None = None) -> Update:
        """The update a tap on the inline button ``button_text`` makes (as :meth:`tap` finds
        the button), not delivered: for tests that hand updates to the pipeline themselves."""
        state = self._keyboard_message(message_id)
        buttons = state.inline_buttons
        button = next((b for b in buttons if b.get("text") == button_text), None)
        if button is None:
            available = [b.get("text") for b in buttons]
            raise AssertionError(
                f"no button {button_text!r} in bot message {state.message_id} "
                f"({state.text!r}); available buttons: {available}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"button {button_text!r} is not a callback button: {button}")
        query_id = self.api.open_callback_query()
        query: JSONDict = {
            "id": query_id,
            "from": self.user,
            "message": copy.deepcopy(state.payload),
            "chat_instance": str(-(10**18) - abs(self.chat_id)),
            "data": button["callback_data"],
        }
        return self._update("callback_query", query)

    async def tap(
        self, button_text: str, message_id: int | None = None, *, expect_answer: bool = True
    ) -> int:
        """Tap an inline button by its visible text; returns the tapped message's id.

        Looks in ``message_id`` or else in the latest bot message with an inline keyboard, as
        it stands after edits. With ``expect_answer`` (default) the bot must answer the
        callback query, or the user's app would keep showing a spinner.
        """
        update = self.press(button_text, message_id)
        assert update.callback_query is not None
        await self._deliver_update(update)
        self.last_callback_answer = self.api.callback_answer(update.callback_query.id)
        if expect_answer and self.last_callback_answer is None:
            raise AssertionError(
                f"the bot did not answer the callback query of button {button_text!r}; "
                "the user's Telegram app would keep showing a loading spinner"
            )
        assert update.callback_query.message is not None
        return update.callback_query.message.message_id

    async def block_bot(self) -> None:
        """Block the bot: later sends fail with 403, and the bot gets ``my_chat_member``."""
        self.api.block(self.chat_id)
        await self._member_update("member", "kicked")

    async def unblock_bot(self) -> None:
        """Unblock the bot (Telegram sends ``my_chat_member`` with status ``member``)."""
        self.api.unblock(self.chat_id)
        await self._member_update("kicked", "member")

    # ------------------------------------------------------------------ reading

    def buttons(self, message_id: int | None = None) -> list[str]:
        """Visible texts of the inline buttons (of ``message_id`` or the latest keyboard)."""
        return [
            str(button.get("text")) for button in self._keyboard_message(message_id).inline_buttons
        ]

    def bot_messages(self) -> list[MessageState]:
        """The bot's messages in this chat as they stand now, deleted ones left out."""
        return [s for s in self.api.chat_messages(self.chat_id, from_bot=True) if not s.deleted]

    def last_message(self) -> MessageState:
        """The bot's latest message in this chat that the user can still see."""
        messages = self.bot_messages()
        if not messages:
            raise AssertionError(f"the bot has sent nothing (visible) to chat {self.chat_id}")
        return messages[-1]

    def last_text(self) -> str:
        """Text (or caption) of the latest bot message as the user sees it, edits included."""
        return self.last_message().text or ""

    def last_html(self) -> str:
        """The latest bot message's text as the bot sent it, HTML markup included."""
        return self.last_message().html or ""

    def mark(self) -> int:
        """A point in the conversation, for :meth:`texts_since`."""
        return self.api.last_seq

    def texts_since(self, mark: int) -> list[str]:
        """What the bot sent to this chat after ``mark`` (as the user sees it, as sent)."""
        return [call.text or "" for call in self.api.messages_to(self.chat_id) if call.seq > mark]

    # ------------------------------------------------------------------ internals

    async def _send_message(
        self, content: JSONDict, *, reply_to: int | None, text: str | None
    ) -> int:
        payload: JSONDict = {
            "message_id": self.api.next_message_id(self.chat_id),
            "from": self.user,
            "chat": self.chat,
            "date": self.api.timestamp(),
        }
        if reply_to is not None:
            target = self.api.message_state(self.chat_id, reply_to)
            quoted = copy.deepcopy(target.payload)
            quoted.pop("reply_to_message", None)
            payload["reply_to_message"] = quoted
        payload.update(copy.deepcopy(content))
        self.api.add_message(payload)
        if self._reaches_bot(text, payload.get("reply_to_message")):
            await self._deliver("message", payload)
        return int(payload["message_id"])

    def _reaches_bot(self, text: str | None, reply_to: object) -> bool:
        if self.chat_type == "private" or not self.api.privacy_mode:
            return True
        if isinstance(reply_to, dict) and reply_to.get("from", {}).get("id") == self.api.bot_id:
            return True
        if text is None:
            return False
        command = _COMMAND_RE.match(text)
        if command is not None:
            addressee = command.group("bot")
            return addressee is None or addressee.lower() == self.api.bot_username.lower()
        return f"@{self.api.bot_username}".lower() in text.lower()

    async def _member_update(self, old_status: str, new_status: str) -> None:
        member: JSONDict = {"user": self.api.bot_user, "status": new_status}
        if new_status == "kicked":
            member["until_date"] = 0
        await self._deliver(
            "my_chat_member",
            {
                "chat": self.chat,
                "from": self.user,
                "date": self.api.timestamp(),
                "old_chat_member": {"user": self.api.bot_user, "status": old_status},
                "new_chat_member": member,
            },
        )

    def _update(self, kind: str, payload: JSONDict) -> Update:
        data = {"update_id": self.api.next_update_id(), kind: copy.deepcopy(payload)}
        update = Update.de_json(data, self.app.bot)
        if isinstance(self.app.bot, ExtBot):
            self.app.bot.insert_callback_data(update)
        return update

    async def _deliver(self, kind: str, payload: JSONDict) -> None:
        await self._deliver_update(self._update(kind, payload))

    async def _deliver_update(self, update: Update) -> None:
        # Through the production pipeline: stored in the inbox, handled, committed, then sent.
        pipeline = self.app.bot_data.get("pipeline")
        if pipeline is None:  # a bare Application (the fake's own tests)
            await self.app.process_update(update)
        else:
            await pipeline.receive([update])
            await pipeline.settle()
        if self._errors is None:
            return
        raised = [error for source, error in self._errors if source is update]
        self._errors[:] = [
            (source, error) for source, error in self._errors if source is not update
        ]
        if raised:
            raise raised[0]

    def _own_message(self, message_id: int) -> MessageState:
        state = self.api.message_state(self.chat_id, message_id)
        if state.from_bot or state.payload.get("from", {}).get("id") != self.user_id:
            raise AssertionError(f"message {message_id} was not sent by user {self.user_id}")
        if state.deleted:
            raise AssertionError(f"message {message_id} was deleted")
        return state

    def _keyboard_message(self, message_id: int | None) -> MessageState:
        if message_id is not None:
            state = self.api.message_state(self.chat_id, message_id)
            if state.deleted:
                raise AssertionError(f"bot message {message_id} was deleted")
            if not state.inline_buttons:
                raise AssertionError(
                    f"bot message {message_id} ({state.text!r}) has no inline keyboard"
                )
            return state
        for state in reversed(self.bot_messages()):
            if state.inline_buttons:
                return state
        visible = [state.text for state in self.bot_messages()[-3:]]
        raise AssertionError(
            f"no bot message with an inline keyboard in chat {self.chat_id}; "
            f"latest bot messages: {visible}"
        )
