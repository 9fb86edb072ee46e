"""Private PostgreSQL and Redis servers for the integration tests.

Each runs from the Debian packages' binaries on a free loopback port with its data in a temporary
folder, and is stopped and deleted afterwards, so the tests never touch a developer's own servers.
tools/scripts/setup.d/20-databases.sh installs the binaries.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis


class ServerUnavailableError(RuntimeError):
    """A server binary is missing; the message says how to install it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _binary(name: str, debian_glob: str) -> str:
    candidates = sorted(glob.glob(debian_glob), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if found is None:
        raise ServerUnavailableError(
            f"{name} is not installed: run tools/scripts/setup.sh "
            "(its setup.d/20-databases.sh installs postgresql and redis-server)"
        )
    return found


def _run(args: list[str], **kwargs: object) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    # The folder of its Unix socket, for URLs that connect through `?host=/path`.
    socket_dir: str

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url("postgres"), autocommit=True)


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    initdb = _binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    root = Path(tempfile.mkdtemp(prefix="ccg-pg-"))
    # PostgreSQL refuses to run as root; CI is root, so the server runs as the `postgres` user
    # the Debian package creates.
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    try:
        _run(
            [
                *as_user,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        # Durability is pointless for a throw-away test server; speed is not.
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        _run(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        )
        try:
            yield Postgres("127.0.0.1", port, "postgres", str(root))
        finally:
            _run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    binary = _binary("redis-server", "/usr/bin/redis-server")
    root = Path(tempfile.mkdtemp(prefix="ccg-redis-"))
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
