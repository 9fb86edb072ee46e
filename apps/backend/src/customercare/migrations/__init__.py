"""Alembic migrations, run on start (MIGRATE_ON_START) and by `python -m customercare migrate`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from customercare.db import normalise_url

SCRIPT_LOCATION = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # `%` is ConfigParser interpolation syntax; a password may contain it.
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str:
    """The database's schema revision, or `none` before its first migration (or without a file).

    The deploy target records it per release, so that a rollback to a release with an older
    schema knows to restore the backup taken at that schema.
    """
    url = normalise_url(database_url)
    engine = create_engine(url)
    try:
        if url.startswith("sqlite") and not _sqlite_file_exists(engine.url.database):
            return "none"
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() or "none"
    finally:
        engine.dispose()


def _sqlite_file_exists(database: str | None) -> bool:
    # Connecting would create an empty file: a missing database has no schema.
    return bool(database) and database != ":memory:" and Path(str(database)).exists()
