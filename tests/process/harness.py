"""Running the real ``python -m bot run`` against :class:`LoopbackBotAPI` and judging the result.

Everything here looks only at what can be observed from outside the bot: the HTTP calls it
makes (recorded by the loopback server) and the rows in its database (read with a plain
connection of our own). Nothing imports the bot's modules.

* :class:`BotProcess` starts, SIGKILLs, restarts and interrupts the bot; its output goes to
  a file (one per start, stdout and stderr together), never to a pipe nobody reads.
* :class:`NoteDatabase` reads ``entries`` per (chat_id, message_id), from SQLite with
  :mod:`sqlite3` or from PostgreSQL with asyncpg on a private event-loop thread.
* :class:`Notes` pushes numbered text notes from many users and remembers what was sent;
  :func:`verdict` compares that with the database and the acknowledgements.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from sqlalchemy.engine import make_url

from tests.conftest import ENCRYPTION_KEY, TOKEN, keyring_url_for
from tests.fakes.http_api import ApiCall, LoopbackBotAPI, is_send_method

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # seconds from spawn to the first getUpdates
STOP_TIMEOUT = 30.0  # seconds from SIGINT to exit
T = TypeVar("T")
Key = tuple[int, int]  # (chat_id, message_id)


# --------------------------------------------------------------------------- the bot process


class BotProcess:
    """``python -m bot run`` in ``workdir`` against ``api`` and ``database_url``.

    ``log_through_pipe``: the output goes through a pipe that a thread of ours copies to the
    log file. Needed only when the bot's own file writes are made to fail (the disk-full test),
    which would otherwise swallow its log lines too.
    """

    def __init__(
        self,
        api: LoopbackBotAPI,
        database_url: str,
        workdir: Path,
        *,
        log_level: str = "INFO",
        log_through_pipe: bool = False,
        **extra_env: str,
    ) -> None:
        self.api = api
        self.workdir = workdir
        self.log_through_pipe = log_through_pipe
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "ALLOWED_USER_IDS", "SCHEDULER_INTERVAL_SECONDS")
        }
        self.env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            DATABASE_URL=database_url,
            LOG_LEVEL=log_level,
            PYTHONPATH=str(ROOT),
            PTB_TIMEDELTA="true",
            PYTHONUNBUFFERED="1",
            ENCRYPTION_KEY=ENCRYPTION_KEY,
            KEYRING_URL=keyring_url_for(database_url),
        )
        self.env.update(extra_env)
        self.process: subprocess.Popen[bytes] | None = None
        self.runs: list[Path] = []
        self.started_at = 0.0
        self._files: list[IO[bytes]] = []
        self._copier: threading.Thread | None = None

    # life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self._close_files()
        n = len(self.runs) + 1
        log = self.workdir / f"bot-run-{n}.log"
        self.runs.append(log)
        out = log.open("wb")
        self._files = [out]
        self.started_at = time.monotonic()
        if self.log_through_pipe:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            source = self.process.stdout
            assert source is not None
            self._copier = threading.Thread(target=_copy, args=(source, out), daemon=True)
            self._copier.start()
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_polling(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until this run has called getUpdates (it is up); fail if it exits first."""
        since = self.started_at
        up = self.api.wait_until(
            lambda: (self.api.last_poll_at or 0.0) >= since or not self.alive, timeout
        )
        assert self.alive, f"the bot exited with {self.returncode} while starting:\n{self.tail()}"
        assert up, f"the bot did not poll within {timeout:.0f} s:\n{self.tail()}"

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses power."""
        process = self._running()
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)

    def interrupt(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Ctrl-C; the exit code, or None if the bot had to be killed after ``timeout``."""
        process = self._running()
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None

    def stay_alive_for(self, seconds: float) -> None:
        """Let ``seconds`` pass while watching the process: fail at once if it exits."""
        process = self._running()
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = process.wait(timeout=seconds)
            raise AssertionError(f"the bot exited with {code}:\n{self.tail()}")

    def close(self) -> None:
        """Kill a bot still running (a failed test) and close the log files."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_files()

    # what it said -----------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def pid(self) -> int:
        return self._running().pid

    def output(self) -> str:
        """Everything every run printed, run after run."""
        for handle in self._files:
            with contextlib.suppress(ValueError):
                handle.flush()
        parts = []
        for n, path in enumerate(self.runs, 1):
            text = path.read_bytes().decode("utf-8", "replace") if path.exists() else ""
            parts.append(f"----- run {n} -----\n{text}")
        return "\n".join(parts)

    def tail(self, chars: int = 4000) -> str:
        return self.output()[-chars:]

    def _running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "the bot was never started"
        return self.process

    def _close_files(self) -> None:
        if self._copier is not None:
            self._copier.join(timeout=10)
            self._copier = None
        for handle in self._files:
            handle.close()
        self._files = []


def _copy(source: IO[bytes], target: IO[bytes]) -> None:
    for line in iter(source.readline, b""):
        target.write(line)
        target.flush()
    source.close()


# --------------------------------------------------------------------------- the database


class _LoopThread:
    """An asyncio loop on a daemon thread, for asyncpg from synchronous test code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Awaitable[T], timeout: float = 60.0) -> T:
        async def wrapped() -> T:
            return await coroutine

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


