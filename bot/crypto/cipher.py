"""Sealing one value with AES-256-GCM: a fresh nonce, the key's id, and data that names the row.

A sealed value reads ``wrb1.<key id>.<nonce + ciphertext + tag, base64url>`` (text columns and
JSON) or the same bytes unencoded (binary columns). The associated data binds it to one column
of one row of one user, and to its key: moved anywhere else, it fails to open instead of
showing the wrong words.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "wrb1"
PREFIX = VERSION + "."
PREFIX_BYTES = PREFIX.encode()
NONCE_BYTES = 12
KEY_BYTES = 32  # AES-256

__all__ = ["AESGCM", "Unreadable", "associated_data", "is_sealed", "key_id_of"]


class Unreadable(Exception):
    """A sealed value that cannot be opened: its key was destroyed, or it was tampered with
    or moved to another row. The message names the row, never its contents."""


def associated_data(table: str, column: str, user_id: int | None, row: str) -> bytes:
    """What binds a sealed value to its place: table, column, user and the row's identity."""
    return f"{table}\x1f{column}\x1f{user_id}\x1f{row}".encode()


def is_sealed(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith(PREFIX)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value[: len(PREFIX_BYTES)]) == PREFIX_BYTES
    return False


def key_id_of(value: str | bytes) -> str:
    """The id of the data key a sealed value needs."""
    raw = value.encode() if isinstance(value, str) else bytes(value)
    if not raw.startswith(PREFIX_BYTES):
        raise Unreadable("not a sealed value")
    key_id, dot, _ = raw[len(PREFIX_BYTES) :].partition(b".")
    if not dot or not key_id:
        raise Unreadable("a sealed value without a key id")
    return key_id.decode("ascii", "replace")


def _aad(key_id: str, aad: bytes) -> bytes:
    return key_id.encode() + b"\x1e" + aad


def seal_bytes(key: AESGCM, key_id: str, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.encrypt(nonce, data, _aad(key_id, aad))
    return PREFIX_BYTES + key_id.encode() + b"." + nonce + sealed


def open_bytes(key: AESGCM, value: bytes, aad: bytes) -> bytes:
    key_id = key_id_of(value)
    body = bytes(value)[len(PREFIX_BYTES) + len(key_id) + 1 :]
    nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
    try:
        return key.decrypt(nonce, sealed, _aad(key_id, aad))
    except (InvalidTag, ValueError):
        raise Unreadable("a sealed value does not open with its key here") from None


def seal_text(key: AESGCM, key_id: str, text: str, aad: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.encrypt(nonce, text.encode(), _aad(key_id, aad))
    return f"{PREFIX}{key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_text(key: AESGCM, value: str, aad: bytes) -> str:
    key_id = key_id_of(value)
    body = value[len(PREFIX) + len(key_id) + 1 :]
    try:
        raw = base64.urlsafe_b64decode(body)
    except ValueError:
        raise Unreadable("a sealed value is damaged") from None
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        return key.decrypt(nonce, sealed, _aad(key_id, aad)).decode()
    except (InvalidTag, ValueError):
        raise Unreadable("a sealed value does not open with its key here") from None


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)
