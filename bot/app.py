"""Building the production Application: settings, database, pipeline, handlers, scheduler."""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotApp, BotContext
from bot.crypto.admin import quarantine_users_without_keys
from bot.crypto.sealing import attach
from bot.crypto.vault import KeyConfig, Vault
from bot.handlers.registry import register_handlers
from bot.jobs import weekly
from bot.pipeline.runtime import PIPELINE_KEY, Pipeline
from bot.pipeline.sender import SEND_TIMEOUT
from bot.services import SERVICES_KEY, Services
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade

log = logging.getLogger(__name__)


def build_application(
    settings: Settings, *, clock: Clock | None = None, request: BaseRequest | None = None
) -> BotApp:
    """The application ``python -m bot run`` starts; tests pass a fake ``request``."""
    clock = clock or SystemClock()
    builder = (
        ApplicationBuilder()
        .updater(None)  # bot.pipeline.polling confirms updates only once they are stored
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.file_api_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:  # a slow answer is awaited rather than sent twice
        builder = builder.read_timeout(SEND_TIMEOUT).write_timeout(SEND_TIMEOUT)
    app: BotApp = builder.build()
    engine = create_engine(settings.database_url)
    vault = Vault(KeyConfig.from_settings(settings, settings.database_url))
    attach(engine, vault)
    services = Services(settings, clock, engine, session_factory(engine), vault)
    app.bot_data[SERVICES_KEY] = services
    app.bot_data[PIPELINE_KEY] = Pipeline(app.bot, services, app.process_update)
    register_handlers(app)
    return app


async def _post_init(app: BotApp) -> None:
    """Start-up work: migrate the database and start the scheduler.

    The command menu is published by ``bot.pipeline.serve`` once polling runs, so a restart
    does not wait for three ``setMyCommands`` round trips before it reads updates.
    """
    services: Services = app.bot_data[SERVICES_KEY]
    await services.vault.open(services.clock.now())  # a missing or wrong key stops us here
    await upgrade(services.engine)
    await quarantine_users_without_keys(services.vault, services.engine, services.clock.now())
    schedule_jobs(app, services.settings.scheduler_interval_seconds)
    log.info("started", extra={"bot": app.bot.username})


def schedule_jobs(app: BotApp, interval: float) -> None:
    """The scheduler tick; the database decides what is due, so one repeating job suffices."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        weekly.tick,
        interval=interval,
        first=1,
        name=weekly.JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


async def _post_shutdown(app: BotApp) -> None:
    """Stop the pipeline's tasks, hand the sender lease on and close the database."""
    services: Services = app.bot_data[SERVICES_KEY]
    pipeline: Pipeline = app.bot_data[PIPELINE_KEY]
    await pipeline.close()
    try:
        await pipeline.lease.release()
    except Exception as exc:  # the database may be the reason we stop
        log.warning("sender_lease_release_failed", extra={"reason": type(exc).__name__})
    await services.engine.dispose()
    await services.vault.close()
