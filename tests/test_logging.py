"""Logging: one key=value line per event, and the bot token never reaches the output.

The production set-up (:func:`bot.log.configure_logging`) is installed for real, with its
handler writing to a buffer; a fixture puts pytest's own logging back afterwards.
"""

from __future__ import annotations

import ast
import datetime as dtm
import inspect
import io
import logging
import re

import pytest

from bot.log import SKIPPED_TICK, KeyValueFormatter, RedactingFilter, configure_logging
from tests.conftest import TOKEN, BotFactory

LINE = re.compile(
    r"^(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d{4}))"
    r" (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL)"
    r" (?P<logger>[\w.]+)"
    r" (?P<rest>.*)$"
)


class Recorder(logging.Handler):
    """Keeps every record as it was created (before any redaction), at every level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def handle(self, record: logging.LogRecord) -> bool:
        # A snapshot: the production filter rewrites msg/args of the shared record later.
        snapshot = logging.makeLogRecord(record.__dict__)
        snapshot.message = record.getMessage()
        self.records.append(snapshot)
        return True

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - handle() is used
        pass


def record_text(record: logging.LogRecord) -> str:
    """Everything a formatter could print for ``record``: message, extras and traceback."""
    parts = [str(getattr(record, "message", "")) or record.getMessage()]
    parts.extend(str(value) for value in record.__dict__.values())
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
def output(restore_logging: None) -> io.StringIO:
    """What the production handler writes, with the bot token as the secret, at DEBUG."""
    configure_logging("DEBUG", [TOKEN])
    buffer = io.StringIO()
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    return buffer


def lines(buffer: io.StringIO) -> list[str]:
    return buffer.getvalue().splitlines()


# ---------------------------------------------------------------------------- format


def test_an_event_is_one_key_value_line(output: io.StringIO) -> None:
    logging.getLogger("bot.notes").info("note_saved", extra={"user": 42, "week": "2026-W47"})
    [line] = lines(output)
    match = LINE.match(line)
    assert match, line
    assert match["level"] == "INFO"
    assert match["logger"] == "bot.notes"
    assert match["rest"] == "note_saved user=42 week=2026-W47"


def test_the_timestamp_is_the_events_time_with_its_offset(output: io.StringIO) -> None:
    before = dtm.datetime.now(dtm.UTC).replace(microsecond=0)
    logging.getLogger("bot").warning("flood_wait")
    after = dtm.datetime.now(dtm.UTC)
    match = LINE.match(lines(output)[0])
    assert match
    stamp = dtm.datetime.strptime(match["stamp"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    assert before <= stamp <= after


def test_values_with_spaces_are_quoted(output: io.StringIO) -> None:
    logging.getLogger("bot").warning("send_rejected", extra={"reason": "chat not found", "x": ""})
    [line] = lines(output)
    assert "reason='chat not found'" in line
    assert "x=''" in line


def test_levels_below_the_configured_one_are_dropped(restore_logging: None) -> None:
    configure_logging("WARNING", [TOKEN])
    buffer = io.StringIO()
    logging.getLogger().handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    logging.getLogger("bot").info("started")
    logging.getLogger("bot").warning("flood_wait")
    assert [line.split(" ")[1] for line in lines(buffer)] == ["WARNING"]


def test_configuring_twice_keeps_one_handler(output: io.StringIO) -> None:
    configure_logging("INFO", [TOKEN])
    assert len(logging.getLogger().handlers) == 1


def test_an_exception_stays_on_the_events_line(output: io.StringIO) -> None:
    try:
        raise RuntimeError("database is locked")
    except RuntimeError:
        logging.getLogger("bot").exception("handler_error", extra={"user": 7})
    [line] = lines(output)
    assert "handler_error" in line
    assert "user=7" in line
    assert "RuntimeError: database is locked" in line
    assert "Traceback" in line


def test_a_message_with_a_newline_stays_one_line(output: io.StringIO) -> None:
    """A forged newline must not start a fake log line (and grep must see one event)."""
    logging.getLogger("bot").warning("unknown_setup_button %s", "x\n2026-01-01T00:00:00Z INFO ok")
    assert len(lines(output)) == 1


def test_an_extra_value_with_a_newline_stays_one_line(output: io.StringIO) -> None:
    logging.getLogger("bot").warning("unknown_setup_button", extra={"data": "st:tz\nforged"})
    assert len(lines(output)) == 1


# ---------------------------------------------------------------------------- the token


def test_token_in_the_message_is_redacted(output: io.StringIO) -> None:
    logging.getLogger("telegram.ext").info(f"GET https://api.telegram.org/bot{TOKEN}/getMe")
    text = output.getvalue()
    assert TOKEN not in text
    assert "https://api.telegram.org/bot***/getMe" in text


def test_token_in_an_argument_is_redacted(output: io.StringIO) -> None:
    logging.getLogger("bot").info("calling %s with %r", f"/bot{TOKEN}/getUpdates", {"t": TOKEN})
    text = output.getvalue()
    assert TOKEN not in text
    assert "/bot***/getUpdates" in text


def test_token_in_an_extra_value_is_redacted(output: io.StringIO) -> None:
    logging.getLogger("bot").warning("request_failed", extra={"url": f"/bot{TOKEN}/getMe"})
    text = output.getvalue()
    assert TOKEN not in text
    assert "request_failed" in text


def test_token_in_an_exception_traceback_is_redacted(output: io.StringIO) -> None:
    def call_api() -> None:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")

    try:
        try:
            call_api()
        except ConnectionError as inner:
            raise RuntimeError(f"retry failed for token {TOKEN}") from inner
    except RuntimeError:
        logging.getLogger("bot").exception("handler_error")
    text = output.getvalue()
    assert TOKEN not in text
    assert "ConnectionError" in text
    assert "RuntimeError" in text


def test_token_in_an_exception_passed_as_exc_info_is_redacted(output: io.StringIO) -> None:
    """How the bot's error handler logs: ``exc_info=context.error``, outside ``except``."""
    error = ValueError(f"bad token {TOKEN}")
    logging.getLogger("bot.handlers.misc").error("handler_error", exc_info=error)
    text = output.getvalue()
    assert TOKEN not in text
    assert "ValueError" in text


