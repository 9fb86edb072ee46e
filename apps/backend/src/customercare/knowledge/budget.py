"""A time budget for reading a document, checked as the work goes.

Extraction and chunking check it every few hundred steps of their loops; every step is linear in
its input, so the work done after the budget runs out is bounded by one step. (A thread cannot be
stopped from outside, so the check has to be cooperative.)
"""

from __future__ import annotations

import time
from collections.abc import Callable


class BudgetExceededError(RuntimeError):
    """Reading a document took longer than its budget; nothing of it was stored."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"reading the document took longer than its {seconds:g} s budget")
        self.seconds = seconds


class Budget:
    _EVERY = 256

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._deadline = clock() + seconds
        self._steps = 0

    def step(self) -> None:
        """Count one step of work; every so often, stop the work if the budget is spent."""
        self._steps += 1
        if self._steps % self._EVERY == 0:
            self.check()

    def check(self) -> None:
        if self._clock() > self._deadline:
            raise BudgetExceededError(self.seconds)


def unlimited() -> Budget:
    """For callers that read trusted documents (the seed data, benchmarks)."""
    return Budget(float("inf"))
