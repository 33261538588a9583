"""``scripts/start.sh`` installs only when it must, so a restart works with the package index
unreachable.

Each test runs the real script in a copy of the project (``scripts/``, ``bot/``,
``pyproject.toml``, ...). Installing every dependency from the index would take minutes, so the
copy's ``.venv`` is made without packages and sees the packages of the virtual environment
running these tests through a ``.pth`` file (that is the "existing .venv" being reused). The
install steps themselves run for real: ``pip install -e .`` of the copy into its own ``.venv``
(which needs the index once, for pip and the build backend), then a restart with the index
unreachable, then a restart after ``pyproject.toml`` changed. The install of every dependency
into a brand-new ``.venv`` is what CI's fresh clone does through ``scripts/test.sh``, which
shares the same ``scripts/venv.sh``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
PROJECT_FILES = ("scripts", "bot", "pyproject.toml", "README.md", "LICENSE")
BAD_TOKEN = "not-a-token"  # the bot refuses it at once: proof that start.sh got to the bot
BOT_LINE = "review-bot: configuration error: TELEGRAM_BOT_TOKEN does not look like a bot token"
OFFLINE = {  # no configuration file, no wheel folder, and an index nobody answers on
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_NO_INDEX": "1",
    "PIP_DEFAULT_TIMEOUT": "2",
    "PIP_RETRIES": "0",
}


def copy_project(target: Path) -> Path:
    target.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without bot settings, pip settings or this venv's PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in SETTING_NAMES and not k.startswith("PIP_") and k != "VIRTUAL_ENV"
    }
    env.pop("PYTHONPATH", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env | {"TELEGRAM_BOT_TOKEN": BAD_TOKEN} | extra


def start(project: Path, **extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.perf_counter()
    result = subprocess.run(
        ["bash", str(project / "scripts" / "start.sh")],
        cwd=project,
        env=environment(**extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, time.perf_counter() - began


def venv_sharing_these_packages(project: Path) -> None:
    """``project/.venv``: an empty virtual environment that also sees this one's packages."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")], check=True
    )
    [site] = (project / ".venv" / "lib").glob("python3*/site-packages")
    (site / "zz-shared-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def test_a_second_start_needs_no_package_index(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    venv_sharing_these_packages(project)

    first, _ = start(project)  # installs: the copy is not installed in its .venv yet
    if first.returncode != 2 and os.environ.get("CI") != "true":
        pytest.skip(f"the first install needs the package index: {first.stderr[-500:]}")
    assert first.returncode == 2, first.stderr[-2000:]
    assert first.stderr.splitlines()[-1].startswith(BOT_LINE)
    stamp = (project / ".venv" / ".installed").read_text()

    second, seconds = start(project, **OFFLINE)
    assert second.returncode == 2, second.stderr  # pip would have failed with 1
    assert second.stderr.splitlines() == [second.stderr.strip()]  # the bot's one line only
    assert second.stderr.startswith(BOT_LINE)
    assert second.stdout == ""
    assert (project / ".venv" / ".installed").read_text() == stamp
    assert seconds < 30, f"a start without installing took {seconds:.1f} s"

    with (project / "pyproject.toml").open("a") as file:
        file.write("# changed\n")
    third, _ = start(project, **OFFLINE)  # must install again, and cannot without an index
    assert third.returncode == 1
    assert "review-bot:" not in third.stderr
    assert not (project / ".venv" / ".installed").exists()


def test_without_python3_venv_it_says_what_to_install(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    python3 = fake_bin / "python3"  # like Debian's python3 without the python3-venv package
    python3.write_text("#!/bin/sh\necho 'ensurepip is not available' >&2\nexit 1\n")
    python3.chmod(0o755)
    result, _ = start(project, PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "apt-get install python3-venv" in result.stderr
    assert not (project / ".venv").exists()
