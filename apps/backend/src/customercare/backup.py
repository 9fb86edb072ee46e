"""Backups and restores: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL

from customercare.db import normalise_url


class BackupError(RuntimeError):
    pass


_KEYWORD = re.compile(r"^[a-z_]{1,64}$")


def default_backup_path(folder: Path, database_url: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if _is_sqlite(database_url) else "dump"
    return folder / f"customercare-{stamp}.{suffix}"


def _is_sqlite(database_url: str) -> bool:
    return make_url(normalise_url(database_url)).get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _pg_tool(tool: str) -> str:
    binary = shutil.which(tool)
    if binary is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client "
            "(apt-get install postgresql-client) or run tools/scripts/setup.sh"
        )
    return binary


def _conninfo_value(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string for `--dbname`, and the environment that holds the password.

    Every parameter of the URL goes in, query string included (`sslmode`, `host=/cloudsql/...`,
    `options`, ...), so the tools connect exactly as the app does. The password goes in the
    environment (PGPASSWORD), never in argv, where `ps` would show it.
    """
    params: dict[str, str] = {}
    for key, value in (
        ("host", url.host),
        ("port", str(url.port) if url.port else None),
        ("user", url.username),
        ("dbname", url.database),
    ):
        if value:
            params[key] = value
    for key, query_value in url.query.items():
        if not _KEYWORD.match(key):
            raise BackupError(
                f"DATABASE_URL has a query parameter {key!r} that is not a libpq keyword; "
                "see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS"
            )
        params[key] = query_value if isinstance(query_value, str) else ",".join(query_value)
    password = params.pop("password", None) or url.password
    conninfo = " ".join(f"{key}={_conninfo_value(value)}" for key, value in params.items())
    return conninfo, ({"PGPASSWORD": str(password)} if password else {})


def pg_dump_argv(binary: str, conninfo: str, output: Path) -> list[str]:
    return [binary, "--format=custom", f"--file={output}", f"--dbname={conninfo}"]


def pg_restore_argv(binary: str, conninfo: str, source: Path) -> list[str]:
    # One transaction: a restore that fails part-way is rolled back and leaves the database as
    # it was (--single-transaction also stops at the first error).
    return [
        binary,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={conninfo}",
        str(source.resolve()),
    ]


def _private_file(path: Path) -> None:
    """Create (or empty) `path` readable by its owner only, before any data is written to it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # an existing file keeps its old mode through O_CREAT
    finally:
        os.close(descriptor)


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def backup(database_url: str, output: Path) -> Path:
    """Write a backup readable by its owner only (0600): it holds every customer's messages."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"there is no database at {source_path} to back up")
        _private_file(output)
        with sqlite3.connect(source_path) as source, sqlite3.connect(output) as target:
            source.backup(target)
        return output
    binary = _pg_tool("pg_dump")
    conninfo, password = pg_connection(url)
    _private_file(output)
    try:
        _run(pg_dump_argv(binary, conninfo, output), {**os.environ, **password}, "pg_dump")
    except BackupError:
        output.unlink(missing_ok=True)
        raise
    return output


def restore(database_url: str, source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        target_path = _sqlite_path(url)
        with sqlite3.connect(source) as backup_db:
            try:
                backup_db.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.DatabaseError as error:
                raise BackupError(
                    f"{source} is not a CustomerCareGPT SQLite backup ({error})"
                ) from error
            target_path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(target_path) as target:
                backup_db.backup(target)
        return
    binary = _pg_tool("pg_restore")
    conninfo, password = pg_connection(url)
    _run(pg_restore_argv(binary, conninfo, source), {**os.environ, **password}, "pg_restore")
