"""Telegram failing or slow on the way out loses no note and acknowledges none twice.

Notes arrive while every output method (sends, reactions, edits, deletions) answers 500, gets
no answer until the bot's HTTP client gives up on it, or is answered 12 s late. Storing a note
must not depend on the acknowledgement going out: every note is stored once, and acknowledged
once Telegram recovers. A request that was slow but succeeded took effect, so sending it again
would acknowledge the note twice: no note may have two reactions, or two replies.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes.http_api import LoopbackBotAPI
from tests.process.harness import (
    AckWatch,
    BotProcess,
    NoteDatabase,
    Notes,
    Verdict,
    drain,
    running_bot,
    users,
    verdict,
)

USERS = users(10)


def run_through_fault(
    api: LoopbackBotAPI,
    bot: BotProcess,
    notes: Notes,
    *,
    window: float,
    waves: int,
    drain_timeout: float,
) -> tuple[str, int | None]:
    """Send ``waves`` waves of notes spread over the fault ``window``, then let it drain."""
    step = window / waves
    for wave in range(waves):
        notes.send(USERS, 1, f"w{wave + 1}")
        bot.stay_alive_for(step)
    outcome = drain(api, bot, notes, timeout=drain_timeout)
    code = bot.interrupt() if bot.alive else bot.returncode
    return outcome, code


def check(found: Verdict, watch: AckWatch, outcome: str, code: int | None, tail: str) -> None:
    twice = {k: n for k, n in found.reactions.items() if n > 1}
    replied_twice = {k: n for k, n in found.replies.items() if n > 1}
    report = (
        f"drain: {outcome}; exit code on SIGINT: {code}\n{found.summary()}\n"
        f"notes with two or more reactions: {dict(list(twice.items())[:8])}\n"
        f"notes replied to twice or more: {dict(list(replied_twice.items())[:8])}\n"
        f"acknowledged before stored: {watch.unstored[:8]} (of {watch.checked} checked)\n"
        f"{tail}"
    )
    assert not found.lost, report
    assert not found.duplicated, report
    assert not found.wrong_text, report
    assert not watch.unstored, report
    assert not found.unacknowledged, report
    assert not twice, report
    assert not replied_twice, report
    assert found.pending == 0, report
    assert code == 0, report


def test_a_minute_of_500s_from_telegram_loses_no_note(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    watch = AckWatch(api, db)
    notes = Notes(api)
    with running_bot(api, database_url, workdir) as bot:
        fault = api.fail(seconds=60)
        outcome, code = run_through_fault(api, bot, notes, window=60, waves=6, drain_timeout=50)
        tail = bot.tail(3000)
    assert fault.hits > 0, "the bot sent nothing during the window"
    check(verdict(api, db, notes), watch, outcome, code, tail)


def test_answers_held_past_the_client_timeout_lose_no_note(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    watch = AckWatch(api, db)
    notes = Notes(api)
    with running_bot(api, database_url, workdir) as bot:
        # Every output request arriving in the next 10 s gets no answer until the bot's HTTP
        # client gives up on it (whatever its timeout), and has no effect.
        fault = api.hang(seconds=10, until_client_gives_up=True, cap=90)
        outcome, code = run_through_fault(api, bot, notes, window=10, waves=2, drain_timeout=80)
        tail = bot.tail(3000)
    assert fault.hits > 0, "the bot sent nothing during the window"
    assert fault.abandoned > 0, (
        f"the bot never gave up on a request held for up to 90 s ({fault.hits} held)\n{tail}"
    )
    check(verdict(api, db, notes), watch, outcome, code, tail)


def test_a_slow_but_successful_acknowledgement_is_not_repeated(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    watch = AckWatch(api, db)
    notes = Notes(api)
    with running_bot(api, database_url, workdir) as bot:
        # Every output request arriving in the next 15 s takes effect at once but is answered
        # only 12 s later.
        fault = api.delay(by=12, seconds=15)
        outcome, code = run_through_fault(api, bot, notes, window=15, waves=2, drain_timeout=50)
        tail = bot.tail(3000)
    assert fault.hits > 0, "the bot sent nothing during the window"
    check(verdict(api, db, notes), watch, outcome, code, tail)
