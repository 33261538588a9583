"""A lean start: the heavy chart libraries load only when a chart is drawn, and the log lines of
a start that fails give way to the one line that says why.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import log as bot_log
from bot.log import READY_LOGGER, READY_MESSAGE, configure_logging, startup_done, startup_failed

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "numpy", "PIL", "fontTools", "kiwisolver", "contourpy")


def loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_importing_the_application_loads_no_chart_library() -> None:
    assert loaded_after("import bot.app, bot.cli") == []


def test_drawing_a_chart_loads_them() -> None:
    """The check above would see them: drawing a chart does load matplotlib and numpy."""
    code = "from bot.reports.charts import energy_chart_png\nenergy_chart_png([], 'en', 't')"
    assert {"matplotlib", "numpy"} <= set(loaded_after(code))


# ---------------------------------------------------------------------------- held start-up logs


@pytest.fixture
def stream(restore_logging: None) -> Iterator[io.StringIO]:
    """What the production handler writes, set up as ``python -m bot run`` does at WARNING."""
    configure_logging("WARNING", [], hold_startup=True)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    logging.getLogger(READY_LOGGER).setLevel(logging.NOTSET)
    bot_log._startup_hold = None


def test_a_failed_start_drops_what_was_held(stream: io.StringIO) -> None:
    logging.getLogger("bot.ratelimit").warning("telegram_retry")
    logging.getLogger("telegram.ext").error("Network Retry Loop: Aborting")
    startup_failed()
    logging.getLogger("bot").warning("after the failure")
    assert stream.getvalue() == ""


def test_a_started_bot_writes_what_was_held_in_order(stream: io.StringIO) -> None:
    logging.getLogger("bot.ratelimit").warning("first")
    logging.getLogger("bot.ratelimit").info("below the level")
    assert stream.getvalue() == ""
    logging.getLogger(READY_LOGGER).info(READY_MESSAGE)  # what bot.app logs once it is up
    logging.getLogger("bot.jobs").warning("second")
    lines = stream.getvalue().splitlines()
    assert [line.split(" ", 3)[3] for line in lines] == ["first", "second"]  # INFO stays out


def test_startup_done_releases_too(stream: io.StringIO) -> None:
    logging.getLogger("bot").warning("held")
    startup_done()
    assert "held" in stream.getvalue()


def test_under_debug_a_failed_start_shows_what_happened(restore_logging: None) -> None:
    configure_logging("DEBUG", [], hold_startup=True)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    logging.getLogger("telegram.ext").debug("Calling Bot API endpoint `getMe`")
    startup_failed()
    assert "getMe" in buffer.getvalue()
    bot_log._startup_hold = None
