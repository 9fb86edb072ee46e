"""Database metrics from SQLAlchemy's own hooks: statement durations and the connection pool.

Statements are timed between the `before_cursor_execute` and `after_cursor_execute` events; the
pool's gauges follow its `checkout` and `checkin` events; the wait for a connection is timed inside
the pool (`_do_get` is the method SQLAlchemy documents for custom pools to implement), because no
event fires before a caller starts waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from customercare.metrics import Metrics

_OPERATIONS = frozenset({"select", "insert", "update", "delete"})
_STARTED = "ccg_query_started"


def operation(statement: str) -> str:
    """The statement's verb for the `operation` label; anything else (BEGIN, PRAGMA) is `other`."""
    verb = statement.lstrip(" \n\t(").split(None, 1)[:1]
    word = verb[0].lower() if verb else ""
    return word if word in _OPERATIONS else "other"


def timed_queue_pool(observe_wait: Callable[[float], None]) -> type[QueuePool]:
    """A QueuePool that reports how long each caller waited for a connection."""

    class TimedQueuePool(QueuePool):
        def _do_get(self) -> ConnectionPoolEntry:
            started = time.perf_counter()
            try:
                return super()._do_get()
            finally:
                observe_wait(time.perf_counter() - started)

    return TimedQueuePool


def instrument_engine(engine: Engine, metrics: Metrics) -> None:
    """Listen to the engine's statements and its pool's checkouts and checkins."""
    pool = engine.pool
    queue_pool = pool if isinstance(pool, QueuePool) else None
    if queue_pool is not None:
        metrics.db_pool_size.set(queue_pool.size())
        metrics.db_pool_overflow.set(queue_pool.overflow())
    # Checkout times by connection record: a record's own `info` is cleared when the connection is
    # invalidated, which would lose the checkout and leave the checked-out gauge one too high.
    checked_out_at: dict[int, float] = {}

    def before_execute(conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        conn.info.setdefault(_STARTED, []).append(time.perf_counter())

    def after_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        started = conn.info[_STARTED].pop()
        metrics.db_queries.labels(operation(statement)).observe(time.perf_counter() - started)

    def failed(context: Any) -> None:
        # after_cursor_execute does not run for a failed statement; drop its start time.
        stack = context.connection.info.get(_STARTED) if context.connection is not None else None
        if stack:
            stack.pop()

    def checkout(_dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        checked_out_at[id(record)] = time.perf_counter()
        metrics.db_pool_checked_out.inc()
        if queue_pool is not None:
            metrics.db_pool_overflow.set(queue_pool.overflow())

    def checkin(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        started = checked_out_at.pop(id(record), None)
        if started is None:
            return
        metrics.db_pool_checked_out.dec()
        metrics.db_pool_checkout.observe(time.perf_counter() - started)
        if queue_pool is not None:
            metrics.db_pool_overflow.set(queue_pool.overflow())

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "after_cursor_execute", after_execute)
    event.listen(engine, "handle_error", failed)
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
