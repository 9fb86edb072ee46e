"""Alembic migrations, run on start (MIGRATE_ON_START) and by `python -m customercare migrate`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
