"""pg_dump and pg_restore get the whole connection, write private files and restore atomically."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from customercare.backup import BackupError, backup, restore
from customercare.db import Database
from customercare.migrations import upgrade
from customercare.models import Document, Workspace
from customercare.seed import seed
from tests.integration.servers import Postgres

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _seeded(url: str) -> Database:
    upgrade(url)
    db = Database(url)
    seed(db)
    return db


def test_query_parameters_reach_pg_dump_and_pg_restore(
    tmp_path: Path, postgres: Postgres, postgres_database: str
) -> None:
    # No host in the authority: the socket folder and port come from the query string, as with
    # Cloud SQL's `?host=/cloudsql/project:region:instance`.
    url = (
        f"postgresql://{postgres.user}@/{postgres_database}"
        f"?host={postgres.socket_dir}&port={postgres.port}&sslmode=disable"
        "&application_name=customercare-backup"
    )
    db = _seeded(url)
    dump = backup(url, tmp_path / "backups" / "via-socket.dump")
    assert dump.stat().st_size > 0
    assert dump.stat().st_mode & 0o777 == 0o600
    with db.session() as session:
        session.execute(text("DELETE FROM chunks"))
        session.execute(text("DELETE FROM documents"))
    restore(url, dump)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 5
    db.dispose()


def test_a_failed_restore_leaves_the_database_as_it_was(tmp_path: Path, postgres_url: str) -> None:
    db = _seeded(postgres_url)
    dump = backup(postgres_url, tmp_path / "backup.dump")
    with db.session() as session:
        session.add(Workspace(name="Made after the backup"))
        # An object the dump does not know depends on a table the restore must drop: the
        # restore fails part-way through.
        session.execute(text("CREATE VIEW document_names AS SELECT filename FROM documents"))
    with pytest.raises(BackupError, match="pg_restore failed"):
        restore(postgres_url, dump)
    with db.session() as session:
        names = set(session.scalars(select(Workspace.name)))
    assert names == {"Acme Support", "Made after the backup"}
    db.dispose()
