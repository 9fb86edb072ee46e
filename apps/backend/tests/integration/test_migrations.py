"""Alembic migrations build exactly the models' schema, and undo it, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from customercare.db import create_db_engine
from customercare.migrations import alembic_config, upgrade
from customercare.models import Base


def _assert_schema_matches_models(url: str) -> None:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    # A non-empty list means a model changed without a migration: run
    # `alembic revision --autogenerate` (see customercare/migrations/__init__.py).
    assert differences == []


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    return tables


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_migrations_match_the_models_and_downgrade(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # idempotent: nothing left to apply
    _assert_schema_matches_models(database_url)
    assert {"workspaces", "documents", "chunks", "messages"} <= _tables(database_url)
    command.downgrade(alembic_config(database_url), "base")
    assert _tables(database_url) <= {"alembic_version"}
