"""What /metrics tells Prometheus: events, handler latency, failures, the outbox's
backlog, how late scheduled jobs start, and how often a platform made us wait.

One registry per process (per App), so tests that build several apps count apart.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from handlers.core.model import Event

__all__ = ["CONTENT_TYPE", "Metrics"]
# Handlers answer in milliseconds; the tail shows a slow database or platform.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._events = Counter(
            "shopbot_events",
            "Events handled, by platform and kind",
            ["platform", "kind"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "shopbot_handler_seconds",
            "Time from an event reaching the router to its reply",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._errors = Counter(
            "shopbot_errors",
            "Events whose handling failed (the person got an apology)",
            ["platform"],
            registry=self.registry,
        )
        self._waits = Counter(
            "shopbot_rate_limit_waits",
            "Times a platform told us to wait before sending more",
            ["platform"],
            registry=self.registry,
        )
        self._waited = Counter(
            "shopbot_rate_limit_wait_seconds",
            "Seconds a platform told us to wait",
            ["platform"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "shopbot_outbox_backlog",
            "Messages waiting in the outbox for a platform",
            registry=self.registry,
        )
        self.scheduler_lag = Gauge(
            "shopbot_scheduler_lag_seconds",
            "How late the last scheduled job run started",
            registry=self.registry,
        )

    def observe(self, event: Event, seconds: float, failed: bool) -> None:
        """The router's report of one handled event."""
        self._events.labels(event.platform, event.kind.value).inc()
        self._latency.labels(event.platform).observe(seconds)
        if failed:
            self._errors.labels(event.platform).inc()

    def rate_limited(self, platform: str, seconds: float) -> None:
        self._waits.labels(platform).inc()
        self._waited.labels(platform).inc(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
