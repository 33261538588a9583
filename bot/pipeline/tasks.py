"""Work that runs at send time, outside any transaction: files, recaps, drafts, imports.

A handler or job that needs long work writes a ``task`` outbox row (``Outgoing.task``); the
sender runs it when it is that chat's turn, so its messages keep their place in the chat.
A task reads with short read-only sessions, talks to Telegram through :class:`TaskContext`
(paced like every other send) and writes, if it must, in a short transaction of its own.
It may run again after a crash or a failed send, so it must be safe to repeat.

Task modules are imported on first use: matplotlib and friends cost nothing at start-up.
"""

from __future__ import annotations

import datetime as dtm
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InputFile, Message

from bot.pipeline.pacing import Pacer
from bot.services import Services

TASKS = {
    "recap": "bot.tasks.recap:run",
    "draft": "bot.tasks.draft:run_draft",
    "draft_zip": "bot.tasks.draft:run_zip",
    "export": "bot.tasks.data:run_export",
    "import": "bot.tasks.data:run_import",
    "import_journal": "bot.tasks.data:run_import_journal",
    "shred": "bot.tasks.shred:run",
}


class UnknownTask(Exception):
    """An outbox row names a task this version does not have."""


@dataclass
class TaskContext:
    """What a task may use: the database, the clock, and paced sends to its chat."""

    bot: Bot
    services: Services
    pacer: Pacer
    chat_id: int
    user_id: int | None

    @property
    def now(self) -> dtm.datetime:
        return self.services.clock.now()

    async def send_message(self, text: str, **kwargs: Any) -> Message:
        async with self.pacer.sending(self.chat_id, "sendMessage"):
            return await self.bot.send_message(self.chat_id, text, **kwargs)

    async def send_document(self, document: InputFile, **kwargs: Any) -> Message:
        async with self.pacer.sending(self.chat_id, "sendDocument"):
            return await self.bot.send_document(self.chat_id, document, **kwargs)

    async def send_photo(self, photo: InputFile, **kwargs: Any) -> Message:
        async with self.pacer.sending(self.chat_id, "sendPhoto"):
            return await self.bot.send_photo(self.chat_id, photo, **kwargs)


TaskFunction = Callable[[TaskContext, dict[str, Any]], Awaitable[None]]


def resolve(name: str) -> TaskFunction:
    """The function behind a task name, imported now."""
    target = TASKS.get(name)
    if target is None:
        raise UnknownTask(name)
    module_name, function_name = target.split(":")
    function: TaskFunction = getattr(importlib.import_module(module_name), function_name)
    return function
