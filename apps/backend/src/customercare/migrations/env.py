"""Alembic's environment: one engine from the configured URL, the models' metadata as target."""

from __future__ import annotations

from alembic import context

from customercare.db import create_db_engine
from customercare.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if url is None:  # pragma: no cover - alembic_config() always sets it
    raise RuntimeError("sqlalchemy.url is not set: build the config with alembic_config()")

engine = create_db_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
