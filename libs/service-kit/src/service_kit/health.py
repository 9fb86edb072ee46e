"""Health reports that every service returns from its /health and /ready endpoints.

A report is a list of named checks; the service is `ok` only when every check is, and `degraded`
when a non-critical check fails, so a load balancer can tell "restart me" from "limp along".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    critical: bool = True
    detail: str = ""


@dataclass(frozen=True)
class HealthReport:
    service: str
    version: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def status(self) -> Status:
        if all(check.ok for check in self.checks):
            return Status.OK
        if any(check.critical and not check.ok for check in self.checks):
            return Status.DOWN
        return Status.DEGRADED

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "service": self.service,
            "version": self.version,
            "checks": {
                check.name: {"ok": check.ok, "critical": check.critical, "detail": check.detail}
                for check in self.checks
            },
        }
