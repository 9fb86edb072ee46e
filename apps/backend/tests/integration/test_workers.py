"""`python -m customercare serve` with two worker processes sharing Redis: one sign-in budget, one
set of metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from tests.integration.servers import free_port


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    # Two fresh interpreters each import the app: slow on a loaded machine.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not answer /ready within 180 s:\n{log.read_text()}")


def test_two_workers_share_the_sign_in_limit_and_add_up_their_metrics(
    tmp_path: Path, redis_url: str
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENVIRONMENT": "test",
        "WEB_CONCURRENCY": "2",
        "REDIS_URL": redis_url,
        "LOGIN_IP_RATE_LIMIT": "4",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    for name in ("DATABASE_URL", "SECRET_KEY", "GEMINI_API_KEY", "METRICS_TOKEN"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "customercare", "serve"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base, process, log)
        # A worker writes its metric files when it first records a value; the kernel hands each new
        # connection to whichever worker accepts first, so ask (fresh connections) until both have.
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline:
            workers = {int(file.stem.rsplit("_", 1)[1]) for file in metrics_dir.glob("*.db")}
            if len(workers) == 2:
                break
            httpx.get(f"{base}/health", timeout=5)
            time.sleep(0.05)
        assert len(workers) == 2, f"metric files of {workers}: expected two workers within 60 s"

        codes = []
        for _ in range(8):
            # A new connection each time, so that either worker may accept it.
            with httpx.Client(base_url=base, timeout=30) as client:
                wrong = {"email": "nobody@example.com", "password": "not-the-password"}
                codes.append(client.post("/api/v1/auth/login", json=wrong).status_code)
        assert codes == [401] * 4 + [429] * 4

        text = httpx.get(f"{base}/metrics", timeout=30).text
        login = [
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("ccg_http_requests_total{") and 'route="/api/v1/auth/login"' in line
        ]
        assert sum(login) == 8
        assert "ccg_workers 2.0" in text.splitlines()
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=60) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert list(metrics_dir.glob("*.db")) == []
