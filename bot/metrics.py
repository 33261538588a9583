"""Prometheus metrics of the running bot, served on ``METRICS_PORT`` when it is set.

Counters are process-local (each replica exposes its own); the backlog gauges are read from
the shared database by the scheduler tick, so any replica reports the whole service.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)
REGISTRY = CollectorRegistry(auto_describe=True)

SENDS = Counter(
    "review_bot_sends",
    "Requests the sender made to Telegram, by method and outcome.",
    ["method", "outcome"],
    registry=REGISTRY,
)
FLOOD_WAITS = Counter(
    "review_bot_flood_waits",
    "429 Too Many Requests answers from Telegram (each pauses all sending).",
    registry=REGISTRY,
)
UPDATES = Counter(
    "review_bot_updates",
    "Updates handled, by outcome (handled, retried after a database error, failed).",
    ["outcome"],
    registry=REGISTRY,
)
HANDLER_ERRORS = Counter(
    "review_bot_handler_errors",
    "Updates whose handler failed for good (kept in the inbox for the operator).",
    registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "review_bot_scheduler_tick_seconds",
    "How long one scheduler pass took.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
INBOX_BACKLOG = Gauge(
    "review_bot_inbox_backlog",
    "Stored updates not handled yet (as of the last scheduler tick).",
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "review_bot_outbox_backlog",
    "Messages waiting to be sent (as of the last scheduler tick).",
    registry=REGISTRY,
)


def serve(port: int, address: str) -> None:
    """Expose ``/metrics`` on ``address:port`` (a small HTTP server in a thread)."""
    start_http_server(port, addr=address, registry=REGISTRY)
    log.info("metrics_listening", extra={"port": port})
