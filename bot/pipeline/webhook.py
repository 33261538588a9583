"""Webhook mode: Telegram POSTs updates; the answer is 200 only once the update is committed.

Telegram retries an update until it gets a 200, so an update is confirmed exactly when it is
durable, as with polling. The secret from ``setWebhook`` (``WEBHOOK_SECRET``) is checked on
every request. Several replicas may listen behind one reverse proxy on PostgreSQL: the inbox
and outbox are shared, each chat is handled by one replica at a time, and one replica sends.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.config import Settings
from bot.context import BotApp
from bot.pipeline.runtime import Pipeline

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


class UpdateHandler(RequestHandler):
    """POST <path>: one update, stored before the 200."""

    def initialize(self, app: BotApp, pipeline: Pipeline, secret: str | None) -> None:
        self.bot_app = app
        self.pipeline = pipeline
        self.secret = secret

    async def post(self) -> None:
        if self.secret is not None:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                self.set_status(403)
                return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.bot_app.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            self.set_status(400)
            return
        try:
            await self.pipeline.receive([update])
        except Exception as exc:  # not stored: Telegram must send it again
            log.warning("inbox_write_failed", extra={"reason": type(exc).__name__})
            self.set_status(503)
            return
        self.set_status(200)

    def log_exception(self, *args: object) -> None:
        """Errors are logged by the handler itself, in one line."""


def _log_refused(handler: RequestHandler) -> None:
    """One WARNING line for each request the webhook did not take: a stale secret or a
    ``WEBHOOK_PATH`` that differs from ``WEBHOOK_URL``'s path would otherwise leave Telegram
    retrying in silence. Status and path only: never a header (the secret) or the body."""
    status = handler.get_status()
    if status >= 400 and status != 503:  # 503 (not stored) is logged where it happens
        path = handler.request.path[:100]
        log.warning("webhook_refused", extra={"status": status, "path": path})


class HealthHandler(RequestHandler):
    """GET /healthz: the process is up and serving."""

    def get(self) -> None:
        self.write("ok")


async def listen(app: BotApp, pipeline: Pipeline, settings: Settings, stop: asyncio.Event) -> None:
    """Serve the webhook until ``stop`` is set."""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    web = Application(
        [
            (
                settings.webhook_path,
                UpdateHandler,
                {"app": app, "pipeline": pipeline, "secret": secret},
            ),
            ("/healthz", HealthHandler),
        ],
        log_function=_log_refused,
    )
    server = HTTPServer(web, max_body_size=MAX_BODY, xheaders=True)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    log.info("webhook_listening", extra={"port": settings.webhook_port})
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
