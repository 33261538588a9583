"""``python -m bot run`` when a setting is wrong or a dependency is down: exactly one line on
stderr naming what failed, and the exit code README documents (1: Telegram or the database
cannot be reached; 2: a configuration error).

Each case is a real process in an empty folder with none of this process's bot settings; they
all start at once. "Unreachable" is a closed port on 127.0.0.1: nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.test_cli import Result, finish, start_bot

ROOT = Path(__file__).resolve().parent.parent
EXIT_RUNTIME, EXIT_CONFIG = 1, 2


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    settings: dict[str, str]
    code: int
    mentions: tuple[str, ...]
    dotenv: bool = False  # run with .env.example copied to .env, as README's steps suggest


SQLITE = "sqlite+aiosqlite:///{dir}/b.sqlite3"
CASES = {
    "bot_api_unreachable": Case(
        ("run",),
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "DATABASE_URL": SQLITE,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:{port}",
        },
        EXIT_RUNTIME,
        ("cannot reach the Telegram Bot API",),
    ),
    "postgres_unreachable": Case(
        ("run",),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql+asyncpg://u@127.0.0.1:9/db"},
        EXIT_RUNTIME,
        ("cannot reach the database at 127.0.0.1:9", "connection refused"),
    ),
    "postgres_unreachable_on_db_upgrade": Case(
        ("db", "upgrade"),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql+asyncpg://u@127.0.0.1:9/db"},
        EXIT_RUNTIME,
        ("cannot reach the database at 127.0.0.1:9",),
    ),
    "database_url_nonsense": Case(
        ("run",),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "nonsense"},
        EXIT_CONFIG,
        ("configuration error", "DATABASE_URL"),
    ),
    "database_url_sync_driver": Case(
        ("run",),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql://u:secret-pw@127.0.0.1:9/db"},
        EXIT_CONFIG,
        ("configuration error", "DATABASE_URL", "async driver"),
    ),
    "database_url_nonsense_for_draft": Case(
        ("draft", "--user-id", "1", "--year", "2026", "--out", "d.md"),
        {"DATABASE_URL": "nonsense"},
        EXIT_CONFIG,
        ("configuration error", "DATABASE_URL"),
    ),
    "placeholder_token": Case(
        ("run",),
        {"TELEGRAM_BOT_TOKEN": "123456789:replace-with-your-token-from-botfather"},
        EXIT_CONFIG,
        ("configuration error", "TELEGRAM_BOT_TOKEN", ".env.example"),
    ),
    "env_example_as_is": Case(
        ("run",), {}, EXIT_CONFIG, ("TELEGRAM_BOT_TOKEN", ".env.example"), dotenv=True
    ),
    "no_token": Case(("run",), {}, EXIT_CONFIG, ("configuration error", "TELEGRAM_BOT_TOKEN")),
    "bad_scheduler_interval": Case(
        ("run",),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "SCHEDULER_INTERVAL_SECONDS": "-1"},
        EXIT_CONFIG,
        ("SCHEDULER_INTERVAL_SECONDS",),
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    port = closed_port()
    started = {}
    for name, case in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        if case.dotenv:
            shutil.copy(ROOT / ".env.example", folder / ".env")
        values = {k: v.format(dir=folder, port=port) for k, v in case.settings.items()}
        started[name] = start_bot(folder, *case.args, **values)
    return {name: finish(process) for name, process in started.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_one_line_on_stderr_and_the_documented_exit_code(
    results: dict[str, Result], name: str
) -> None:
    case, result = CASES[name], results[name]
    # A first start that made the encryption key says so even when it then fails: that
    # notice is written once in the key's life (tests/crypto/test_keys.py).
    lines = [x for x in result.lines if " encryption_key_created " not in x]
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert line.startswith("review-bot: ")
    assert "Traceback" not in result.output
    assert TOKEN not in result.output
    assert "secret-pw" not in result.output  # a password in DATABASE_URL is never repeated
    for mention in case.mentions:
        assert mention in line, line
    assert result.code == case.code, line
    assert result.stdout == ""


def test_readme_documents_the_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in ("| `0` |", "| `1` |", "| `2` |"):
        assert row in readme
