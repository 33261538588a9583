"""The scheduler keeps ticking cleanly while 200 users send 2,000 notes at once.

With ``SCHEDULER_INTERVAL_SECONDS=1`` the scheduler's database work interleaves with the
burst. Nothing may hold the database long enough for the other side to give up: the log never
says "database is locked", and no tick (nor anything else) logs an error or a traceback. The
burst itself is stored and acknowledged completely, within Telegram's flood limits.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes.http_api import LoopbackBotAPI
from tests.process.harness import (
    BAD_LINE,
    LOCKED,
    AckWatch,
    NoteDatabase,
    Notes,
    drain,
    problem_lines,
    running_bot,
    users,
    verdict,
)

USERS = users(200)
PER_USER = 10


def test_scheduler_ticks_through_a_2000_note_burst_without_lock_errors(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    watch = AckWatch(api, db)
    notes = Notes(api)
    with running_bot(api, database_url, workdir, SCHEDULER_INTERVAL_SECONDS="1") as bot:
        notes.send(USERS, PER_USER, "burst")
        outcome = drain(api, bot, notes, timeout=110)
        code = bot.interrupt() if bot.alive else bot.returncode
        output = bot.output()
        tail = bot.tail(3000)

    found = verdict(api, db, notes)
    locked = problem_lines(output, LOCKED)
    errors = problem_lines(output, BAD_LINE)
    report = (
        f"drain: {outcome}; exit code on SIGINT: {code}\n{found.summary()}\n"
        f"busiest second: {api.max_per_window(1.0)} requests "
        f"({api.max_per_window(1.0, include_rejected=True)} with the 429s)\n"
        f"'database is locked' lines: {locked}\nerror lines: {errors}\n"
        f"acknowledged before stored: {watch.unstored[:8]} (of {watch.checked} checked)\n"
        f"{tail}"
    )
    assert found.sent == len(USERS) * PER_USER
    assert not locked, report
    assert not errors, report
    assert not found.lost, report
    assert not found.duplicated, report
    assert not found.wrong_text, report
    assert not watch.unstored, report
    assert not found.unacknowledged, report
    assert found.pending == 0, report
    assert code == 0, report
    # Paced below Telegram's limits: a 429 now and then is tolerable, a habit is not.
    assert found.too_many_requests <= found.sent // 100, report
