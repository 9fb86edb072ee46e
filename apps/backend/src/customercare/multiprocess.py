"""Prometheus metrics across worker processes (prometheus_client's multiprocess mode).

With `PROMETHEUS_MULTIPROC_DIR` set before a worker imports prometheus_client, every metric value is
kept in a memory-mapped file per process in that folder, and /metrics adds up the files of every
worker: counters and histograms summed (those of workers that have exited included, so totals never
go back), the pool gauges as their `livesum` of the workers alive. `serve` sets the folder and
cleans it when it starts several workers (customercare/serve.py).

prometheus_client's process, platform and garbage-collector collectors read only the process that
answers the scrape, so in this mode /metrics serves instead `python_info` (the same in every worker)
and `ccg_workers`, the number of live workers with metric files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import PLATFORM_COLLECTOR, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The folder of the workers' metric files, when metrics are in multiprocess mode."""
    return os.environ.get(MULTIPROC_DIR_ENV) or None


def clean(directory: Path) -> None:
    """Create the folder, or empty it of the metric files an earlier run left."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def _pid_of(file: Path) -> int | None:
    # prometheus_client names them <type>[_<mode>]_<pid>.db: counter_4711.db, gauge_livesum_4711.db.
    tail = file.stem.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _live_workers(directory: Path) -> set[int]:
    """Pids with metric files that are still running; the live gauges of the others are dropped."""
    pids = {pid for file in directory.glob("*.db") if (pid := _pid_of(file)) is not None}
    live = {pid for pid in pids if _alive(pid)}
    for dead in pids - live:
        # A worker that was killed had no chance to say so itself (serve.py's atexit hook).
        mark_process_dead(dead, str(directory))  # type: ignore[no-untyped-call]
    return live


class _WorkersCollector(Collector):
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "ccg_workers",
            "Worker processes serving the API that have written metrics and are alive.",
            value=len(_live_workers(self._directory)),
        )


def render(directory: str) -> bytes:
    """Every worker's metrics, added up, in the Prometheus text format."""
    registry = CollectorRegistry()
    registry.register(_WorkersCollector(Path(directory)))
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    registry.register(PLATFORM_COLLECTOR)
    return generate_latest(registry)
