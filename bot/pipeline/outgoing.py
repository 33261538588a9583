"""What handlers and jobs say to Telegram, written as outbox rows in their own transaction.

Nothing here calls Telegram. :class:`Outgoing` adds :class:`~bot.storage.models.OutboxMessage`
rows to the session it is given; they commit (or roll back) with the data they acknowledge,
and :mod:`bot.pipeline.sender` sends them afterwards. A message sent by an earlier row is
named by :class:`Ref` (the row's id) until Telegram has given it a message id.
"""

from __future__ import annotations

import datetime as dtm
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.storage.models import OutboxMessage


@dataclass(frozen=True)
class Ref:
    """A message that an outbox row sends (or sent): resolved to its message id at send time."""

    row_id: int


Target = int | Ref
"""A message: its Telegram id, or the outbox row that sends it."""

TASK = "task"
KEEP = "keep"
SERVICE_CHAT = 0
"""The queue of the bot's own upkeep tasks. Telegram never uses chat id 0, so these rows
wait behind no user's messages and are not dropped with a chat that blocked the bot."""


def target_json(target: Target) -> dict[str, int]:
    if isinstance(target, Ref):
        return {"ref": target.row_id}
    return {"message_id": target}


def target_of(data: Any) -> Target | None:
    """The message a stored reference names (``{"ref": …}`` or a bare Telegram message id)."""
    if isinstance(data, int):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("ref"), int):
            return Ref(int(data["ref"]))
        if isinstance(data.get("message_id"), int):
            return int(data["message_id"])
    return None


_NEW_ROWS = "review_bot_new_outbox_rows"


def new_rows(session: AsyncSession) -> list[OutboxMessage]:
    """The rows :class:`Outgoing` added to ``session`` (one transaction), in order."""
    rows: list[OutboxMessage] = session.info.get(_NEW_ROWS, [])
    return rows


class Outgoing:
    """Outbox rows for one chat, added to ``session``."""

    def __init__(
        self, session: AsyncSession, chat_id: int, now: dtm.datetime, user_id: int | None = None
    ) -> None:
        self.session = session
        self.chat_id = chat_id
        self.user_id = user_id
        self.now = now

    def _add(self, method: str, payload: dict[str, Any]) -> OutboxMessage:
        row = OutboxMessage(
            chat_id=self.chat_id,
            user_id=self.user_id,
            method=method,
            payload=payload,
            created_at=self.now,
            not_before=self.now,
            attempts=0,
        )
        self.session.add(row)
        self.session.info.setdefault(_NEW_ROWS, []).append(row)
        return row

    async def ref(self, row: OutboxMessage) -> Ref:
        """The reference of a row added in this transaction (flushes to learn its id).

        A referenced row is kept after sending (without its text) so its message id can be
        looked up; the others are deleted once sent.
        """
        row.payload = {**(row.payload or {}), KEEP: True}
        await self.session.flush([row])
        return Ref(row.id)

    def send_message(
        self,
        text: str,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        reply_to: int | None = None,
    ) -> OutboxMessage:
        payload: dict[str, Any] = {"text": text}
        if keyboard is not None:
            payload["reply_markup"] = keyboard.to_dict()
        if reply_to is not None:
            payload["reply_to"] = reply_to
        return self._add("sendMessage", payload)

    def edit_text(
        self, target: Target, text: str, keyboard: InlineKeyboardMarkup | None = None
    ) -> OutboxMessage:
        payload: dict[str, Any] = {"target": target_json(target), "text": text}
        if keyboard is not None:
            payload["reply_markup"] = keyboard.to_dict()
        return self._add("editMessageText", payload)

    def edit_keyboard(
        self, target: Target, keyboard: InlineKeyboardMarkup | None = None
    ) -> OutboxMessage:
        payload: dict[str, Any] = {"target": target_json(target)}
        if keyboard is not None:
            payload["reply_markup"] = keyboard.to_dict()
        return self._add("editMessageReplyMarkup", payload)

    def delete(self, target: Target) -> OutboxMessage:
        return self._add("deleteMessage", {"target": target_json(target)})

    def react(self, message_id: int, emoji: str) -> OutboxMessage:
        return self._add("setMessageReaction", {"message_id": message_id, "emoji": emoji})

    def answer_callback(self, query_id: str, text: str | None = None) -> OutboxMessage:
        payload: dict[str, Any] = {"callback_query_id": query_id}
        if text is not None:
            payload["text"] = text
        return self._add("answerCallbackQuery", payload)

    def task(self, name: str, **params: Any) -> OutboxMessage:
        """Work done at send time, outside any transaction (files, recaps, drafts, imports)."""
        return self._add(TASK, {"name": name, **params})
