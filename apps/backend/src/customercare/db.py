"""The database engine and sessions: SQLite (WAL mode) by default, PostgreSQL when configured."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from customercare.db_metrics import instrument_engine, timed_queue_pool
from customercare.metrics import Metrics


def normalise_url(url: str) -> str:
    """Use psycopg 3 for `postgresql://` URLs (SQLAlchemy would otherwise pick psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin) instead of the driver's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer commits; busy_timeout waits for the writer instead of
    # failing with "database is locked" under concurrent requests.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A write transaction takes SQLite's write lock up front (BEGIN IMMEDIATE), so busy_timeout
    # queues concurrent writers. A deferred transaction that reads first and writes later fails at
    # once with "database is locked" when another writer committed in between, and waiting cannot
    # fix that (https://www.sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions).
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_db_engine(url: str, metrics: Metrics | None = None) -> Engine:
    """The engine for `url`; with `metrics`, its statements and pool are measured."""
    url = normalise_url(url)
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        in_memory = database == ":memory:"
        if not in_memory:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A file database gets SQLAlchemy's default QueuePool; :memory: keeps its singleton pool.
        if metrics is not None and not in_memory:
            options["poolclass"] = timed_queue_pool(metrics.db_pool_wait.observe)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if metrics is not None:
            options["poolclass"] = timed_queue_pool(metrics.db_pool_wait.observe)
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **options)
    if metrics is not None:
        instrument_engine(engine, metrics)
    return engine


class Database:
    """One engine and its session factory, shared by the app, the CLI and the tests."""

    def __init__(self, url: str, metrics: Metrics | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, metrics)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue on a lock, in order,
        # instead of in SQLite's busy handler, which sleeps and retries and lets an unlucky
        # writer starve until busy_timeout fails it with "database is locked". (busy_timeout
        # still covers writers in other processes, such as the CLI.)
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """A unit of work, committed at the end; `write=False` for read-only requests."""
        lock = self._write_lock if write else None
        if lock is not None:
            lock.acquire()
        try:
            with (self._write_sessions if write else self._sessions)() as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Connection]:
        """One transaction on a connection, committed at the end (rolled back on an error).

        For hot paths that write a few rows with Core statements: an ORM session's unit of work
        (identity map, flush planning, expiry) cost more CPU than the chat's whole reply. The
        same begin mode and write lock as `session`.
        """
        lock = self._write_lock if write else None
        if lock is not None:
            lock.acquire()
        try:
            with (self._writer if write else self.engine).begin() as connection:
                yield connection
        finally:
            if lock is not None:
                lock.release()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