class NoteDatabase:
    """Read-only look at the bot's ``entries`` table, safe to use from any thread."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.path = sqlite_file(database_url)
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._loop: _LoopThread | None = None
        self._pool: Any = None
        self._keys: dict[str, Any] = {}

    def rows(self) -> list[tuple[int, int, str | None]]:
        """(chat_id, message_id, text) of every stored entry, its text opened with the
        user's data key from the keyring (private chats: the chat id is the user id)."""
        rows = self._query("SELECT chat_id, message_id, text FROM entries", ())
        return [(chat, message, self._open(chat, message, text)) for chat, message, text in rows]

    def _open(self, chat: int, message: int, text: str | None) -> str | None:
        from bot.crypto import cipher

        if text is None:
            return None
        key_id = cipher.key_id_of(text)
        with self._lock:
            key = self._keys.get(key_id)
            if key is None:
                key = self._keys[key_id] = self._unwrap(key_id)
        where = cipher.associated_data("entries", "text", chat, f"{chat}/{message}")
        return cipher.open_text(key, text, where)

    def _unwrap(self, key_id: str) -> Any:
        """A data key from the keyring (a SQLite file in these tests), unwrapped."""
        from bot.crypto import cipher
        from bot.crypto.keyring import default_keyring_url
        from bot.crypto.master import MasterKey, parse_key

        url = make_url(keyring_url_for(self.url) or default_keyring_url(self.url))
        assert url.database
        with closing(sqlite3.connect(url.database, timeout=60)) as keyring:
            (wrapped,) = keyring.execute(
                "SELECT wrapped FROM keyring_data_keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        master = MasterKey(parse_key(ENCRYPTION_KEY, "ENCRYPTION_KEY"), "ENCRYPTION_KEY")
        return cipher.AESGCM(master.unwrap(key_id, bytes(wrapped)))

    def has(self, chat_id: int, message_id: int) -> bool:
        found = self._query(
            "SELECT chat_id, message_id, text FROM entries"
            " WHERE chat_id = {0} AND message_id = {1}",
            (chat_id, message_id),
        )
        return bool(found)

    def close(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
            if self._loop is not None:
                if self._pool is not None:
                    self._loop.run(self._pool.close())
                self._loop.close()
                self._loop = None

    def _query(self, sql: str, args: tuple[int, ...]) -> list[tuple[int, int, str | None]]:
        if self.path is not None:
            return self._sqlite_query(sql.format("?", "?"), args)
        return self._pg_query(sql.format("$1", "$2"), args)

    def _sqlite_query(self, sql: str, args: tuple[int, ...]) -> list[tuple[int, int, str | None]]:
        assert self.path is not None
        with self._lock:
            if self._sqlite is None:
                if not self.path.exists():
                    return []  # the bot has not created it yet (connecting would)
                self._sqlite = sqlite3.connect(
                    self.path, timeout=60, isolation_level=None, check_same_thread=False
                )
            try:
                return [(int(c), int(m), t) for c, m, t in self._sqlite.execute(sql, args)]
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                raise

    def _pg_query(self, sql: str, args: tuple[int, ...]) -> list[tuple[int, int, str | None]]:
        import asyncpg  # type: ignore[import-untyped]

        with self._lock:
            if self._loop is None:
                loop = _LoopThread()

                async def connect() -> Any:  # the pool must be made on the loop it runs on
                    return await asyncpg.create_pool(_asyncpg_dsn(self.url), min_size=1, max_size=4)

                try:
                    self._pool = loop.run(connect())
                except BaseException:
                    loop.close()
                    raise
                self._loop = loop
            loop, pool = self._loop, self._pool

        async def fetch() -> list[tuple[int, int, str | None]]:
            try:
                records = await pool.fetch(sql, *args)
            except asyncpg.UndefinedTableError:
                return []
            return [(int(r[0]), int(r[1]), r[2]) for r in records]

        return loop.run(fetch())


class WriteLock:
    """Another connection holding the database's write lock, as a backup or a second tool
    would: SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``LOCK TABLE … IN EXCLUSIVE MODE`` on every
    table of the public schema (writes wait, reads go on, like SQLite's lock under WAL)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.path = sqlite_file(database_url)
        self.tables: list[str] = []
        self._sqlite: sqlite3.Connection | None = None
        self._loop: _LoopThread | None = None
        self._pg: Any = None

    def acquire(self) -> None:
        if self.path is not None:
            self._sqlite = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
            return
        import asyncpg

        self._loop = _LoopThread()

        async def lock() -> Any:
            connection = await asyncpg.connect(_asyncpg_dsn(self.url))
            names = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
            self.tables = [r[0] for r in names]
            quoted = ", ".join(f'"{name}"' for name in self.tables)
            for _ in range(20):
                # LOCK TABLE takes the tables one by one, so the bot's transaction in
                # between can deadlock with it; PostgreSQL then aborts one of the two.
                # Like any writer, the lock-taker tries again.
                await connection.execute("BEGIN")
                try:
                    await connection.execute(f"LOCK TABLE {quoted} IN EXCLUSIVE MODE")
                except asyncpg.exceptions.DeadlockDetectedError:
                    await connection.execute("ROLLBACK")
                    continue
                return connection
            raise RuntimeError("could not lock the tables")

        self._pg = self._loop.run(lock())

    def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
            self._sqlite = None
        if self._loop is not None:
            connection = self._pg

            async def unlock() -> None:
                await connection.execute("ROLLBACK")
                await connection.close()

            self._loop.run(unlock())
            self._loop.close()
            self._loop = None


# --------------------------------------------------------------------------- notes and verdicts


@dataclass
class Notes:
    """Text notes pushed to the loopback server, by (chat_id, message_id)."""

    api: LoopbackBotAPI
    sent: dict[Key, str] = field(default_factory=dict)
    last_push_at: float = 0.0
    _counter: Counter[int] = field(default_factory=Counter)

    def batch(self, users: list[int], per_user: int, tag: str) -> list[tuple[int, str]]:
        """``per_user`` notes from each user, interleaved user by user (as a crowd writes)."""
        messages = []
        for _ in range(per_user):
            for user in users:
                self._counter[user] += 1
                messages.append((user, f"{tag} note {self._counter[user]} from {user}"))
        return messages

    def push(self, messages: list[tuple[int, str]]) -> None:
        for update in self.api.push_texts(messages):
            message = update["message"]
            self.sent[(message["chat"]["id"], message["message_id"])] = message["text"]
        self.last_push_at = time.monotonic()

    def send(self, users: list[int], per_user: int, tag: str) -> None:
        self.push(self.batch(users, per_user, tag))

    @property
    def keys(self) -> set[Key]:
        return set(self.sent)


def ack_target(call: ApiCall) -> Key | None:
    """The note a call acknowledges: a reaction set on it, or a send replying to it."""
    if call.chat_id is None:
        return None
    if call.method == "setMessageReaction" and call.reaction_emojis:
        message_id = call.params.get("message_id")
        return (call.chat_id, message_id) if isinstance(message_id, int) else None
    if is_send_method(call.method) and call.reply_to is not None:
        return (call.chat_id, call.reply_to)
    return None


class AckWatch:
    """Checks, at the moment each acknowledgement reaches the server (before the bot sees the
    answer), that the acknowledged note is already committed to the database."""

    def __init__(self, api: LoopbackBotAPI, db: NoteDatabase) -> None:
        self.db = db
        self.checked = 0
        self.unstored: list[tuple[Key, str]] = []
        self._lock = threading.Lock()
        api.add_observer(self._observe)

    def _observe(self, call: ApiCall) -> None:
        target = ack_target(call)
        if target is None:
            return
        stored = self.db.has(*target)
        with self._lock:
            self.checked += 1
            if not stored:
                self.unstored.append((target, call.method))


def outputs(api: LoopbackBotAPI) -> int:
    """How many chat-visible requests took effect so far (sends, reactions, edits…)."""
    return api.performed_chat_calls


def wait_for_outputs(api: LoopbackBotAPI, bot: BotProcess, count: int, timeout: float) -> bool:
    """Wait until ``count`` chat-visible requests took effect (the bot is mid-burst)."""
    return api.wait_until(lambda: outputs(api) >= count or not bot.alive, timeout, poll=0.05)


def drain(
    api: LoopbackBotAPI,
    bot: BotProcess,
    notes: Notes,
    *,
    timeout: float,
    idle: float = 30.0,
) -> str:
    """Wait until every note is acknowledged and every update confirmed; or the bot died; or
    it sat idle for ``idle`` seconds with nothing pending (it will not get there by itself);
    or ``timeout``. Returns which."""
    keys = notes.keys
    outcome = "timeout"

    def done() -> bool:
        nonlocal outcome
        if not bot.alive:
            outcome = "exited"
            return True
        if api.pending_count == 0 and keys <= api.acknowledged():
            outcome = "drained"
            return True
        last = max(notes.last_push_at, api.last_call_at or 0.0)
        if api.pending_count == 0 and time.monotonic() - last > idle:
            outcome = "idle"
            return True
        return False

    api.wait_until(done, timeout, poll=0.5)
    return outcome


@dataclass
class Verdict:
    """What happened to the notes: stored, lost, duplicated, acknowledged."""

    sent: int
    stored: int
    lost: list[Key]
    duplicated: dict[Key, int]
    wrong_text: list[Key]
    unacknowledged: list[Key]
    reactions: Counter[Key]
    replies: Counter[Key]
    pending: int
    too_many_requests: int
    abandoned: int
    methods: Counter[str]

    def summary(self) -> str:
        def sample(items: Any) -> str:
            listed = sorted(items)
            return f"{len(listed)} {listed[:8]}{' …' if len(listed) > 8 else ''}"

        multi = {k: v for k, v in self.reactions.items() if v > 1}
        return "\n".join(
            [
                f"notes sent {self.sent}, rows stored for them {self.stored}",
                f"lost (not stored): {sample(self.lost)}",
                f"stored more than once: {sample(self.duplicated)}",
                f"stored with another text: {sample(self.wrong_text)}",
                f"never acknowledged: {sample(self.unacknowledged)}",
                f"notes with a reaction {len(self.reactions)}, with a reply {len(self.replies)}, "
                f"with 2+ reactions {len(multi)}",
                f"updates still unconfirmed on the server: {self.pending}",
                f"429 answers: {self.too_many_requests}",
                f"held requests the bot's client gave up on: {self.abandoned}",
                f"calls by method: {dict(sorted(self.methods.items()))}",
            ]
        )


def verdict(api: LoopbackBotAPI, db: NoteDatabase, notes: Notes) -> Verdict:
    rows = db.rows()
    counts = Counter((c, m) for c, m, _ in rows)
    texts = {(c, m): t for c, m, t in rows}
    acks = api.acknowledged()
    return Verdict(
        sent=len(notes.sent),
        stored=sum(counts[k] for k in notes.sent),
        lost=[k for k in notes.sent if counts[k] == 0],
        duplicated={k: counts[k] for k in notes.sent if counts[k] > 1},
        wrong_text=[k for k, t in notes.sent.items() if counts[k] and texts[k] != t],
        unacknowledged=[k for k in notes.sent if k not in acks],
        reactions=api.reactions(),
        replies=api.replies(),
        pending=api.pending_count,
        too_many_requests=api.too_many_requests,
        abandoned=len(api.abandoned),
        methods=api.methods_called(),
    )


LOCKED = re.compile(r"database is locked", re.IGNORECASE)
BAD_LINE = re.compile(r"^\S+ (ERROR|CRITICAL) |Traceback \(most recent call last\)", re.MULTILINE)


def problem_lines(output: str, pattern: re.Pattern[str], limit: int = 10) -> list[str]:
    """Up to ``limit`` log lines matching ``pattern`` (each cut to 400 characters)."""
    found = [line[:400] for line in output.splitlines() if pattern.search(line)]
    return found[:limit] + ([f"… and {len(found) - limit} more"] if len(found) > limit else [])


@contextlib.contextmanager
def running_bot(
    api: LoopbackBotAPI, database_url: str, workdir: Path, **kwargs: Any
) -> Iterator[BotProcess]:
    """A started bot that has begun polling; killed on the way out if still running."""
    bot = BotProcess(api, database_url, workdir, **kwargs)
    try:
        bot.start()
        bot.wait_polling()
        yield bot
    finally:
        bot.close()


def users(count: int, first: int = 5_000_001) -> list[int]:
    """Telegram user ids of brand-new users (none of them ever sent /start)."""
    return list(range(first, first + count))
