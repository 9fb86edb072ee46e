"""Real PostgreSQL 15 and Redis 7, started once per test session (never skipped in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.integration.servers import (
    Postgres,
    ServerUnavailableError,
    postgres_server,
    redis_server,
)


def _unavailable(error: ServerUnavailableError) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL/Redis tests: {error}")
    pytest.skip(str(error))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    try:
        with postgres_server() as server:
            yield server
    except ServerUnavailableError as error:
        _unavailable(error)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        with redis_server() as url:
            yield url
    except ServerUnavailableError as error:
        _unavailable(error)


@pytest.fixture
def postgres_database(postgres: Postgres) -> Iterator[str]:
    """The name of a fresh, empty database for one test."""
    name = f"ccg_{uuid.uuid4().hex[:12]}"
    with postgres.admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield name
    with postgres.admin_connection() as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres: Postgres, postgres_database: str) -> str:
    """A fresh, empty database for one test."""
    return postgres.url(postgres_database)
