"""Column types shared by the models: timestamps that are always timezone-aware UTC."""

from __future__ import annotations

import datetime as dtm
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dtm.datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as naive
    UTC there and made aware again on the way out. Naive input is a bug and is rejected.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dtm.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dtm.datetime) or value.tzinfo is None:
            raise ValueError(f"UTCDateTime needs an aware datetime, got {value!r}")
        utc: dtm.datetime = value.astimezone(dtm.UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dtm.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dtm.datetime)
        stored: dtm.datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=dtm.UTC)
        return stored.astimezone(dtm.UTC)
