"""Command line: ``python -m bot run`` (default), ``python -m bot db upgrade`` and friends.

The data commands (``export``, ``import``, ``draft``) work from the database alone: they need
``DATABASE_URL`` but neither a bot token nor Telegram.

Every failure a self-hoster can cause (no token, a bad setting, a database path that cannot be
used, a file that is not an export) ends in one clear line on stderr and a non-zero exit code,
never a traceback: 2 for a configuration error (fix it before trying again), 1 for a failure at
run time (Telegram or the database unreachable; trying again later may work). README documents
the convention.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError, field_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import DEFAULT_DATABASE_URL, KeySettings, Settings, check_database_url
from bot.crypto.master import KeyProblem
from bot.log import configure_logging, startup_failed

if TYPE_CHECKING:
    from bot.storage.models import User

log = logging.getLogger("bot")

EXIT_CONFIG = 2
EXIT_RUNTIME = 1
DATA_COMMANDS = ("export", "import", "draft", "keys")  # need only the database, not Telegram
OPS_COMMANDS = ("health", "status")  # likewise: they read what the running bot recorded


class CliError(Exception):
    """A failure to report as one line."""


class DataSettings(KeySettings):
    """What the data commands read from the environment / ``.env``: the database only."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    scheduler_interval_seconds: float = 30.0

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def _configuration_error(exc: ValidationError) -> CliError:
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
        reason = "is required" if error["type"] == "missing" else error["msg"]
        reason = reason.removeprefix("Value error, ")
        problems.append(f"{name} {reason}")
    return CliError("configuration error: " + "; ".join(problems))


def load_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as exc:
        raise _configuration_error(exc) from None


def load_data_settings() -> DataSettings:
    try:
        return DataSettings()
    except ValidationError as exc:
        raise _configuration_error(exc) from None


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}") from None
    if not 1 <= year <= 9998:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}")
    return year


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="review-bot", description="weekly-review-bot: run the bot or maintain its data."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (long polling, or a webhook); the default")
    commands.add_parser(
        "health",
        help="exit 0 if the database answers, the scheduler ran lately and nothing is stuck",
    )
    commands.add_parser(
        "status", help="users, due prompts, inbox and outbox backlog, last tick, last error"
    )
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply pending migrations")
    keys = commands.add_parser("keys", help="encryption keys (README: Encryption at rest)")
    keys.add_argument(
        "action",
        choices=["check", "rotate"],
        help="check: the master key opens every data key; rotate: re-wrap them under a new one",
    )
    keys.add_argument(
        "--new-key-file",
        type=Path,
        help="rotate: the new master key (made, mode 0600, if the file does not exist)",
    )

    export = commands.add_parser(
        "export", help="write everything stored about a user to a file (see docs/EXPORT.md)"
    )
    export.add_argument("--user-id", type=int, required=True, help="Telegram user id")
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument(
        "--format",
        choices=["json", "markdown"],
        default="json",
        help="the importable JSON export (default) or the Markdown archive of all weeks",
    )
    load = commands.add_parser(
        "import",
        help="import an export JSON file, or a Day One, jrnl, Daylio or Markdown journal into "
        "a user's weeks; importing twice adds nothing twice",
    )
    load.add_argument("file", type=Path, help="a file made by /export, or another app's export")
    load.add_argument(
        "--format",
        choices=["export", "dayone", "jrnl", "daylio", "markdown"],
        default="export",
        help="export (default: this bot's JSON), or the journal app the file comes from",
    )
    load.add_argument(
        "--user-id", type=int, help="whose journal it is (needed for another app's export)"
    )
    draft = commands.add_parser("draft", help="write a user's year-in-review draft (Markdown)")
    draft.add_argument("--user-id", type=int, required=True, help="Telegram user id")
    draft.add_argument("--year", type=_year, required=True, help="the year, e.g. 2026")
    draft.add_argument("--out", type=Path, required=True, help="file to write")
    draft.add_argument("--all", action="store_true", help="include the answers marked private (🔒)")
    return parser


async def _db_upgrade(settings: Settings) -> None:
    from bot.clock import SystemClock
    from bot.crypto.admin import quarantine_users_without_keys
    from bot.crypto.vault import vault_for
    from bot.storage.engine import create_engine
    from bot.storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        now = SystemClock().now()
        async with vault_for(settings, settings.database_url, engine, now) as vault:
            await upgrade(engine)
            await quarantine_users_without_keys(vault, engine, now)
    finally:
        await engine.dispose()


Output = tuple[str, bytes | None]  # what to print, and the file to write (if any)


async def _data_command(
    args: argparse.Namespace, settings: DataSettings, raw: bytes | None
) -> Output:
    """Run ``export``, ``import`` (of ``raw``) or ``draft`` against the database."""
    from bot.clock import SystemClock
    from bot.crypto.vault import vault_for
    from bot.storage.engine import create_engine, sqlite_path

    database_url = settings.database_url
    path = sqlite_path(database_url)
    if raw is None and path is not None and not path.exists():
        raise CliError(f"no database at {path}; check DATABASE_URL")
    engine = create_engine(database_url)
    try:
        async with vault_for(settings, database_url, engine, SystemClock().now()) as vault:
            if args.command == "keys":
                return await _keys(args, vault, engine)
            return await _on_data(args, engine, raw)
    finally:
        await engine.dispose()


