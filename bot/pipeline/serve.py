"""``python -m bot run``: start the application and the pipeline, stop them cleanly.

Polling by default; with ``WEBHOOK_URL`` set, a webhook server instead. Updates found in the
inbox from before a crash are handled first, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.context import BotApp
from bot.pipeline import leader, polling
from bot.pipeline.runtime import ALLOWED_UPDATES, PIPELINE_KEY, Pipeline
from bot.services import SERVICES_KEY, Services

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 10.0
MENU_AFTER = 1.0  # seconds: reading updates first; the menu (and its catalogs) can wait


async def _publish_commands(app: BotApp) -> None:
    """The command menu in every language; a refusal costs the menu, not the bot."""
    from bot.handlers.commands import register_commands

    await asyncio.sleep(MENU_AFTER)
    try:
        await register_commands(app.bot)
    except Exception as exc:  # TelegramError or a network error: the bot works without it
        log.warning("command_menu_failed", extra={"reason": type(exc).__name__})


async def serve(app: BotApp) -> None:
    """Run until SIGINT or SIGTERM."""
    pipeline: Pipeline = app.bot_data[PIPELINE_KEY]
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.settings
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await app.initialize()
    try:
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        if settings.metrics_port is not None:
            from bot import metrics

            metrics.serve(settings.metrics_port, settings.metrics_listen)
        await pipeline.recover(app.bot)
        # Reading updates starts first; the sender's lease and the menu (writes and requests
        # nobody waits for) follow, so a restart is back online as soon as possible.
        background: list[asyncio.Task[None]] = []
        if settings.webhook_url:
            from bot.pipeline import webhook

            await app.bot.set_webhook(
                settings.webhook_url,
                secret_token=(
                    settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
                ),
                allowed_updates=ALLOWED_UPDATES,
            )
            background.append(asyncio.create_task(webhook.listen(app, pipeline, settings, stop)))
        else:
            await app.bot.delete_webhook()
            background.append(asyncio.create_task(polling.poll(app.bot, pipeline, stop)))
        may_send, sender_done = asyncio.Event(), asyncio.Event()
        sending = asyncio.create_task(pipeline.sender.run(stop, may_send))
        sending.add_done_callback(lambda _: sender_done.set())
        # The lease is renewed until the sender has finished the sends under way at stop.
        background += [
            asyncio.create_task(leader.lead(pipeline.lease, may_send, sender_done)),
            sending,
        ]
        menu = asyncio.create_task(_publish_commands(app))
        log.info("serving", extra={"mode": "webhook" if settings.webhook_url else "polling"})
        done, _ = await asyncio.wait(
            [asyncio.create_task(stop.wait()), *background],
            return_when=asyncio.FIRST_COMPLETED,
        )
        stop.set()
        for task in done:  # a loop that ended by itself failed: re-raise its error
            if task in background and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pipeline.worker.wait_idle(), timeout=SHUTDOWN_GRACE)
        await asyncio.gather(*background, return_exceptions=True)
        menu.cancel()
        await asyncio.gather(menu, return_exceptions=True)
    finally:
        stop.set()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
