"""Wrong passwords lock out one (e-mail, client address) pair, for longer each time.

After `LOGIN_RATE_LIMIT` wrong passwords within `LOGIN_RATE_WINDOW_S`, the pair is refused for one
window; each further lockout within a day doubles it, up to an hour (OWASP ASVS 2.2.1: slow down
guessing without letting anyone lock out an account they do not hold). The right password from
another address is never refused because of this pair.
"""

from __future__ import annotations

import hashlib

from customercare.cache import Store
from customercare.errors import ApiError
from customercare.settings import Settings

MAX_LOCKOUT_S = 3600
_STRIKES_KEPT_S = 24 * 3600


class LoginLockout:
    def __init__(self, store: Store, email: str, address: str, settings: Settings) -> None:
        # Hashed: the store's keys then hold no e-mail address, and have a bounded length.
        pair = hashlib.sha256(f"{email}\n{address}".encode()).hexdigest()
        self._store = store
        self._limit = settings.login_rate_limit
        self._window_s = settings.login_rate_window_s
        self._failures = f"login:failures:{pair}"
        self._strikes = f"login:lockouts:{pair}"
        self._locked = f"login:locked:{pair}"

    def refuse_if_locked(self) -> None:
        remaining = self._store.ttl(self._locked)
        if remaining > 0:
            raise ApiError(
                429,
                "rate_limited",
                f"Too many wrong passwords for this e-mail from this address; try again in "
                f"{remaining} seconds.",
                {"retry_after": remaining},
                headers={"Retry-After": str(remaining)},
            )

    def record_failure(self) -> None:
        failures = self._store.hit(self._failures, self._limit, self._window_s)
        if failures.count < self._limit:
            return
        strikes = self._store.hit(self._strikes, MAX_LOCKOUT_S, _STRIKES_KEPT_S).count
        lockout_s = min(MAX_LOCKOUT_S, self._window_s * 2 ** min(strikes - 1, 16))
        self._store.set(self._locked, "1", lockout_s)
