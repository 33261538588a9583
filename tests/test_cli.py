"""``python -m bot``: what a self-hoster sees when starting the bot or migrating the database.

Every mistake they can make in the environment must end in one clear line on stderr and a
non-zero exit code, never a traceback and never the token. The main cases run ``python -m bot``
in a subprocess, in an empty folder (no ``.env``), with none of the bot's settings inherited
from this process; their variations call :func:`bot.cli.main` in process (much faster).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from tests.conftest import TOKEN

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
EXIT_CONFIG = 2


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.pop("PYTHONWARNINGS", None)
    env.update(settings)
    return env


def start_bot(cwd: Path, *args: str, **settings: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(**settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> Result:
    stdout, stderr = process.communicate(timeout=60)
    return Result(process.returncode, stdout, stderr)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def tables_in(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def assert_one_clean_line(result: Result, *mentions: str) -> str:
    """Exactly one line on stderr, no traceback, no token; returns the line."""
    assert "Traceback" not in result.output
    assert TOKEN not in result.output
    assert len(result.lines) == 1, result.stderr
    line = result.lines[0]
    for mention in mentions:
        assert mention in line, line
    return line


# ---------------------------------------------------------------------------- subprocess

# Each scenario: command-line arguments and settings ("{dir}" is the scenario's own empty
# working folder). They all start at once (interpreter start-up dominates their run time).
SCENARIOS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "no_token": ((), {}),
    "malformed_token": ((), {"TELEGRAM_BOT_TOKEN": "123456:not-a-real-token"}),
    "help": (("--help",), {}),
    "upgrade": (
        ("db", "upgrade"),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "sqlite+aiosqlite:///{dir}/data/b.sqlite3"},
    ),
    "run_on_unusable_path": (
        ("run",),
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "DATABASE_URL": "sqlite+aiosqlite:///{dir}/occupied/b.sqlite3",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",  # unreachable, should it get there
        },
    ),
    "folder_as_database": (
        ("db", "upgrade"),
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "sqlite+aiosqlite:///{dir}"},
    ),
    "bad_allowed_user_ids": (
        ("db", "upgrade"),
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "ALLOWED_USER_IDS": "12,abc",
            "DATABASE_URL": "sqlite+aiosqlite:///{dir}/b.sqlite3",
        },
    ),
    "bad_default_timezone": (
        ("db", "upgrade"),
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "DEFAULT_TIMEZONE": "Mars/Olympus_Mons",
            "DATABASE_URL": "sqlite+aiosqlite:///{dir}/b.sqlite3",
        },
    ),
    "bad_log_level": (
        ("db", "upgrade"),
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "LOG_LEVEL": "verbose",
            "DATABASE_URL": "sqlite+aiosqlite:///{dir}/b.sqlite3",
        },
    ),
}


@dataclass(frozen=True)
class Ran:
    result: Result
    folder: Path


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    started = {}
    for name, (args, settings) in SCENARIOS.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "occupied").write_text("a file where a folder should be")
        values = {k: v.format(dir=folder) for k, v in settings.items()}
        started[name] = (start_bot(folder, *args, **values), folder)
    return {name: Ran(finish(process), folder) for name, (process, folder) in started.items()}


def test_without_a_token_it_says_so_in_one_line(ran: dict[str, Ran]) -> None:
    result = ran["no_token"].result
    assert result.code == EXIT_CONFIG
    assert_one_clean_line(result, "TELEGRAM_BOT_TOKEN")
    assert result.stdout == ""


def test_malformed_token_is_refused_without_echoing_it(ran: dict[str, Ran]) -> None:
    result = ran["malformed_token"].result
    assert result.code == EXIT_CONFIG
    assert_one_clean_line(result, "TELEGRAM_BOT_TOKEN")
    assert "not-a-real-token" not in result.output


@pytest.mark.parametrize("variable", ["ALLOWED_USER_IDS", "DEFAULT_TIMEZONE", "LOG_LEVEL"])
def test_bad_setting_names_the_variable(ran: dict[str, Ran], variable: str) -> None:
    outcome = ran[f"bad_{variable.lower()}"]
    assert outcome.result.code == EXIT_CONFIG
    assert_one_clean_line(outcome.result, variable)
    assert not (outcome.folder / "b.sqlite3").exists(), "nothing is touched on a bad setting"


def test_help_works_without_any_configuration(ran: dict[str, Ran]) -> None:
    result = ran["help"].result
    assert result.code == 0
    assert "db" in result.stdout
    assert "run" in result.stdout
    assert result.stderr == ""


def test_db_upgrade_creates_the_database(ran: dict[str, Ran]) -> None:
    outcome = ran["upgrade"]
    assert outcome.result.code == 0, outcome.result.stderr
    assert "Traceback" not in outcome.result.output
    db = outcome.folder / "data" / "b.sqlite3"
    assert db.is_file()
    assert {"users", "reviews", "answers", "entries", "alembic_version"} <= tables_in(db)


def test_run_on_an_unusable_database_path_fails_in_one_line(ran: dict[str, Ran]) -> None:
    """``run`` must fail on the database before it ever contacts Telegram."""
    outcome = ran["run_on_unusable_path"]
    assert outcome.result.code != 0
    assert_one_clean_line(outcome.result, str(outcome.folder / "occupied"))


def test_a_folder_as_database_fails_in_one_line(ran: dict[str, Ran]) -> None:
    # In a subprocess: in process, aiosqlite's worker thread outlives the event loop here.
    outcome = ran["folder_as_database"]
    assert outcome.result.code != 0
    assert_one_clean_line(outcome.result, "database")


# ---------------------------------------------------------------------------- in process


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_main_db_upgrade_in_process(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = in_tmp / "inproc.sqlite3"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(db))
    assert cli.main(["db", "upgrade"]) == 0
    assert "users" in tables_in(db)
    assert cli.main(["db", "upgrade"]) == 0  # again: nothing to do, still fine


def test_main_reads_the_dotenv_file_in_the_working_folder(in_tmp: Path) -> None:
    (in_tmp / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nDATABASE_URL=sqlite+aiosqlite:///./from-dotenv.sqlite3\n",
        encoding="utf-8",
    )
    assert cli.main(["db", "upgrade"]) == 0
    assert "users" in tables_in(in_tmp / "from-dotenv.sqlite3")


def test_main_with_debug_logging_never_prints_the_token(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(in_tmp / "bot.sqlite3"))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assert cli.main(["db", "upgrade"]) == 0
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err


def test_main_without_token(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "upgrade"]) == EXIT_CONFIG
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1
    assert "TELEGRAM_BOT_TOKEN" in captured.err


@pytest.mark.parametrize(
    "token",
    [
        "123456:short",
        "not-a-token-at-all-but-quite-long-0123456789",
        "123456789 AAE-fake-token-for-tests-only-0123456789",
        "bot123456789:AAE-fake-token-for-tests-only-0123456789",
    ],
)
def test_main_refuses_malformed_tokens_without_echoing_them(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], token: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    assert cli.main(["db", "upgrade"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "TELEGRAM_BOT_TOKEN" in err
    for part in token.replace(" ", ":").split(":"):
        if len(part) >= 6:
            assert part not in err


def test_main_accepts_a_token_with_surrounding_spaces(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copy-pasting from @BotFather often brings a trailing space or newline along."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f"  {TOKEN}\n")
    monkeypatch.setenv("DATABASE_URL", sqlite_url(in_tmp / "bot.sqlite3"))
    assert cli.main(["db", "upgrade"]) == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ALLOWED_USER_IDS", "@ada"),
        ("DEFAULT_TIMEZONE", "../../etc/passwd"),
        ("LOG_LEVEL", "LOUD"),
        ("SCHEDULER_INTERVAL_SECONDS", "0"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org"),
    ],
)
def test_main_bad_setting_names_the_variable(
    in_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(in_tmp / "bot.sqlite3"))
    monkeypatch.setenv(variable, value)
    assert cli.main(["db", "upgrade"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert variable in err
    assert not (in_tmp / "bot.sqlite3").exists()


def test_main_reports_several_problems_on_one_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Nowhere/Land")
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    assert cli.main([]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    for variable in ("TELEGRAM_BOT_TOKEN", "DEFAULT_TIMEZONE", "LOG_LEVEL"):
        assert variable in err


@pytest.mark.parametrize("command", [["db", "upgrade"], ["run"], []])
def test_main_with_a_database_under_a_regular_file(
    in_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    (in_tmp / "file").write_text("x")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(in_tmp / "file" / "bot.sqlite3"))
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")
    assert cli.main(command) != 0
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert str(in_tmp / "file") in err
    assert TOKEN not in err


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "sqlite:///./bot.sqlite3",  # the sync driver: the bot needs sqlite+aiosqlite
    ],
)
def test_main_with_an_unusable_database_url_names_the_variable(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["db", "upgrade"]) != 0
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "DATABASE_URL" in err


def test_main_unknown_command_is_a_usage_error(in_tmp: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["dance"])
    assert caught.value.code == EXIT_CONFIG


def test_console_script_points_at_main() -> None:
    """``review-bot`` (pyproject [project.scripts]) must call the function tested here."""
    import tomllib

    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts["review-bot"] == "bot.cli:main"


def test_a_webhook_without_its_secret_is_refused_in_one_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the secret anyone who finds the URL could post updates as any user."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(in_tmp / "bot.sqlite3"))
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    assert cli.main(["db", "upgrade"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "WEBHOOK_SECRET" in err


def _settings_with_secrets(**values: str) -> Settings:
    """Settings whose database and keyring URLs hold passwords, plus ``values``."""
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        database_url="postgresql+asyncpg://review:S3cretPw@db/review",
        keyring_url="postgresql+asyncpg://keys:K3yPw@keys/keyring",
        **values,  # type: ignore[arg-type]
    )


def test_the_webhook_secret_and_database_passwords_are_kept_out_of_logs() -> None:
    settings = _settings_with_secrets(
        webhook_url="https://bot.example.org/telegram", webhook_secret="MyWebhookSecret_123"
    )
    secrets = settings.secret_values()
    assert {":S3cretPw@", ":K3yPw@", "MyWebhookSecret_123"} <= set(secrets)


def test_settings_and_key_config_never_show_secrets_in_their_repr() -> None:
    from bot.crypto.vault import KeyConfig

    settings = _settings_with_secrets(encryption_key="c2VjcmV0LWtleS1ieXRlcy1mb3ItdGhlLXRlc3QtMDA=")
    config = KeyConfig.from_settings(settings, settings.database_url)
    for shown in (repr(settings), repr(config)):
        for secret in ("S3cretPw", "K3yPw", "c2VjcmV0", TOKEN):
            assert secret not in shown
