"""Logging: one structured line per event, no user content at INFO, and never the bot token."""

from __future__ import annotations

import logging
import time
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


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


def configure_logging(level: str, secrets: list[str]) -> None:
    """Set up the root logger once; quiet the libraries that would log request URLs."""
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for name in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
