"""Settings, read from the environment in one place, with defaults that need no configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    service_name: str = "customercare-backend"
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port = env.get("PORT", str(cls.port))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"PORT must be a number between 1 and 65535, got {port!r}")
        return cls(host=env.get("HOST", cls.host), port=int(port))
