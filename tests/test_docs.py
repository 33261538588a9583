"""The documentation stays true: README and .env.example against the code."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings
from bot.handlers.commands import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")


def test_readme_lists_every_command() -> None:
    for name in COMMANDS:
        assert f"`/{name}" in README, name


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    for name in Settings.model_fields:
        variable = name.upper()
        assert f"`{variable}`" in README, variable
        assert re.search(rf"^{variable}=", ENV_EXAMPLE, re.MULTILINE), variable


def test_env_example_names_only_real_settings() -> None:
    names = re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE, re.MULTILINE)
    assert set(names) == {n.upper() for n in Settings.model_fields}


def test_env_example_values_are_valid_apart_from_the_placeholder_token() -> None:
    values = dict(re.findall(r"^([A-Z_]+)=(.*)$", ENV_EXAMPLE, re.MULTILINE))
    values["TELEGRAM_BOT_TOKEN"] = "123456789:AAE-fake-token-for-tests-only-0123456789"
    settings = Settings(_env_file=None, **{k.lower(): v for k, v in values.items() if v})
    assert settings.database_url.startswith("sqlite+aiosqlite")


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "bash scripts/start.sh" in README
    assert "bash scripts/test.sh" in README
    assert (ROOT / "scripts" / "start.sh").is_file()
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_cli_commands_in_readme_exist() -> None:
    from bot.cli import _parser

    choices = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command in re.findall(r"^python -m bot (\w+)", README, re.MULTILINE):
        assert command in choices, command
