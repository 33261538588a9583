"""Prometheus metrics of the running bot, served on ``METRICS_PORT`` when it is set.

Counters are process-local (each replica exposes its own); the backlog gauges are read from
the shared database by the scheduler tick, so any replica reports the whole service.
``prometheus_client`` is imported only by :func:`enable`: without ``METRICS_PORT`` every
recording function below is a no-op and the library costs nothing at start-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Series:
    registry: CollectorRegistry
    sends: Counter
    flood_waits: Counter
    updates: Counter
    handler_errors: Counter
    tick_seconds: Histogram
    inbox_backlog: Gauge
    outbox_backlog: Gauge


_series: _Series | None = None


def enable() -> None:
    """Start recording (idempotent); the series count from this call on."""
    global _series
    if _series is not None:
        return
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    registry = CollectorRegistry(auto_describe=True)
    _series = _Series(
        registry=registry,
        sends=Counter(
            "review_bot_sends",
            "Requests the sender made to Telegram, by method and outcome.",
            ["method", "outcome"],
            registry=registry,
        ),
        flood_waits=Counter(
            "review_bot_flood_waits",
            "429 Too Many Requests answers from Telegram (each pauses all sending).",
            registry=registry,
        ),
        updates=Counter(
            "review_bot_updates",
            "Updates handled, by outcome (handled, retried after a database error, failed).",
            ["outcome"],
            registry=registry,
        ),
        handler_errors=Counter(
            "review_bot_handler_errors",
            "Updates whose handler failed for good (kept in the inbox for the operator).",
            registry=registry,
        ),
        tick_seconds=Histogram(
            "review_bot_scheduler_tick_seconds",
            "How long one scheduler pass took.",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
            registry=registry,
        ),
        inbox_backlog=Gauge(
            "review_bot_inbox_backlog",
            "Stored updates not handled yet (as of the last scheduler tick).",
            registry=registry,
        ),
        outbox_backlog=Gauge(
            "review_bot_outbox_backlog",
            "Messages waiting to be sent (as of the last scheduler tick).",
            registry=registry,
        ),
    )


def enabled() -> bool:
    return _series is not None


def serve(port: int, address: str) -> None:
    """Expose ``/metrics`` on ``address:port`` (a small HTTP server in a thread)."""
    from prometheus_client import start_http_server

    enable()
    assert _series is not None
    start_http_server(port, addr=address, registry=_series.registry)
    log.info("metrics_listening", extra={"port": port})


def count_send(method: str, outcome: str) -> None:
    if _series is not None:
        _series.sends.labels(method, outcome).inc()


def count_flood_wait() -> None:
    if _series is not None:
        _series.flood_waits.inc()


def count_update(outcome: str, updates: int = 1) -> None:
    """``outcome``: handled, retried or failed (a failure also counts as a handler error)."""
    if _series is not None and updates:
        _series.updates.labels(outcome).inc(updates)
        if outcome == "failed":
            _series.handler_errors.inc(updates)


def observe_tick(seconds: float) -> None:
    if _series is not None:
        _series.tick_seconds.observe(seconds)


def set_backlogs(inbox: int, outbox: int) -> None:
    if _series is not None:
        _series.inbox_backlog.set(inbox)
        _series.outbox_backlog.set(outbox)
