"""``python -m bot run`` for real: a separate process, only a token and TELEGRAM_API_BASE_URL set,
talking to a Bot API-compatible server on loopback. It must answer /start, keep the token out
of its output, and stop cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
BOT = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Weekly Review",
    "username": "weekly_review_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
USER = {"id": 1001, "is_bot": False, "first_name": "Ada", "language_code": "en"}


class LocalBotAPI(ThreadingHTTPServer):
    """Answers the handful of Bot API methods a start-up and one /start need."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.updates = [
            {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1_800_000_000,
                    "text": "/start",
                    "chat": {"id": 1001, "type": "private", "first_name": "Ada"},
                    "from": USER,
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
        ]
        self.sent: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.answered = threading.Event()
        self.message_id = 1

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            return [u for u in self.updates if u["update_id"] >= offset]
        if method in ("sendMessage",):
            self.sent.append(params)
            if len(self.sent) >= 2:
                self.answered.set()
            self.message_id += 1
            return {
                "message_id": self.message_id,
                "date": 1_800_000_001,
                "text": params["text"],
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT,
            }
        return True  # deleteWebhook, setMyCommands, close, …


class _Handler(BaseHTTPRequestHandler):
    server: LocalBotAPI

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.paths.append(self.path)
        # PTB posts form fields whose values are JSON-encoded where they are not plain strings.
        params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        method = self.path.rsplit("/", 1)[-1]
        payload = json.dumps({"ok": True, "result": self.server.answer(method, params)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads the server's records instead."""


@pytest.fixture
def api() -> Iterator[LocalBotAPI]:
    server = LocalBotAPI()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_bot_process_answers_start_with_only_a_token(api: LocalBotAPI, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALLOWED_USER_IDS")}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        LOG_LEVEL="DEBUG",
        PYTHONPATH=str(ROOT),
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{api.server_address[1]}",
    )
    # Files, not pipes: DEBUG output would fill a pipe nobody reads and block the bot.
    out_path, err_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=out_file,
            stderr=err_file,
        )
        try:
            answered = api.answered.wait(timeout=60)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    out, err = out_path.read_text(), err_path.read_text()
    assert answered, err[-2000:]
    assert "weekly review" in api.sent[0]["text"]
    assert api.sent[1]["reply_markup"]  # the language buttons
    assert process.returncode == 0, err[-2000:]
    assert TOKEN not in out + err  # DEBUG logs included
    assert (tmp_path / "data" / "weekly-review.sqlite3").is_file()  # the default database
    assert any(p.endswith("/setMyCommands") for p in api.paths)
