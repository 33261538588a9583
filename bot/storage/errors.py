"""Which database errors pass by themselves (a lock, a full disk, a lost connection)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError


class StillBusy(Exception):
    """The database could not finish a piece of upkeep now (readers held it up); a later
    attempt will."""


def is_transient(exc: BaseException) -> bool:
    """True for failures that a later attempt can get past; the data is then tried again."""
    if isinstance(exc, OperationalError | TimeoutError | ConnectionError | OSError | StillBusy):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    name = type(getattr(exc, "orig", exc)).__name__
    return name in {
        "SerializationError",
        "DeadlockDetectedError",
        "InterfaceError",
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "TooManyConnectionsError",
    }
