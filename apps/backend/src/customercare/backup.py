"""Backups and restores: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
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


def default_backup_path(data_dir: Path, database_url: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if _is_sqlite(database_url) else "dump"
    return data_dir / "backups" / f"customercare-{stamp}.{suffix}"


def _is_sqlite(database_url: str) -> bool:
    return make_url(normalise_url(database_url)).get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _pg_command(tool: str, url: URL) -> tuple[list[str], dict[str, str]]:
    binary = shutil.which(tool)
    if binary is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client "
            "(apt-get install postgresql-client) or run tools/scripts/setup.sh"
        )
    # The password goes in the environment, not argv, where `ps` would show it.
    env = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else dict(os.environ)
    args = [binary, f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}"]
    if url.username:
        args.append(f"--username={url.username}")
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def backup(database_url: str, output: Path) -> Path:
    url = make_url(normalise_url(database_url))
    output.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"there is no database at {source_path} to back up")
        with sqlite3.connect(source_path) as source, sqlite3.connect(output) as target:
            source.backup(target)
        return output
    args, env = _pg_command("pg_dump", url)
    _run([*args, "--format=custom", f"--file={output}", url.database or ""], env, "pg_dump")
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
    args, env = _pg_command("pg_restore", url)
    _run(
        [*args, "--clean", "--if-exists", "--no-owner", f"--dbname={url.database}", str(source)],
        env,
        "pg_restore",
    )
