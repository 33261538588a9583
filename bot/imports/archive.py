"""Opening a ZIP someone sent, safely: refused whole, or read with every member checked.

A ZIP is refused, with one line saying why and nothing read, when it has

* a member name that is absolute, climbs out (``..``) or holds a drive letter or a backslash
  path (``C:\\x``, ``..\\x``);
* a symbolic link member (Unix mode bits in ``external_attr``);
* more than :data:`MAX_MEMBERS` members;
* more than :data:`MAX_TOTAL_BYTES` uncompressed in all, or one member that expands more
  than :data:`MAX_RATIO` times (a ZIP bomb). Sizes are checked from the central directory
  first and again while reading, since the directory can lie.

Nothing is extracted to disk: members are read into memory, up to those limits.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import PurePosixPath

from bot.imports.base import ImportRefused

MAX_MEMBERS = 5_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed
MAX_RATIO = 200  # uncompressed / compressed, per member of more than a megabyte
_CHUNK = 1024 * 1024


def is_zip(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04" or content[:4] == b"PK\x05\x06"


def _safe_name(name: str) -> bool:
    if not name or "\\" in name or name.startswith("/") or ":" in name.split("/")[0]:
        return False
    return ".." not in PurePosixPath(name).parts


def read_zip(content: bytes) -> dict[str, bytes]:
    """The ZIP's files by name (folders left out); :class:`ImportRefused` when unsafe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused("bad_zip", detail=str(exc)) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ImportRefused(
                "too_many_files", count=f"{len(members):,}", most=f"{MAX_MEMBERS:,}"
            )
        total = 0
        for member in members:
            if not _safe_name(member.filename):
                raise ImportRefused("unsafe_name", name=repr(member.filename))
            mode = member.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ImportRefused("symlink", name=repr(member.filename))
            total += member.file_size
            if _bomb(member.file_size, member.compress_size) or total > MAX_TOTAL_BYTES:
                raise _too_big()
        files: dict[str, bytes] = {}
        read = 0
        for member in members:
            if member.is_dir():
                continue
            chunks = []
            size = 0
            try:
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        read += len(chunk)
                        size += len(chunk)
                        chunks.append(chunk)
                        if read > MAX_TOTAL_BYTES or _bomb(size, member.compress_size):
                            raise _too_big()
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise ImportRefused("damaged", name=member.filename, detail=str(exc)) from None
            except NotImplementedError:
                raise ImportRefused("compression", name=member.filename) from None
            except RuntimeError:  # zipfile: "File … is encrypted, password required"
                raise ImportRefused("encrypted", name=member.filename) from None
            files[member.filename] = b"".join(chunks)
        return files


def _bomb(size: int, compressed: int) -> bool:
    return size > _CHUNK and size > MAX_RATIO * max(compressed, 1)


def _too_big() -> ImportRefused:
    return ImportRefused("zip_bomb", mb=MAX_TOTAL_BYTES // (1024 * 1024), ratio=MAX_RATIO)