def test_token_in_stack_info_is_not_printed(output: io.StringIO) -> None:
    token = TOKEN  # a local variable: stack_info shows source lines, never values

    logging.getLogger("bot").info("with_stack %s", token, stack_info=True)
    assert TOKEN not in output.getvalue()


def test_every_secret_is_redacted_and_empty_ones_are_ignored() -> None:
    record = logging.LogRecord(
        "bot", logging.INFO, __file__, 1, "a=%s b=%s", ("s3cr3t", "pw"), None
    )
    assert RedactingFilter(["s3cr3t", "pw", ""]).filter(record)
    assert record.getMessage() == "a=*** b=***"


def test_no_secrets_leaves_records_alone() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "a=%s", ("x",), None)
    assert RedactingFilter([]).filter(record)
    assert KeyValueFormatter().format(record).endswith(" INFO bot a=x")


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING", "ERROR"])
def test_http_client_loggers_are_quiet(restore_logging: None, level: str) -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    configure_logging(level, [TOKEN])
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.connection"):
        logger = logging.getLogger(name)
        assert logger.getEffectiveLevel() >= logging.WARNING, name
        assert not logger.isEnabledFor(logging.INFO), name


def test_a_request_url_logged_by_httpx_is_not_written(output: io.StringIO) -> None:
    logging.getLogger("httpx").info(
        'HTTP Request: POST https://api.telegram.org/bot%s/getUpdates "HTTP/1.1 200 OK"', TOKEN
    )
    assert output.getvalue() == ""


def _skipped_tick() -> None:
    """What APScheduler logs when the tick comes round while the last one still runs."""
    job = "weekly-prompts (trigger: interval[0:00:01], next run at: 2026-12-02 13:24:00 UTC)"
    logging.getLogger("apscheduler.scheduler").warning(f"{SKIPPED_TICK} (%d)", job, 1)


def test_apscheduler_still_words_a_skipped_run_as_the_filter_expects() -> None:
    from apscheduler.schedulers import base

    strings = [  # the parser joins a literal split over lines
        node.value
        for node in ast.walk(ast.parse(inspect.getsource(base)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert any(text.startswith(SKIPPED_TICK) for text in strings)


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_a_tick_skipped_while_the_last_one_runs_is_not_a_warning(
    restore_logging: None, level: str
) -> None:
    """A long fan-out outlasts the interval; each skipped tick is not a WARNING line."""
    configure_logging(level, [TOKEN])
    buffer = io.StringIO()
    logging.getLogger().handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    _skipped_tick()
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    assert [line.split(" ", 3)[1:3] for line in lines(buffer)] == [
        ["WARNING", "apscheduler.scheduler"]
    ]
    assert "missed" in buffer.getvalue()


def test_a_skipped_tick_is_a_debug_line(output: io.StringIO) -> None:
    _skipped_tick()
    [line] = lines(output)
    assert line.split(" ", 3)[1:3] == ["DEBUG", "apscheduler.scheduler"]
    assert "skipped" in line


# ---------------------------------------------------------------------------- end to end


NOTE = "Told Mina about the diagnosis; she cried"


async def test_the_running_bot_never_logs_the_token_or_the_users_words(
    output: io.StringIO, factory: BotFactory
) -> None:
    recorder = Recorder()
    logging.getLogger().handlers.insert(0, recorder)  # before the redacting handler
    bot = await factory.start()
    user = bot.user(4242)
    await user.send("/start")
    await user.send(NOTE)
    await user.send(f"/note {NOTE} (again)")
    await user.send("/settings")
    await bot.tick()

    records = recorder.records
    assert records, "nothing was logged: the recorder is not attached"
    assert any(r.message == "note_saved" for r in records)
    # What reaches the log output, DEBUG included (python-telegram-bot logs its base URL,
    # token and all, at DEBUG; the redacting filter must catch that).
    assert TOKEN not in output.getvalue()
    assert any("bot***" in line for line in lines(output)), "expected PTB's redacted URL line"
    # The records themselves: the bot's own never carry it, and nothing at INFO or above does.
    own = [r.message for r in records if r.name.startswith("bot") and TOKEN in record_text(r)]
    assert own == []
    loud = [r.message for r in records if r.levelno >= logging.INFO and TOKEN in record_text(r)]
    assert loud == []

    info = [r for r in records if r.levelno >= logging.INFO]
    assert [r.message for r in info if NOTE in record_text(r) or "Mina" in record_text(r)] == []
    for line in lines(output):
        if LINE.match(line) and line.split(" ")[1] != "DEBUG":
            assert "Mina" not in line, line


def test_a_short_database_password_does_not_blank_out_ordinary_words(
    restore_logging: None,
) -> None:
    """compose.yaml's default password is "review": only its URL form is redacted."""
    from bot.config import Settings

    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        database_url="postgresql+asyncpg://review:review@db/weekly_review",
    )
    configure_logging("INFO", [TOKEN, *settings.secret_values()])
    buffer = io.StringIO()
    [handler] = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    logging.getLogger("bot.review").info(
        "review_completed", extra={"url": "postgresql+asyncpg://review:review@db/x"}
    )
    line = buffer.getvalue()
    assert "bot.review review_completed" in line
    assert ":review@" not in line
