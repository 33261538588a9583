"""Command line: ``python -m bot run`` (default), ``python -m bot db upgrade`` and friends.

Every failure a self-hoster can cause (no token, a bad setting, a database path that cannot be
used) ends in one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import Settings
from bot.log import configure_logging

log = logging.getLogger("bot")

EXIT_CONFIG = 2
EXIT_RUNTIME = 1


class CliError(Exception):
    """A failure to report as one line."""


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            reason = "is required" if error["type"] == "missing" else error["msg"]
            reason = reason.removeprefix("Value error, ")
            problems.append(f"{name} {reason}")
        raise CliError("configuration error: " + "; ".join(problems)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="review-bot", description="weekly-review-bot: run the bot or maintain its data."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (long polling); the default")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply pending migrations")
    return parser


async def _db_upgrade(settings: Settings) -> None:
    from bot.storage.engine import create_engine
    from bot.storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _run(settings: Settings) -> None:
    from bot.app import build_application

    app = build_application(settings)
    app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        configure_logging(settings.log_level, [settings.telegram_bot_token.get_secret_value()])
        if command == "db":
            asyncio.run(_db_upgrade(settings))
            print("database is up to date")
        else:
            asyncio.run(_check_database(settings))
            _run(settings)
    except CliError as exc:
        print(f"review-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:
        print(f"review-bot: {describe(exc)}", file=sys.stderr)
        return EXIT_RUNTIME
    return 0


async def _check_database(settings: Settings) -> None:
    """Fail fast, with one line, when the database cannot be opened."""
    await _db_upgrade(settings)


def describe(exc: BaseException) -> str:
    """A one-line reason for a start-up failure (no token: PTB messages never include it)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from bot.storage.engine import DatabaseError

    if isinstance(exc, DatabaseError):
        return str(exc)
    if isinstance(exc, OperationalError | DBAPIError):
        return f"cannot open the database: {str(exc.orig).splitlines()[0]}"
    from telegram.error import InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):
        return "Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather"
    if isinstance(exc, NetworkError):
        return f"cannot reach the Telegram Bot API: {exc.message}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


if __name__ == "__main__":
    sys.exit(main())
