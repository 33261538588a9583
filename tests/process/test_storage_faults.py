"""The database refusing writes for a while loses no note and acknowledges none unstored.

* A held write lock: another connection keeps SQLite's write lock (``BEGIN IMMEDIATE``) for
  30 s, far past the bot's busy timeout; on PostgreSQL it holds ``LOCK TABLE … IN EXCLUSIVE
  MODE`` on every table, so writes wait and reads go on, as under SQLite's WAL.
* A full disk (SQLite): the bot process's file-size limit (``RLIMIT_FSIZE``) is lowered to one
  byte from outside with ``prlimit``, so every write of the process to a file fails
  (``EFBIG``; SQLite reports "disk I/O error") until the limit is raised again. Unlike a
  small tmpfs this needs no mount privilege, and unlike a tmpfs filled to the brim it fails
  every write at once, even into space SQLite's WAL already holds. Python ignores SIGXFSZ, so
  the process lives on. Its output goes through a pipe meanwhile (the log file is a file too).

While the fault lasts every acknowledgement is checked against the database at the moment it
reaches the server; afterwards the bot must catch up by itself: every note stored once and
acknowledged, every update confirmed.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from tests.fakes.http_api import LoopbackBotAPI
from tests.process.harness import (
    AckWatch,
    BotProcess,
    NoteDatabase,
    Notes,
    WriteLock,
    drain,
    running_bot,
    sqlite_file,
    users,
    verdict,
)

USERS = users(10)


def judge(
    api: LoopbackBotAPI,
    db: NoteDatabase,
    notes: Notes,
    watch: AckWatch,
    outcome: str,
    code: int | None,
    bot: BotProcess,
) -> None:
    found = verdict(api, db, notes)
    report = (
        f"drain: {outcome}; exit code on SIGINT: {code}\n{found.summary()}\n"
        f"acknowledged before stored: {watch.unstored[:8]} (of {watch.checked} checked)\n"
        f"{bot.tail(3000)}"
    )
    assert not watch.unstored, report
    assert not found.lost, report
    assert not found.duplicated, report
    assert not found.wrong_text, report
    assert not found.unacknowledged, report
    assert found.pending == 0, report
    assert code == 0, report


def test_a_write_lock_held_for_30_seconds_loses_no_note(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    watch = AckWatch(api, db)
    notes = Notes(api)
    with running_bot(api, database_url, workdir) as bot:
        notes.send(USERS, 1, "before")  # the bot is working when the lock is taken
        lock = WriteLock(database_url)
        lock.acquire()
        try:
            for wave in range(3):
                notes.send(USERS, 2, f"locked{wave + 1}")
                bot.stay_alive_for(10)
        finally:
            lock.release()
        notes.send(USERS, 1, "after")
        outcome = drain(api, bot, notes, timeout=60)
        code = bot.interrupt() if bot.alive else bot.returncode
        judge(api, db, notes, watch, outcome, code, bot)


def test_a_full_disk_loses_no_note(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    if sqlite_file(database_url) is None:
        pytest.skip("a full disk is simulated for SQLite only (PostgreSQL writes on its server)")
    watch = AckWatch(api, db)
    notes = Notes(api)
    with running_bot(api, database_url, workdir, log_through_pipe=True) as bot:
        notes.send(USERS, 1, "before")
        unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
        try:
            for wave in range(2):
                notes.send(USERS, 2, f"full{wave + 1}")
                bot.stay_alive_for(10)
        finally:
            if bot.alive:
                resource.prlimit(bot.pid, resource.RLIMIT_FSIZE, unlimited)
        notes.send(USERS, 1, "after")
        outcome = drain(api, bot, notes, timeout=60)
        code = bot.interrupt() if bot.alive else bot.returncode
        judge(api, db, notes, watch, outcome, code, bot)
