from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import make_url

from customercare.backup import (
    BackupError,
    backup,
    pg_connection,
    pg_dump_argv,
    pg_restore_argv,
)


def _connection(url: str) -> tuple[str, dict[str, str]]:
    return pg_connection(make_url(url))


def test_every_url_parameter_reaches_the_tools_and_the_password_does_not() -> None:
    conninfo, env = _connection(
        "postgresql+psycopg://app:s3cr%27t@db.internal:6432/customer care"
        "?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem&application_name=backup"
    )
    assert conninfo == (
        "host='db.internal' port='6432' user='app' dbname='customer care' "
        "sslmode='verify-full' sslrootcert='/etc/ssl/ca.pem' application_name='backup'"
    )
    assert env == {"PGPASSWORD": "s3cr't"}
    assert "s3cr" not in " ".join(pg_dump_argv("pg_dump", conninfo, Path("/b/x.dump")))


def test_cloud_sql_sockets_and_passwords_in_the_query_string() -> None:
    conninfo, env = _connection(
        "postgresql://app@/cc?host=/cloudsql/acme:europe-west1:db&password=p%40ss"
    )
    assert conninfo == "user='app' dbname='cc' host='/cloudsql/acme:europe-west1:db'"
    assert env == {"PGPASSWORD": "p@ss"}


def test_quotes_and_backslashes_are_escaped() -> None:
    conninfo, _ = _connection("postgresql://app@db/cc?options=-c%20search_path%3D'a\\b'")
    assert conninfo.endswith("options='-c search_path=\\'a\\\\b\\''")


def test_a_query_parameter_that_is_not_a_keyword_is_refused() -> None:
    with pytest.raises(BackupError, match="not a libpq keyword"):
        _connection("postgresql://app@db/cc?bad%20key=1")


def test_the_database_goes_through_dbname_and_restore_is_one_transaction() -> None:
    dump = pg_dump_argv("/usr/bin/pg_dump", "dbname='-cc'", Path("/b/x.dump"))
    assert dump == [
        "/usr/bin/pg_dump",
        "--format=custom",
        "--file=/b/x.dump",
        "--dbname=dbname='-cc'",
    ]
    restore = pg_restore_argv("/usr/bin/pg_restore", "dbname='cc'", Path("/b/x.dump"))
    assert "--single-transaction" in restore
    assert restore[-2:] == ["--dbname=dbname='cc'", "/b/x.dump"]


def test_sqlite_backups_are_private(tmp_path: Path) -> None:
    database = tmp_path / "customercare.db"
    database.write_bytes(b"")
    existing = tmp_path / "backups" / "old.sqlite3"
    existing.parent.mkdir()
    existing.write_bytes(b"readable by everyone")
    existing.chmod(0o644)
    previous = os.umask(0o022)
    try:
        for output in (tmp_path / "backups" / "new.sqlite3", existing):
            backup(f"sqlite:///{database}", output)
            assert output.stat().st_mode & 0o777 == 0o600, output
    finally:
        os.umask(previous)
