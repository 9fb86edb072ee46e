"""WEB_CONCURRENCY, `serve` with several workers, and /metrics added up across worker processes."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

import customercare
from customercare import multiprocess
from customercare.__main__ import main
from customercare.settings import Settings, SettingsError, available_cpus

PRODUCTION = {"ENVIRONMENT": "production", "SECRET_KEY": "k" * 32}


def test_one_process_by_default_and_one_worker_per_cpu_in_production() -> None:
    assert Settings.from_env({}).web_concurrency == 1
    assert Settings.from_env(PRODUCTION).web_concurrency == available_cpus()
    assert Settings.from_env({"WEB_CONCURRENCY": "auto"}).web_concurrency == available_cpus()
    assert Settings.from_env({**PRODUCTION, "WEB_CONCURRENCY": "1"}).web_concurrency == 1
    assert Settings.from_env({"WEB_CONCURRENCY": "3"}).web_concurrency == 3


@pytest.mark.parametrize("raw", ["0", "-2", "many", "257"])
def test_bad_web_concurrency_names_the_setting_and_the_choices(raw: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"WEB_CONCURRENCY": raw})
    assert str(error.value) == (
        "WEB_CONCURRENCY must be a number of worker processes between 1 and 256, or auto "
        f"(one per CPU), got {raw!r}"
    )


@pytest.fixture
def serve_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment of `serve`; monkeypatch restores what serve itself sets in os.environ."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    monkeypatch.setenv("MIGRATE_ON_START", "true")
    metrics = tmp_path / "metrics"
    monkeypatch.setenv(multiprocess.MULTIPROC_DIR_ENV, str(metrics))
    for name in ("DATABASE_URL", "REDIS_URL", "GEMINI_API_KEY", "SECRET_KEY", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return metrics


def test_serve_with_workers_migrates_once_and_cleans_the_metrics_folder(
    serve_env: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serve_env.mkdir()
    (serve_env / "counter_1.db").write_bytes(b"left by an earlier run")
    seen: dict[str, object] = {}

    def run(app: object, **options: object) -> None:
        seen.update(options, app=app, files=list(serve_env.iterdir()), env=dict(os.environ))

    with (
        mock.patch("uvicorn.run", side_effect=run),
        mock.patch("service_kit.configure_json_logging"),
        caplog.at_level(logging.WARNING, "customercare"),
    ):
        assert main(["serve"]) == 0
    assert seen["app"] == "customercare.serve:worker_app"
    assert (seen["factory"], seen["workers"], seen["proxy_headers"]) == (True, 2, False)
    assert seen["timeout_worker_healthcheck"] == 30
    assert seen["files"] == []
    env = seen["env"]
    assert isinstance(env, dict)
    assert env["MIGRATE_ON_START"] == "false"
    assert env[multiprocess.MULTIPROC_DIR_ENV] == str(serve_env)
    assert (tmp_path / "customercare.db").exists()
    assert [record.getMessage() for record in caplog.records] == [
        "serving with 2 workers and no REDIS_URL: rate limits and login lockouts are counted per "
        "worker, so each limit lets up to 2 times as many requests through. Set REDIS_URL to "
        "share them, or WEB_CONCURRENCY=1."
    ]


def test_serve_with_workers_and_redis_does_not_warn(
    serve_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    with (
        mock.patch("uvicorn.run") as run,
        mock.patch("service_kit.configure_json_logging"),
        caplog.at_level(logging.WARNING, "customercare"),
    ):
        assert main(["serve"]) == 0
    assert run.call_args.kwargs["workers"] == 2
    assert caplog.records == []


# A worker: counts `requests` /health requests, sets the pool gauge, then waits for stdin to close.
WORKER = """
import sys
from customercare.metrics import Metrics
metrics = Metrics()
for _ in range(int(sys.argv[1])):
    metrics.requests.labels("GET", "/health", "200").inc()
metrics.db_pool_size.set(5)
print("counted", flush=True)
sys.stdin.read()
"""


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_of_two_workers_are_added_up(tmp_path: Path) -> None:
    env = {
        **os.environ,
        multiprocess.MULTIPROC_DIR_ENV: str(tmp_path),
        "PYTHONPATH": str(Path(customercare.__file__).parents[1]),
    }
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WORKER, str(count)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for count in (3, 4)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline() == "counted\n"
        text = multiprocess.render(str(tmp_path)).decode()
        assert _sample(text, "ccg_http_requests_total") == 7
        assert _sample(text, "ccg_db_pool_size") == 10
        assert _sample(text, "ccg_workers") == 2
        assert _sample(text, "python_info") == 1

        first = workers[0]
        assert first.stdin is not None
        first.stdin.close()
        assert first.wait(timeout=30) == 0
        text = multiprocess.render(str(tmp_path)).decode()
        # An exited worker's requests still count; its pool no longer does.
        assert _sample(text, "ccg_http_requests_total") == 7
        assert _sample(text, "ccg_db_pool_size") == 5
        assert _sample(text, "ccg_workers") == 1
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=30)


def test_clean_empties_a_metrics_folder_of_earlier_files(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    multiprocess.clean(folder)
    (folder / "histogram_12.db").write_bytes(b"")
    (folder / "keep.txt").write_text("not ours")
    multiprocess.clean(folder)
    assert sorted(path.name for path in folder.iterdir()) == ["keep.txt"]
