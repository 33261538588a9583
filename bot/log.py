"""Logging: one structured line per event, no user content at INFO, and never the bot token."""

from __future__ import annotations

import logging
import time
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "always",  # StartupHold's mark, not a field of the event
}


SKIPPED_TICK = 'Execution of job "%s" skipped: maximum number of running instances reached'
"""APScheduler's format for a run that came round while the job's last run still goes."""


class SkippedTickFilter(logging.Filter):
    """APScheduler warns each time the scheduler's tick comes round while the last one still
    runs, as during a large fan-out. Skipping is what the job asks for (``max_instances=1``;
    the next tick does what is due), so the line is DEBUG, not one WARNING per interval."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("apscheduler") and str(record.msg).startswith(SKIPPED_TICK):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


class RedactingFilter(logging.Filter):
    """Replaces every occurrence of the secrets in a record's final text with ``***``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self._secrets:
            message = message.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        record.msg, record.args = message, None
        for key, value in list(record.__dict__.items()):
            if key in _RESERVED:
                continue
            text = str(value)
            if any(secret in text for secret in self._secrets):
                for secret in self._secrets:
                    text = text.replace(secret, "***")
                record.__dict__[key] = text
        return True


class KeyValueFormatter(logging.Formatter):
    """``2026-11-21T13:00:00Z INFO bot.notes note_saved user=42 week=2026-W47`` (UTC).

    Newlines are escaped, so one event is always one line and logged text cannot forge lines.
    """

    converter = time.gmtime  # type: ignore[assignment]  # typeshed: gmtime takes an optional float

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in record.__dict__.items() if k not in _RESERVED}
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ")
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        line = f"{stamp} {record.levelname} {record.name} {message}"
        if fields:
            line += " " + " ".join(f"{k}={_fmt(v)}" for k, v in sorted(fields.items()))
        if record.exc_info or record.exc_text:
            text = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
            line += " exc=" + repr(text)
        return line


def _fmt(value: Any) -> str:
    text = str(value)
    return repr(text) if (not text or any(ch.isspace() for ch in text)) else text


# The line every successful start logs (bot.app, once the database and Telegram answered).
READY_LOGGER, READY_MESSAGE = "bot.app", "started"


class StartupHold(logging.Filter):
    """Holds log records back while the bot starts.

    A start that fails (Telegram or the database unreachable) ends in exactly one line from the
    command line (:mod:`bot.cli`), so the retries and library errors logged on the way are
    dropped then (or printed, under ``LOG_LEVEL=DEBUG``). Once the bot logs that it started
    (:data:`READY_MESSAGE`, or :func:`startup_done` is called) the held records are written in
    order and later ones pass straight through.
    """

    LIMIT = 1000  # a start that logs more than this is printed as it goes

    def __init__(self, handler: logging.Handler, level: int) -> None:
        super().__init__()
        self._handler = handler
        self._level = level
        self._held: list[logging.LogRecord] | None = []

    def filter(self, record: logging.LogRecord) -> bool:
        wanted = record.levelno >= self._level
        if self._held is None:
            return wanted
        if record.name == READY_LOGGER and record.getMessage() == READY_MESSAGE:
            self.release()
            return wanted
        if wanted:
            self._held.append(record)
        if len(self._held) > self.LIMIT:
            self.release()
        return False

    def release(self) -> None:
        """Write the held records and stop holding."""
        held, self._held = self._held or [], None
        logging.getLogger(READY_LOGGER).setLevel(logging.NOTSET)
        for record in held:
            self._handler.handle(record)

    def discard(self) -> None:
        """Forget the held records, except those marked ``always`` (a new encryption key's
        "copy it somewhere safe": no later start says it again); later ones are held (and
        forgotten) too."""
        kept = [record for record in self._held or [] if getattr(record, "always", False)]
        self._held = None  # not holding while they go through the handler's filters
        for record in kept:
            self._handler.handle(record)
        self._held = []


_startup_hold: StartupHold | None = None


def startup_done() -> None:
    """The bot is up: write what was held back during start-up (see :class:`StartupHold`)."""
    if _startup_hold is not None:
        _startup_hold.release()


def startup_failed() -> None:
    """Start-up failed and the caller says so in one line: drop what was held, unless DEBUG."""
    if _startup_hold is not None:
        if logging.getLogger().level <= logging.DEBUG:
            _startup_hold.release()
        else:
            _startup_hold.discard()


def configure_logging(level: str, secrets: list[str], *, hold_startup: bool = False) -> None:
    """Set up the root logger once; quiet the libraries that would log request URLs.

    With ``hold_startup`` the records logged before the bot has started are held back (see
    :class:`StartupHold`).
    """
    global _startup_hold
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(SkippedTickFilter())
    handler.addFilter(RedactingFilter(secrets))
    _startup_hold = None
    if hold_startup:
        threshold = logging.getLevelNamesMapping()[level]
        _startup_hold = StartupHold(handler, threshold)
        handler.addFilter(_startup_hold)
        # The ready line is INFO: let it reach the filter whatever LOG_LEVEL is.
        logging.getLogger(READY_LOGGER).setLevel(min(logging.INFO, threshold))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for name in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
