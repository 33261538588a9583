"""A bot killed with SIGKILL in the middle of a burst loses nothing.

Telegram only forgets an update once a later getUpdates passes an ``offset`` beyond it. A bot
that moves the offset on before the note is committed loses every note it had fetched but not
stored when the process dies; one that commits first only ever handles a note twice, and the
unique (chat_id, message_id) keeps that to one row.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes.http_api import LoopbackBotAPI
from tests.process.harness import (
    AckWatch,
    BotProcess,
    NoteDatabase,
    Notes,
    drain,
    outputs,
    users,
    verdict,
    wait_for_outputs,
)

USERS = users(20)
WAVES = (13, 12, 13, 12)  # notes per user in each wave: 1,000 notes, 50 per user


def test_two_sigkills_mid_burst_lose_no_note(
    api: LoopbackBotAPI, database_url: str, db: NoteDatabase, workdir: Path
) -> None:
    watch = AckWatch(api, db)
    notes = Notes(api)
    bot = BotProcess(api, database_url, workdir)
    try:
        bot.start()
        bot.wait_polling()
        notes.send(USERS, WAVES[0], "w1")
        first_kill_at = wait_for_outputs(api, bot, 150, timeout=40)
        seen_before_first_kill = outputs(api)
        bot.kill()

        notes.send(USERS, WAVES[1], "w2")  # arrives while the bot is down
        bot.start()
        bot.wait_polling()
        notes.send(USERS, WAVES[2], "w3")
        second_kill_at = wait_for_outputs(api, bot, 500, timeout=60)
        seen_before_second_kill = outputs(api)
        bot.kill()

        notes.send(USERS, WAVES[3], "w4")
        bot.start()
        bot.wait_polling()
        outcome = drain(api, bot, notes, timeout=90)
        code = bot.interrupt() if bot.alive else bot.returncode
    finally:
        bot.close()

    found = verdict(api, db, notes)
    report = (
        f"kills after {seen_before_first_kill} and {seen_before_second_kill} outputs "
        f"(thresholds reached: {first_kill_at}, {second_kill_at}); drain: {outcome}; "
        f"exit code on SIGINT: {code}\n{found.summary()}\n"
        f"acknowledged before stored: {watch.unstored[:8]} (of {watch.checked} checked)\n"
        f"{bot.tail(3000)}"
    )
    assert found.sent == 1000
    assert not found.lost, report
    assert not found.duplicated, report
    assert not found.wrong_text, report
    assert not found.unacknowledged, report
    assert not watch.unstored, report
    assert found.pending == 0, report  # every update confirmed
    assert code == 0, report
    assert not api.observer_errors, api.observer_errors
