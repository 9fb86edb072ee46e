"""The rehearsal's broken release (tools/scripts/rehearse.mjs, docs/plugins/deploy.md "Rehearsal").

Not a migration of the backend: `npm run rehearse` adds this file to the release image's
migrations (one more layer on the good digest, pushed as its own digest) to stand for a classic
release bug that only production's data shows. It adds a NOT NULL column without a server
default. SQLite and PostgreSQL both accept that ALTER on an empty table, so the release migrates and
serves on staging's database, which holds no documents; on production's documents they refuse it
(SQLite: "Cannot add a NOT NULL column with default value NULL"), the release exits at start, and
production's deploy rolls it back. The failed ALTER changes nothing: the schema stays at 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_rehearsal_language"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("language")
