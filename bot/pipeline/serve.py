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
        may_send = asyncio.Event()
        background = [
            asyncio.create_task(leader.lead(pipeline.lease, may_send, stop)),
            asyncio.create_task(pipeline.sender.run(stop, may_send)),
        ]
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
    finally:
        stop.set()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
