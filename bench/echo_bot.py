"""The baseline for ``bench/pipeline.py``: a bare python-telegram-bot bot, nothing stored.

``run`` is an echo bot: an ``Application`` with PTB's :class:`~telegram.ext.AIORateLimiter`
(30 requests/s overall, 20/min per group, 3 retries after a 429), one ``MessageHandler`` that
answers every text with ``update.message.reply_text(update.message.text)``, and
``run_polling``. ``fanout`` sends one message to each of ``--count`` chats through the same
bot and rate limiter, as fast as the limiter lets them go (``asyncio.gather`` of
``bot.send_message``), then prints one JSON line with what happened.

Both read ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_API_BASE_URL`` from the environment (like the
real bot) and import nothing from ``bot``::

    python -m bench.echo_bot run
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
from collections.abc import Sequence

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


def run() -> None:
    for module in filter(None, os.environ.get(STACK_IMPORTS, "").split(",")):
        importlib.import_module(module.strip())
    app = build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
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
    commands.add_parser("run", help="the echo bot (long polling)")
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
        run()
        return 0
    print(json.dumps(asyncio.run(fanout(args.first, args.count, args.text))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