async def _keys(args: argparse.Namespace, vault: Any, engine: Any) -> Output:
    from bot.crypto import admin
    from bot.storage.migrate import upgrade

    await upgrade(engine)  # users get their key_id column (and keys) before they are counted
    if args.action == "check":
        report = await admin.check(vault, engine)
        line = (
            f"{vault.master.source} opens all {report.keys} data keys; "
            f"each of the {report.users} users has one"
        )
        if report.unowned:  # the bot destroys them (hourly retries); words stay readable
            line += (
                f"; {report.unowned} belong to no user (a /delete whose key is not destroyed "
                "yet: the running bot keeps trying; see its shred_pending errors)"
            )
        return line, None
    if args.new_key_file is None:
        raise CliError("keys rotate needs --new-key-file PATH (made if it does not exist)")
    count = await admin.rotate(vault, admin.new_master(args.new_key_file))
    return (
        f"re-wrapped {count} data keys under the key in {args.new_key_file}; set "
        f"ENCRYPTION_KEY_FILE={args.new_key_file} before the next start (the old key no "
        "longer opens them)"
    ), None


async def _on_data(args: argparse.Namespace, engine: Any, raw: bytes | None) -> Output:
    """``export``, ``import`` or ``draft`` on an engine whose vault is open."""
    from bot.storage.engine import session_factory
    from bot.storage.migrate import upgrade

    if raw is not None:
        await upgrade(engine)  # importing into a brand-new database is fine
    if raw is not None and args.format != "export":
        return await _import_journal(engine, args, raw), None
    async with session_factory(engine)() as session, session.begin():
        if raw is not None:
            return await _import(session, raw, args.file, args.user_id), None
        if args.command == "export":
            return await _export(session, args.user_id, args.out, args.format)
        return await _draft(session, args.user_id, args.year, args.out, args.all)


async def _stored_user(session: AsyncSession, user_id: int) -> User:
    from bot.storage.users import get_user

    user = await get_user(session, user_id)
    if user is None:
        raise CliError(f"no user with id {user_id} in the database")
    return user


async def _export(session: AsyncSession, user_id: int, out: Path, form: str) -> Output:
    from bot.clock import SystemClock
    from bot.data.export import archive_markdown, build_export, export_bytes
    from bot.storage.journal import load_journal

    user = await _stored_user(session, user_id)
    if form == "markdown":
        journal = await load_journal(session, user)
        markdown = archive_markdown(journal, user.language)
        return f"wrote the archive of {len(journal.weeks)} weeks to {out}", markdown.encode()
    document = await build_export(session, user, SystemClock().now())
    message = f"wrote the export of user {user_id} ({len(document.weeks)} weeks) to {out}"
    return message, export_bytes(document)


async def _import(session: AsyncSession, raw: bytes, file: Path, user_id: int | None) -> str:
    from bot.clock import SystemClock
    from bot.data.importer import ImportProblem, import_document, parse_document

    try:
        document = parse_document(raw)
        if user_id is not None and document.user.id != user_id:
            # The file says whose it is; a different --user-id is a mistake, not a transfer.
            raise CliError(
                f"cannot import {file}: it is user {document.user.id}'s export, "
                f"not user {user_id}'s"
            )
        report = await import_document(session, document, now=SystemClock().now())
    except ImportProblem as problem:
        raise CliError(f"cannot import {file}: {problem}") from None
    return (
        f"imported user {report.user_id}: added {report.line(report.added)}; "
        f"already present {report.line(report.present)}"
    )


async def _import_journal(engine: Any, args: argparse.Namespace, raw: bytes) -> str:
    """Another journal app's export into a user's weeks, in short batches."""
    from bot.clock import SystemClock
    from bot.imports.base import ImportRefused
    from bot.imports.formats import parse_export
    from bot.imports.store import store
    from bot.storage.engine import session_factory, writer_session_factory

    if args.user_id is None:
        raise CliError("--user-id is needed to import another app's journal")
    async with session_factory(engine)() as session:
        user = await _stored_user(session, args.user_id)
        zone, chat_id = user.timezone or "UTC", user.chat_id
    try:
        parsed = parse_export(raw, args.file.name, zone, kind=args.format)
    except ImportRefused as refused:
        raise CliError(f"cannot import {args.file}: {refused}") from None
    writer = writer_session_factory(engine)
    stored = await store(
        writer.begin,
        parsed,
        user_id=args.user_id,
        chat_id=chat_id,
        zone=zone,
        now=SystemClock().now(),
        # A running bot writes to the same file: leave it the lock between batches.
        between_batches=lambda: asyncio.sleep(0.05),
    )
    lines = [
        f"imported {len(parsed.entries)} {parsed.format} entries for user {args.user_id}: "
        f"added {stored.added} notes and {stored.photos} photos in {len(stored.weeks)} weeks; "
        f"already present {stored.present}"
    ]
    lines += [f"skipped {p.where}: {p.reason}" for p in parsed.problems]
    return "\n".join(lines)


