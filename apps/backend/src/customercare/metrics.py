"""Prometheus metrics, in a registry per application so that apps built in tests do not collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ccg_http_requests_total",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "ccg_http_request_duration_seconds",
            "HTTP request latency by method, route template and status code.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answer_latency = Histogram(
            "ccg_answer_duration_seconds",
            "Time to retrieve passages and compose an answer, by provider and outcome.",
            ["provider", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.retrieval_hits = Histogram(
            "ccg_retrieval_hits",
            "Passages retrieval returned for a customer question.",
            buckets=(0, 1, 2, 3, 5, 10),
            registry=self.registry,
        )
        self.provider_errors = Counter(
            "ccg_answer_provider_errors_total",
            "Answers whose provider failed and that fell back to the local provider.",
            ["provider"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
