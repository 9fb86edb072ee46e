from __future__ import annotations

from customercare.cache import MemoryStore, create_store


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_fixed_window_limits_and_resets() -> None:
    clock = FakeClock()
    store = MemoryStore(clock)
    assert [store.hit("k", 2, 60).allowed for _ in range(3)] == [True, True, False]
    clock.now += 30
    blocked = store.hit("k", 2, 60)
    assert (blocked.allowed, blocked.retry_after) == (False, 30)
    assert store.hit("other", 2, 60).allowed
    clock.now += 31
    assert store.hit("k", 2, 60).allowed


def test_values_expire() -> None:
    clock = FakeClock()
    store = MemoryStore(clock)
    store.set("a", "1", ttl_s=10)
    assert store.get("a") == "1"
    clock.now += 11
    assert store.get("a") is None
    store.set("b", "2", ttl_s=10)
    store.delete("b")
    assert store.get("b") is None
    store.ping()
    store.close()


def test_memory_is_the_default() -> None:
    assert create_store("").backend == "memory"


def test_hits_are_counted_and_values_know_their_time_to_live() -> None:
    clock = FakeClock()
    store = MemoryStore(clock)
    assert [store.hit("k", 2, 60).count for _ in range(3)] == [1, 2, 3]
    assert store.ttl("missing") == 0
    store.set("lock", "1", ttl_s=90)
    clock.now += 30.5
    assert store.ttl("lock") == 60
    clock.now += 60
    assert store.ttl("lock") == 0
