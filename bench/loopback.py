"""What ``bench/pipeline.py`` needs around :class:`tests.fakes.http_api.LoopbackBotAPI`.

* :class:`BenchAPI` adds private chats without a message in them (users the bot already knows,
  about to be prompted) so ``sendMessage`` to them is not "chat not found".
* :class:`Tracker` is an observer of every request that took effect. It keeps, with the
  server's arrival times, what the benchmark asks about: the sends to the fan-out chats and
  the acknowledgement of each note, and lets the benchmark wait for them without holding the
  server's lock (``LoopbackBotAPI.wait_until`` evaluates its predicate under that lock and
  rescans every call, which would slow the server down during a 2,000-note burst).
* :class:`Process` is a child process with its log in a file and its CPU time from
  ``/proc/<pid>/stat``.

A note is acknowledged in one of two ways, chosen per tracker:

* ``reaction_or_reply`` (the weekly-review bot): a ``setMessageReaction`` with an emoji on the
  note, or a ``send*`` replying to it;
* ``echo`` (the PTB echo bot): a ``sendMessage`` to the note's chat with the note's text. Every
  note's text is unique, so this is also "the chat got at least as many messages as notes".
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.fakes.http_api import ApiCall, JSONDict, LoopbackBotAPI, _Handler, is_send_method

Key = tuple[int, int]  # (chat_id, message_id)
ACK_MODES = ("reaction_or_reply", "echo")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
LOG_LEVEL_LINE = re.compile(r"\b(WARNING|ERROR|CRITICAL) (\S+) (\S+)")


class _NoDelayHandler(_Handler):
    """The server's handler with Nagle's algorithm off (``TCP_NODELAY``).

    The handler writes an answer's headers and body separately. With Nagle on, the body waits
    for the client's ACK of the headers, which a Linux client delays by about 40 ms: every
    answer took about 44 ms on loopback instead of under 1 ms, which would hide most of what
    the bots themselves spend per note (and cap a one-request-at-a-time client at ~22/s).
    Telegram answers in one piece over TLS.
    """

    disable_nagle_algorithm = True


class BenchAPI(LoopbackBotAPI):
    """The loopback Bot API with ``TCP_NODELAY`` answers, plus :meth:`add_private_chats`."""

    def start(self) -> BenchAPI:
        super().start()
        assert self._server is not None
        # No client knows the port yet, so every connection gets the no-delay handler.
        self._server.RequestHandlerClass = _NoDelayHandler
        return self

    def __enter__(self) -> BenchAPI:
        return self.start()

    def add_private_chats(self, chat_ids: Iterable[int]) -> None:
        """Make ``chat_ids`` known private chats (as if each user had written before)."""
        # The server keeps chats privately; this is the same registration a pushed message
        # does, without the message.
        with self._cond:
            for chat_id in chat_ids:
                self._chat({"id": chat_id, "type": "private", "first_name": f"User{chat_id}"})


@dataclass
class Note:
    chat_id: int
    message_id: int
    text: str
    pushed_at: float  # time.monotonic(), the server's clock too


@dataclass
class Tracker:
    """Observes one server; see the module docstring. Thread-safe."""

    ack_mode: str
    fanout_chats: frozenset[int] = frozenset()
    fanout_match: Callable[[ApiCall], bool] = lambda call: True
    notes: dict[Key, Note] = field(default_factory=dict)
    acked_at: dict[Key, float] = field(default_factory=dict)
    fanout_sends: list[tuple[float, int, bool]] = field(default_factory=list)  # at, chat, match
    methods: Counter[str] = field(default_factory=Counter)
    last_call_at: float = 0.0
    _key_acks: dict[Key, float] = field(default_factory=dict)
    _text_acks: dict[tuple[int, str], float] = field(default_factory=dict)
    _by_text: dict[tuple[int, str], Key] = field(default_factory=dict)
    _waiting: set[Key] = field(default_factory=set)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        if self.ack_mode not in ACK_MODES:
            raise ValueError(f"ack_mode must be one of {ACK_MODES}")

    def attach(self, api: LoopbackBotAPI) -> Tracker:
        api.add_observer(self.observe)
        return self

    # ---------------------------------------------------------------- server side

    def observe(self, call: ApiCall) -> None:
        """Called by the server (any of its threads) for each request that took effect."""
        chat = call.chat_id
        with self._cond:
            self.methods[call.method] += 1
            self.last_call_at = max(self.last_call_at, call.at)
            if chat is None:
                return
            if call.method == "sendMessage" and chat in self.fanout_chats:
                self.fanout_sends.append((call.at, chat, self.fanout_match(call)))
            if self.ack_mode == "reaction_or_reply":
                target = _acknowledged(call)
                if target is not None:
                    self._key_acks.setdefault(target, call.at)
                    self._settle(target)
            elif call.method == "sendMessage" and isinstance(call.params.get("text"), str):
                text_key = (chat, call.params["text"])
                self._text_acks.setdefault(text_key, call.at)
                note_key = self._by_text.get(text_key)
                if note_key is not None:
                    self._settle(note_key)
            self._cond.notify_all()

    def _settle(self, key: Key) -> None:
        """Record ``key``'s acknowledgement time if it is a note we wait for."""
        note = self.notes.get(key)
        if note is None or key in self.acked_at:
            return
        found = self._ack_time(note)
        if found is not None:
            self.acked_at[key] = found
            self._waiting.discard(key)

    def _ack_time(self, note: Note) -> float | None:
        if self.ack_mode == "reaction_or_reply":
            return self._key_acks.get((note.chat_id, note.message_id))
        return self._text_acks.get((note.chat_id, note.text))

    # ---------------------------------------------------------------- benchmark side

    def expect(self, updates: Iterable[JSONDict], pushed_at: float) -> list[Key]:
        """Register pushed text updates as notes to be acknowledged; returns their keys."""
        keys = []
        with self._cond:
            for update in updates:
                message = update["message"]
                key = (int(message["chat"]["id"]), int(message["message_id"]))
                self.notes[key] = Note(key[0], key[1], str(message["text"]), pushed_at)
                self._by_text[(key[0], str(message["text"]))] = key
                self._waiting.add(key)
                self._settle(key)  # an acknowledgement that raced ahead of this call
                keys.append(key)
        return keys

    def pending(self, keys: Iterable[Key]) -> list[Key]:
        with self._cond:
            return [k for k in keys if k not in self.acked_at]

    def wait(
        self,
        predicate: Callable[[Tracker], bool],
        timeout: float,
        *,
        give_up: Callable[[Tracker], bool] | None = None,
        poll: float = 0.25,
    ) -> bool:
        """Until ``predicate(self)`` (True) or ``give_up(self)`` or ``timeout`` (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(self):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (give_up is not None and give_up(self)):
                    return False
                self._cond.wait(min(poll, remaining))

    def waiting_for(self, keys: set[Key]) -> bool:
        """True while any of ``keys`` is unacknowledged (call with the lock held: in wait)."""
        return not self._waiting.isdisjoint(keys)

    def fanout_count(self) -> int:
        with self._cond:
            return len(self.fanout_sends)

    def snapshot(self) -> tuple[list[tuple[float, int, bool]], dict[Key, float]]:
        with self._cond:
            return list(self.fanout_sends), dict(self.acked_at)


def _acknowledged(call: ApiCall) -> Key | None:
    """The note a call acknowledges: a reaction set on it, or a send replying to it."""
    if call.chat_id is None:
        return None
    if call.method == "setMessageReaction" and call.reaction_emojis:
        message_id = call.params.get("message_id")
        return (call.chat_id, message_id) if isinstance(message_id, int) else None
    if is_send_method(call.method) and call.reply_to is not None:
        return (call.chat_id, call.reply_to)
    return None


# --------------------------------------------------------------------------- processes


class Process:
    """A child process whose output goes to ``log`` (never a pipe nobody reads)."""

    def __init__(self, name: str, command: list[str], cwd: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.log = cwd / f"{name}.log"
        self._out: IO[bytes] = self.log.open("wb")
        self.started_at = time.monotonic()
        self.popen = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=self._out, stderr=subprocess.STDOUT
        )
        self.exit_code: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process (all its threads) so far."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def wait(self, timeout: float) -> int | None:
        try:
            self.exit_code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.exit_code

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGINT (a clean stop), then SIGKILL after ``timeout``; the exit code (None: killed)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.exit_code = self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
                self.exit_code = None
        else:
            self.exit_code = self.popen.returncode
        self._out.close()
        return self.exit_code

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        self._out.close()

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_bytes().decode("utf-8", "replace")


def log_problems(output: str, limit: int = 8) -> dict[str, Any]:
    """WARNING / ERROR / CRITICAL lines by (level, logger, event), tracebacks, and the first
    line of each kind."""
    counts: Counter[str] = Counter()
    samples: list[str] = []
    for line in output.splitlines():
        match = LOG_LEVEL_LINE.search(line)
        if match is None:
            continue
        kind = " ".join(match.groups())
        if kind not in counts and len(samples) < limit:  # the first line of each kind
            samples.append(line[:300])
        counts[kind] += 1
    return {
        "lines": dict(counts.most_common()),
        "tracebacks": output.count("Traceback (most recent call last)"),
        "samples": samples,
    }
