"""What part of a Telegram message the bot keeps: text, photo + caption, or voice note."""

from __future__ import annotations

import datetime as dtm
import re
from dataclasses import dataclass

from telegram import Message

from bot.domain.journal import MessageKind

_NOTE_COMMAND = re.compile(r"^/note(@\w+)?(\s+|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Content:
    """The storable part of a message."""

    kind: MessageKind
    text: str | None
    file_id: str | None = None
    file_unique_id: str | None = None
    duration: int | None = None


def strip_note_command(text: str) -> str:
    """``/note buy milk`` → ``buy milk`` (also ``/note@bot``); other text unchanged."""
    return _NOTE_COMMAND.sub("", text, count=1)


def content_of(message: Message) -> Content | None:
    """The storable content of ``message``, or None for stickers and other kinds we do not keep."""
    if message.photo:
        largest = max(message.photo, key=lambda p: p.width * p.height)
        return Content(
            MessageKind.PHOTO, _caption(message), largest.file_id, largest.file_unique_id
        )
    if message.voice:
        voice = message.voice
        seconds = voice.duration
        duration = int(seconds.total_seconds()) if isinstance(seconds, dtm.timedelta) else seconds
        return Content(
            MessageKind.VOICE, _caption(message), voice.file_id, voice.file_unique_id, duration
        )
    if message.text is not None:
        return Content(MessageKind.TEXT, strip_note_command(message.text))
    return None


def edited_text(message: Message) -> str | None:
    """The new text (or caption) of an edited message, as it would be stored."""
    if message.text is not None:
        return strip_note_command(message.text)
    return _caption(message)


def _caption(message: Message) -> str | None:
    """A photo's or voice note's caption; "/note at the lake" is kept as "at the lake"."""
    if message.caption is None:
        return None
    return strip_note_command(message.caption) or None