async def _draft(
    session: AsyncSession, user_id: int, year: int, out: Path, include_private: bool
) -> Output:
    from zoneinfo import ZoneInfo

    from bot.clock import SystemClock
    from bot.reports.draft import compile_draft
    from bot.storage.journal import load_journal

    user = await _stored_user(session, user_id)
    journal = await load_journal(session, user)
    today = SystemClock().now().astimezone(ZoneInfo(journal.timezone)).date()
    markdown = compile_draft(
        journal, year, user.language, include_private=include_private, generated_on=today
    )
    return f"wrote the {year} draft of user {user_id} to {out}", markdown.encode()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def _data(args: argparse.Namespace) -> None:
    """``export``, ``import`` and ``draft``: only ``DATABASE_URL`` is needed, not Telegram."""
    settings = load_data_settings()
    configure_logging(settings.log_level, settings.secret_values())
    raw = _read(args.file) if args.command == "import" else None
    message, content = asyncio.run(_data_command(args, settings, raw))
    if content is not None:
        _write(args.out, content)
    print(message)


async def _read_status(database_url: str) -> Any:
    from bot import operations
    from bot.clock import SystemClock
    from bot.storage.engine import create_engine, sqlite_path

    path = sqlite_path(database_url)
    if path is not None and not path.exists():
        raise CliError(f"no database at {path}; check DATABASE_URL")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            session = AsyncSession(bind=connection)
            return await operations.read_status(session, SystemClock().now())
    finally:
        await engine.dispose()


def _ops(command: str) -> int:
    """``health`` (exit 0 or 1, one line) and ``status`` (a report)."""
    from bot import operations

    settings = load_data_settings()
    configure_logging(settings.log_level, settings.secret_values())
    try:
        status = asyncio.run(_read_status(settings.database_url))
    except CliError as exc:
        print(f"unhealthy: {exc}" if command == "health" else f"review-bot: {exc}")
        return EXIT_RUNTIME
    except Exception as exc:
        print(f"unhealthy: {describe(exc)}" if command == "health" else describe(exc))
        return EXIT_RUNTIME
    if command == "status":
        print(operations.render(status))
        return 0
    found = operations.problems(status, settings.scheduler_interval_seconds)
    if found:
        print("unhealthy: " + "; ".join(found))
        return EXIT_RUNTIME
    print("healthy")
    return 0


def _run(settings: Settings) -> None:
    from bot.app import build_application
    from bot.pipeline.serve import serve

    app = build_application(settings)
    asyncio.run(serve(app))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command in DATA_COMMANDS:
            _data(args)
            return 0
        if command in OPS_COMMANDS:
            return _ops(command)
        settings = load_settings()
        token = settings.telegram_bot_token.get_secret_value()
        secrets = [token, *settings.secret_values()]
        configure_logging(settings.log_level, secrets, hold_startup=command == "run")
        if command == "db":
            _on_database(settings.database_url, _db_upgrade(settings))
            print("database is up to date")
        else:
            _on_database(settings.database_url, _check_database(settings))
            _run(settings)
    except (CliError, KeyProblem) as exc:
        print(f"review-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:
        startup_failed()  # this one line replaces what was logged on the way
        print(f"review-bot: {describe(exc)}", file=sys.stderr)
        return EXIT_RUNTIME
    return 0


async def _settling(work: Coroutine[Any, Any, None]) -> None:
    """``work``; when it fails, the event loop lives a moment longer, so aiosqlite's worker
    thread can hand back the result of closing a connection that failed to open (else it
    prints a traceback from a closed loop next to the one clean line)."""
    try:
        await work
    except BaseException:
        await asyncio.sleep(0.2)
        raise


def _on_database(url: str, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work``; a failure to connect names the database and where it was looked for."""
    from sqlalchemy.exc import DBAPIError

    from bot.storage.engine import DatabaseError

    try:
        asyncio.run(_settling(work))
    except (DatabaseError, DBAPIError, KeyProblem):
        raise  # these already say it is the database (see describe)
    except OSError as exc:  # refused, unknown host, timed out (asyncpg raises these as they are)
        reason = exc.strerror or str(exc) or "failed"
        if isinstance(exc, TimeoutError):
            reason = "timed out"
        elif exc.errno is not None and exc.errno > 0:
            reason = os.strerror(exc.errno)
        raise DatabaseError(
            f"cannot reach the database at {_where(url)}: {reason[:1].lower()}{reason[1:]}"
        ) from exc
    except Exception as exc:  # e.g. asyncpg's InvalidPasswordError, raised unwrapped
        raise DatabaseError(f"the database at {_where(url)} failed: {_one_line(exc)}") from exc


def _where(url: str) -> str:
    """``host:port`` of a server database, the file of a SQLite one; never the password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    default_port = {"postgresql": 5432, "mysql": 3306}.get(parsed.get_backend_name())
    return f"{parsed.host or 'localhost'}:{parsed.port or default_port}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


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
    return _one_line(exc)


if __name__ == "__main__":
    sys.exit(main())
