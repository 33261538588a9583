"""Sampling another process with py-spy (when installed) and summarising where it spent time.

``py-spy`` is not a project dependency: ``.venv/bin/pip install py-spy`` to use
``bench/pipeline.py --profile``. Samples are taken without pausing the target
(``--nonblocking``), 100 a second, only of the thread holding the GIL (``--gil``: Python work,
not threads waiting on a socket, a queue or SQLite's fsync), as collapsed stacks
(``--format raw``).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

_LOCATION = re.compile(r" \((?P<file>[^():]+):\d+\)$")


def py_spy() -> str | None:
    """The py-spy executable next to this interpreter, or on PATH; None when missing."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(pid: int, output: Path) -> subprocess.Popen[bytes] | None:
    """Start sampling ``pid`` into ``output``; None when py-spy is not installed."""
    executable = py_spy()
    if executable is None:
        return None
    command = [executable, "record", "--pid", str(pid), "--rate", "100"]
    command += ["--format", "raw", "--nonblocking", "--gil", "--output", str(output)]
    log = output.with_suffix(".log").open("wb")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """Ask py-spy to write its file (SIGINT, as Ctrl-C); kill it if it does not."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


_WRAPPERS = frozenset(
    {"<frozen runpy>", "runners.py", "base_events.py", "events.py", "threading.py"}
    | {"__main__.py", "cli.py", "serve.py"}
)


def _frame(frame: str) -> tuple[str, str, str]:
    """``name (path/to/module.py:123)`` → (``name (module.py)``, ``module.py``, ``path``)."""
    match = _LOCATION.search(frame)
    if match is None:
        return frame.strip(), "", ""
    name = frame[: match.start()].strip()
    path = match["file"]
    return f"{name} ({Path(path).name})", Path(path).name, path


def _package(path: str) -> str:
    """``sqlalchemy/orm/session.py`` → ``sqlalchemy``; ``<frozen runpy>`` → ``runpy``."""
    if path.startswith("<"):
        return path.strip("<>").split()[-1]
    first = path.split("/", 1)[0]
    return first.removesuffix(".py")


def summarize(raw: Path, top: int = 20) -> str:
    """Where the samples were: by package on top of the stack (self), and the functions most
    often on the stack (inclusive; event-loop and start-up frames left out)."""
    inclusive: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        for name in {name for name, file, _ in frames if file not in _WRAPPERS}:
            inclusive[name] += count
        by_package[_package(frames[-1][2])] += count
    if not total:
        return "no samples"

    def table(counter: Counter[str], rows: int) -> list[str]:
        return [f"{100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(rows)]

    lines = [f"{total} samples of the thread holding the GIL", "", "self, by package:"]
    lines += table(by_package, 12)
    return "\n".join([*lines, "", "functions on the stack (inclusive):", *table(inclusive, top)])
