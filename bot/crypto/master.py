"""The operator's master key: it wraps every user's data key and never enters the database.

It comes from ``ENCRYPTION_KEY`` (base64 of 32 random bytes) or from ``ENCRYPTION_KEY_FILE``
(a file holding the same, which also suits Docker and systemd secrets). Without either, the
bot uses ``encryption.key`` beside the SQLite database, and creates it (mode 0600) on the
first start. Lose the key and every sealed word is lost with it: there is no way back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from bot.crypto import cipher

DEFAULT_KEY_FILE_NAME = "encryption.key"


class KeyProblem(Exception):
    """The master key is missing, unreadable or not the one the data keys were wrapped with.
    The message is one line for the operator and never contains key material."""


class MasterKey:
    """Wraps and unwraps data keys (AES-256-GCM; the key's id is the associated data)."""

    def __init__(self, secret: bytes, source: str) -> None:
        if len(secret) != cipher.KEY_BYTES:
            raise KeyProblem(f"{source} must hold 32 bytes in base64; it holds {len(secret)}")
        self._aead = cipher.AESGCM(secret)
        self.source = source
        # Names the key in the keyring without revealing it: which key wrapped which data key.
        self.fingerprint = hmac.new(secret, b"weekly-review-bot master key", hashlib.sha256)
        self.fingerprint_hex = self.fingerprint.hexdigest()[:16]

    def wrap(self, key_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(cipher.NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, b"data key " + key_id.encode())

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        nonce, body = wrapped[: cipher.NONCE_BYTES], wrapped[cipher.NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, b"data key " + key_id.encode())
        except (InvalidTag, ValueError):
            raise KeyProblem(
                f"the encryption key from {self.source} does not open data key {key_id}"
            ) from None


def parse_key(text: str, source: str) -> bytes:
    """The 32 bytes that ``text`` encodes (base64, standard or URL-safe, padding optional)."""
    value = "".join(text.split())
    value += "=" * (-len(value) % 4)
    try:
        secret = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise KeyProblem(
            f"{source} is not base64 (make one with: openssl rand -base64 32)"
        ) from None
    if len(secret) != cipher.KEY_BYTES:
        raise KeyProblem(f"{source} must hold 32 bytes in base64; it holds {len(secret)}")
    return secret


def encode_key(secret: bytes) -> str:
    return base64.b64encode(secret).decode()


def read_key_file(path: Path) -> MasterKey:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyProblem(f"ENCRYPTION_KEY_FILE {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a key"
        raise KeyProblem(f"cannot read the encryption key file {path}: {reason}") from None
    return MasterKey(parse_key(text, f"the key file {path}"), f"the key file {path}")


def write_new_key_file(path: Path, *, exist_ok: bool = False) -> MasterKey:
    """Create ``path`` (mode 0600, never overwriting) with a new random key. With
    ``exist_ok``, a file another process made meanwhile is read instead."""
    secret = cipher.new_data_key()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if not exist_ok:
            raise KeyProblem(f"{path} exists already; it is not overwritten") from None
        return read_key_file(path)
    except OSError as exc:
        raise KeyProblem(f"cannot create the encryption key file {path}: {exc.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(encode_key(secret) + "\n")
        file.flush()
        os.fsync(file.fileno())
    # The folder too: keys wrapped with this one are committed next, and a power cut must
    # not leave them with a key file whose name was never written to disk.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return MasterKey(secret, f"the key file {path}")
