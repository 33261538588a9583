"""Long polling without PTB's ``Updater``: an update is confirmed only after it is stored.

Telegram forgets updates once ``getUpdates`` is called with a higher ``offset``. So each
batch is committed to the inbox (together with the next offset, and, when nothing is queued,
with its handling) before the next call, and a crash at any point loses nothing: the next
start asks again from the stored offset.
Network trouble and a busy database are one WARNING line each, then a growing pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from bot.pipeline.runtime import ALLOWED_UPDATES, Pipeline

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
MAX_PAUSE = 30.0


async def poll(bot: Bot, pipeline: Pipeline, stop: asyncio.Event) -> None:
    """Fetch, store, confirm, until ``stop`` is set."""
    offset = await pipeline.offset()
    failures = 0
    while not stop.is_set():
        try:
            fetch = asyncio.create_task(
                bot.get_updates(
                    offset=offset,
                    timeout=POLL_TIMEOUT,
                    allowed_updates=ALLOWED_UPDATES,
                )
            )
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()  # nothing fetched is lost: it was not confirmed
                break
            updates = fetch.result()
            if updates:
                following = updates[-1].update_id + 1
                await pipeline.receive(updates, offset=following, handle_now=True)
                offset = following
            failures = 0
        except InvalidToken:
            raise
        except Conflict as exc:
            failures += 1
            log.warning("polling_conflict", extra={"reason": exc.message})
        except (NetworkError, TelegramError) as exc:
            failures += 1
            log.warning("polling_failed", extra={"reason": f"{type(exc).__name__}: {exc}"})
        except Exception as exc:  # the inbox could not be written: ask again later
            failures += 1
            reason = str(exc).splitlines()[0] if str(exc) else ""
            log.warning("inbox_write_failed", extra={"reason": f"{type(exc).__name__}: {reason}"})
        if failures:
            pause = min(MAX_PAUSE, 0.5 * 2 ** min(failures, 6))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
