"""Prometheus metrics, in a registry per application so that apps built in tests do not collide.

Every metric is defined with prometheus_client's ordinary API, so it also works in multiprocess
mode (PROMETHEUS_MULTIPROC_DIR set): the pool gauges say how to add up the workers' values.
"""

from __future__ import annotations

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from customercare import multiprocess

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # The process (CPU, memory, file descriptors), Python platform and garbage collector
        # collectors that prometheus_client's default registry carries; this registry is not the
        # default one, so it registers them itself.
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
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
            "Answers whose provider failed and that fell back to the local provider, by provider "
            "and kind of failure (timeout, connection, rate_limited, http_4xx, http_5xx, "
            "invalid_response, empty_answer).",
            ["provider", "kind"],
            registry=self.registry,
        )
        self.provider_latency = Histogram(
            "ccg_answer_provider_duration_seconds",
            "Time the answer provider took to compose a reply, by provider and outcome "
            "(ok, error).",
            ["provider", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.db_queries = Histogram(
            "ccg_db_query_duration_seconds",
            "Database statement execution time, by operation (select, insert, update, delete, "
            "other).",
            ["operation"],
            buckets=_QUERY_BUCKETS,
            registry=self.registry,
        )
        self.db_pool_size = Gauge(
            "ccg_db_pool_size",
            "Connections the database pool keeps (its configured size).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.db_pool_checked_out = Gauge(
            "ccg_db_pool_checked_out",
            "Database connections in use by a request or job right now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.db_pool_overflow = Gauge(
            "ccg_db_pool_overflow",
            "Connections open beyond the pool size (negative: pool slots not yet opened).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.db_pool_wait = Histogram(
            "ccg_db_pool_wait_seconds",
            "Time a caller waited for the pool to hand out a connection.",
            buckets=_QUERY_BUCKETS,
            registry=self.registry,
        )
        self.db_pool_checkout = Histogram(
            "ccg_db_pool_checkout_duration_seconds",
            "How long a connection stayed checked out of the pool, checkout to checkin.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def render(self) -> bytes:
        # Under several workers, every worker's values added up (customercare/multiprocess.py).
        directory = multiprocess.multiprocess_dir()
        if directory is not None:
            return multiprocess.render(directory)
        return generate_latest(self.registry)
