"""Rate limiting and a small key-value cache, in-process by default and in Redis when configured.

Both stores implement the same fixed-window counter: `hit(key, limit, window)` counts one request
and says whether it is allowed and, when not, how many seconds until the window resets (the value
of `Retry-After`). Redis makes the limits hold across processes and replicas.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int
    # Hits in the current window, this one included.
    count: int = 0


class Store(Protocol):
    backend: str

    def hit(self, key: str, limit: int, window_s: int) -> RateDecision: ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_s: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def ttl(self, key: str) -> int:
        """Whole seconds until the value at `key` expires; 0 when there is none."""
        ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


class MemoryStore:
    """A per-process store: fine for one process, the default when REDIS_URL is unset."""

    backend = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}
        self._values: dict[str, tuple[float, str]] = {}

    def hit(self, key: str, limit: int, window_s: int) -> RateDecision:
        now = self._clock()
        with self._lock:
            if len(self._windows) > 100_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            reset_at, count = self._windows.get(key, (0.0, 0))
            if reset_at <= now:
                reset_at, count = now + window_s, 0
            count += 1
            self._windows[key] = (reset_at, count)
        if count > limit:
            return RateDecision(False, max(1, math.ceil(reset_at - now)), count)
        return RateDecision(True, 0, count)

    def get(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def set(self, key: str, value: str, ttl_s: int) -> None:
        with self._lock:
            if len(self._values) > 10_000:
                self._values.clear()
            self._values[key] = (self._clock() + ttl_s, value)

    def delete(self, key: str) -> None:
        self._values.pop(key, None)

    def ttl(self, key: str) -> int:
        entry = self._values.get(key)
        remaining = entry[0] - self._clock() if entry else 0.0
        return max(0, math.ceil(remaining))

    def ping(self) -> None:
        return None

    def close(self) -> None:
        self._windows.clear()
        self._values.clear()


class RedisStore:
    """Counters in Redis: INCR plus EXPIRE on the first hit, in one round trip."""

    backend = "redis"

    def __init__(self, url: str, prefix: str = "ccg:") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def hit(self, key: str, limit: int, window_s: int) -> RateDecision:
        name = f"{self._prefix}rl:{key}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_s, nx=True)
        pipe.ttl(name)
        count, _, ttl = pipe.execute()
        if int(count) > limit:
            return RateDecision(False, max(1, int(ttl)), int(count))
        return RateDecision(True, 0, int(count))

    def get(self, key: str) -> str | None:
        value = self._redis.get(f"{self._prefix}kv:{key}")
        return value.decode() if isinstance(value, bytes) else None

    def set(self, key: str, value: str, ttl_s: int) -> None:
        self._redis.set(f"{self._prefix}kv:{key}", value, ex=ttl_s)

    def delete(self, key: str) -> None:
        self._redis.delete(f"{self._prefix}kv:{key}")

    def ttl(self, key: str) -> int:
        # TTL answers -2 for a missing key and -1 for one without expiry (never set here).
        return max(0, int(self._redis.ttl(f"{self._prefix}kv:{key}")))

    def ping(self) -> None:
        self._redis.ping()

    def close(self) -> None:
        self._redis.close()


def create_store(redis_url: str) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()
