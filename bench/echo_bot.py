"""The baseline for ``bench/pipeline.py``: a bare python-telegram-bot bot, nothing stored.

``run`` is an echo bot: an ``Application`` with PTB's :class:`~telegram.ext.AIORateLimiter`
(30 requests/s overall, 20/min per group, 3 retries after a 429), one ``MessageHandler`` that
answers every text with ``update.message.reply_text(update.message.text)``, and
``run_polling``. ``fanout`` sends one message to each of ``--count`` chats through the same
bot and rate limiter, as fast as the limiter lets them go (``asyncio.gather`` of
``bot.send_message``), then prints one JSON line with what happened.

``run --store FILE`` is the same echo bot, except that each text is first inserted into a
SQLite file in a transaction of its own (one ``INSERT``, committed) and the echo goes out
only after the commit. It is the least a bot can do that never acknowledges a word before it
is stored, on the bot's own storage stack: SQLAlchemy's async engine from
:func:`bot.storage.engine.create_engine` (its aiosqlite driver and SQLite settings: WAL,
``synchronous=FULL``, ``BEGIN IMMEDIATE``). It keeps no inbox (PTB's ``Updater`` confirms
updates before they are stored), no outbox, no users and no encryption, so it is a floor
for what storing costs, not a bot that keeps the issue's promises.

All read ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_API_BASE_URL`` from the environment (like the
real bot); the plain echo bot and the fan-out import nothing from ``bot``::

    python -m bench.echo_bot run
    python -m bench.echo_bot run --store /tmp/echo.sqlite3
    python -m bench.echo_bot fanout --first 10001 --count 5000
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

FANOUT_TEXT = "Time for your weekly review: how did this week go?"


def rate_limiter() -> AIORateLimiter:
    return AIORateLimiter(
        overall_max_rate=30, overall_time_period=1, group_max_rate=20, max_retries=3
    )


def build() -> Application:  # type: ignore[type-arg]  # PTB's default context types
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    base = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
    return (
        Application.builder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .rate_limiter(rate_limiter())
        .build()
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.text is not None
    await update.message.reply_text(update.message.text)


STACK_IMPORTS = "ECHO_ALSO_IMPORT"
"""Environment variable: comma-separated modules the echo bot imports before it starts (the
start-up benchmark measures an echo bot that merely imports the bot's storage and settings
stack, to show how much of the bot's memory that stack alone costs)."""


EchoHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def storing_echo(path: str) -> tuple[EchoHandler, Callable[[Any], Coroutine[Any, Any, None]]]:
    """The ``--store`` handler (store the text, commit, then echo) and its ``post_init``,
    which creates the table."""
    from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text, insert

    from bot.storage.engine import WRITER, create_engine

    notes = Table(
        "notes",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("chat_id", BigInteger, nullable=False),
        Column("message_id", BigInteger, nullable=False),
        Column("text", Text, nullable=False),
    )
    engine = create_engine(f"sqlite+aiosqlite:///{path}").execution_options(**{WRITER: True})

    async def create_table(_: Any) -> None:
        async with engine.begin() as connection:
            await connection.run_sync(notes.metadata.create_all)

    async def store_then_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        assert message.text is not None
        async with engine.begin() as connection:
            await connection.execute(
                insert(notes).values(
                    chat_id=message.chat_id, message_id=message.message_id, text=message.text
                )
            )
        await message.reply_text(message.text)

    return store_then_echo, create_table


def run(store: str | None = None) -> None:
    for module in filter(None, os.environ.get(STACK_IMPORTS, "").split(",")):
        importlib.import_module(module.strip())
    app = build()
    handler: EchoHandler = echo
    if store is not None:
        handler, app.post_init = storing_echo(store)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handler))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


async def fanout(first: int, count: int, text: str) -> dict[str, object]:
    """One message to each chat ``first … first + count − 1``; counts and timings."""
    app = build()
    async with app:  # initialize (getMe) and shut down the bot and its limiter
        started = time.monotonic()
        results = await asyncio.gather(
            *(app.bot.send_message(chat_id, text) for chat_id in range(first, first + count)),
            return_exceptions=True,
        )
        elapsed = time.monotonic() - started
    errors = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    return {
        "sent": sum(1 for r in results if not isinstance(r, BaseException)),
        "failed": sum(errors.values()),
        "errors": dict(errors),
        "seconds": elapsed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    echo_bot = commands.add_parser("run", help="the echo bot (long polling)")
    echo_bot.add_argument(
        "--store", metavar="FILE", help="store each text in this SQLite file before echoing it"
    )
    send = commands.add_parser("fanout", help="one message to each of COUNT chats")
    send.add_argument("--first", type=int, required=True, help="first chat id")
    send.add_argument("--count", type=int, required=True)
    send.add_argument("--text", default=FANOUT_TEXT)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if args.command == "run":
        run(args.store)
        return 0
    print(json.dumps(asyncio.run(fanout(args.first, args.count, args.text))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
