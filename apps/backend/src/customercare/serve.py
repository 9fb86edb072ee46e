"""`python -m customercare serve`: one process, or WEB_CONCURRENCY worker processes.

WEB_CONCURRENCY (customercare/settings.py) defaults to one worker per available CPU in production
and to one process elsewhere. With several, uvicorn's supervisor starts each worker as a fresh
interpreter (multiprocessing's spawn), which builds its own app from the environment through
`worker_app`, and restarts a worker that dies. Before that, this process applies the migrations
once (the workers skip them) and points PROMETHEUS_MULTIPROC_DIR at a clean folder
(customercare/multiprocess.py).

What each worker holds on its own:
- the rate-limit, login-lockout and key-value store, unless REDIS_URL is set: the in-process store
  counts per worker, so a limit of N lets up to N x workers through (a warning says so at start);
- the knowledge index cache, which compares the database's version on every use, so stays correct.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from prometheus_client.multiprocess import mark_process_dead

from customercare.multiprocess import MULTIPROC_DIR_ENV, clean
from customercare.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("customercare")

# Seconds a worker has to answer the supervisor's health ping before it is killed and replaced
# (uvicorn's default is 5). A worker importing the app on a loaded host missed 5 s and was killed
# and restarted in a loop (backend:test at a load average of 30 on 2 cores); a hung worker is
# still replaced, 30 s later.
WORKER_HEALTHCHECK_TIMEOUT_S = 30


def _uvicorn_options(settings: Settings) -> dict[str, object]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        # The app reads X-Forwarded-For itself, from FORWARDED_ALLOW_IPS proxies only
        # (customercare/client_address.py); uvicorn would trust 127.0.0.1 by default.
        "proxy_headers": False,
    }


def serve(settings: Settings) -> None:
    from service_kit import configure_json_logging

    configure_json_logging(settings.service_name, settings.log_level)
    if settings.web_concurrency == 1:
        from customercare.app import create_app

        uvicorn.run(create_app(settings), **_uvicorn_options(settings))  # type: ignore[arg-type]
        return

    if not settings.redis_url:
        log.warning(
            "serving with %d workers and no REDIS_URL: rate limits and login lockouts are counted "
            "per worker, so each limit lets up to %d times as many requests through. Set REDIS_URL "
            "to share them, or WEB_CONCURRENCY=1.",
            settings.web_concurrency,
            settings.web_concurrency,
        )
    if settings.migrate_on_start:
        from customercare.migrations import upgrade

        upgrade(settings.database_url)
    os.environ["MIGRATE_ON_START"] = "false"

    configured = os.environ.get(MULTIPROC_DIR_ENV)
    metrics_dir = Path(configured or tempfile.mkdtemp(prefix="customercare-metrics-"))
    clean(metrics_dir)
    os.environ[MULTIPROC_DIR_ENV] = str(metrics_dir)
    log.info(
        "starting %d workers",
        settings.web_concurrency,
        extra={"workers": settings.web_concurrency, "metrics_dir": str(metrics_dir)},
    )
    try:
        uvicorn.run(
            "customercare.serve:worker_app",
            factory=True,
            workers=settings.web_concurrency,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT_S,
            **_uvicorn_options(settings),  # type: ignore[arg-type]
        )
    finally:
        if configured:
            clean(metrics_dir)
        else:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def worker_app() -> FastAPI:
    """The app of one worker process, from the environment `serve` prepared."""
    from customercare.app import create_app
    from service_kit import configure_json_logging

    settings = Settings.from_env().with_defaults()
    configure_json_logging(settings.service_name, settings.log_level)
    # Its live gauges (the database pool's) stop counting once it exits; a worker that is killed
    # instead is dropped at the next scrape (multiprocess.py).
    pid = os.getpid()
    atexit.register(mark_process_dead, pid, os.environ.get(MULTIPROC_DIR_ENV))
    return create_app(settings)
