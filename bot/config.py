"""Settings from the environment and ``.env``: the one place configuration is read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/weekly-review.sqlite3"
TOKEN_PATTERN = r"^\d{3,12}:[A-Za-z0-9_-]{30,64}$"
# Parts of the example token in .env.example (123456789:replace-with-your-token-from-botfather):
# it has the right shape, so without this check the mistake would surface only from Telegram.
PLACEHOLDER_TOKEN_PARTS = ("replace-with", "your-token")


class KeySettings(BaseSettings):
    """Where the master key and the keyring are (see :mod:`bot.crypto`); every command that
    opens the database reads these."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    encryption_key: SecretStr | None = None
    encryption_key_file: Path | None = None
    keyring_url: str = Field(default="", repr=False)  # may hold a password

    def secret_values(self) -> list[str]:
        """What a log line must never show: the master key, as given, and the keyring
        database's password."""
        key = self.encryption_key.get_secret_value().strip() if self.encryption_key else ""
        return [value for value in (key, url_password(self.keyring_url)) if value]

    @field_validator("encryption_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("encryption_key_file", mode="before")
    @classmethod
    def _empty_file_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("keyring_url")
    @classmethod
    def _usable_keyring_url(cls, value: str) -> str:
        return check_database_url(value) if value.strip() else ""


class Settings(KeySettings):
    """Everything the bot can be configured with; see ``.env.example`` for each variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    telegram_api_base_url: str = "https://api.telegram.org"
    allowed_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    scheduler_interval_seconds: float = Field(default=30.0, gt=0)
    # Webhook mode (several replicas on PostgreSQL): empty WEBHOOK_URL means long polling.
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, gt=0, lt=65536)
    webhook_path: str = "/telegram"
    # Prometheus /metrics on its own port; empty means off.
    metrics_port: int | None = Field(default=None, gt=0, lt=65536)
    metrics_listen: str = "127.0.0.1"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:

        token = value.get_secret_value().strip()
        if any(part in token.lower() for part in PLACEHOLDER_TOKEN_PARTS):
            raise ValueError(
                "is still the example from .env.example; put the token @BotFather gave you there"
            )
        if not re.match(TOKEN_PATTERN, token):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return SecretStr(token)

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("allowed_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be Telegram user ids separated by commas") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith("https://"):
            raise ValueError("must be an https:// URL (Telegram only posts to HTTPS)")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_or_none(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
                raise ValueError(
                    "must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
                    "(e.g. the output of: openssl rand -hex 32)"
                )
        return value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @property
    def bot_api_url(self) -> str:
        """Base URL PTB prefixes to ``<token>/<method>``."""
        return f"{self.telegram_api_base_url}/bot"

    @property
    def file_api_url(self) -> str:
        return f"{self.telegram_api_base_url}/file/bot"

    def is_allowed(self, user_id: int) -> bool:
        return not self.allowed_user_ids or user_id in self.allowed_user_ids

    def secret_values(self) -> list[str]:
        """What a log line must never show: the master key, the webhook's secret and the
        passwords in the database URLs (PTB logs ``setWebhook``'s parameters at DEBUG)."""
        found = super().secret_values()
        if self.webhook_secret is not None:
            found.append(self.webhook_secret.get_secret_value())
        return [*found, *filter(None, [url_password(self.database_url)])]

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        # Without it anyone who finds the URL can post updates as any user, a forged
        # "delete everything" tap included.
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_URL needs WEBHOOK_SECRET too (A-Z, a-z, 0-9, _ and -; e.g. the output "
                "of: openssl rand -hex 32), so that only Telegram can post updates"
            )
        return self


def check_database_url(value: str) -> str:
    """``value`` if it is a database URL with an async driver; else a ValueError saying why.

    A mistyped URL is a configuration error (exit code 2), found before anything starts. The
    message never repeats the URL: it may hold a password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(
            "is not a database URL; e.g. sqlite+aiosqlite:///./data/weekly-review.sqlite3"
        ) from None
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise ValueError(f"names an unknown database driver {url.drivername!r}") from None
    if not getattr(dialect, "is_async", False):
        raise ValueError(
            "needs an async driver: sqlite+aiosqlite:///path or "
            "postgresql+asyncpg://user:password@host/db"
        )
    return value.strip()


def url_password(url: str) -> str:
    """The password in a database URL as it appears there (``:password@``), or "", for the
    log redaction: in that form even a short one ("review") never matches ordinary words."""
    if not url.strip():
        return ""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url.strip()).password
    except Exception:  # an unusable URL is refused elsewhere, with its own message
        return ""
    return f":{password}@" if password else ""
