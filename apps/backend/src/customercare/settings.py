"""Settings, read from the environment in one place, with defaults that need no configuration.

With no environment at all the service runs on a SQLite file under `DATA_DIR`, an in-process cache
and rate-limit store, and the `local` answer provider. Production mode (`ENVIRONMENT=production`)
refuses to start without an explicit `SECRET_KEY`, because a generated one would log every admin out
on each restart and differ between replicas.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

_WORKSPACE_ROOT = Path(__file__).resolve().parents[4]


class SettingsError(ValueError):
    """A setting in the environment is missing or malformed; the message names it and the fix."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} must be a number between {low} and {high}, got {raw!r}")
    return int(raw)


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise SettingsError(f"{name} must be a number between {low} and {high}, got {raw!r}")
    return value


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _bool(env: Mapping[str, str], name: str) -> bool | None:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return None
    if raw not in {"true", "1", "false", "0"}:
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw in {"true", "1"}


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    entries = _list(env, name, ())
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name} must list proxy addresses or networks (10.0.0.1, 10.0.0.0/8) or *, "
                f"got {entry!r}"
            ) from None
    return entries


def available_cpus() -> int:
    """The CPUs this process may run on (a container's cpuset included), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _workers(env: Mapping[str, str], environment: str) -> int:
    """WEB_CONCURRENCY: a number of worker processes, or `auto` for one per available CPU.

    Unset, production serves with one worker per CPU and everything else with one process."""
    raw = env.get("WEB_CONCURRENCY", "").strip().lower()
    if raw == "auto" or (raw == "" and environment == "production"):
        return available_cpus()
    try:
        return _int(env, "WEB_CONCURRENCY", 1, 1, 256)
    except SettingsError:
        raise SettingsError(
            f"WEB_CONCURRENCY must be a number of worker processes between 1 and 256, or auto "
            f"(one per CPU), got {env.get('WEB_CONCURRENCY')!r}"
        ) from None


def _development_secret(data_dir: Path) -> str:
    """A random key kept in the data folder, so development tokens survive a restart."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    service_name: str = "customercare-backend"
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    # Worker processes `serve` starts (WEB_CONCURRENCY); see customercare/serve.py.
    web_concurrency: int = 1
    data_dir: Path = Path("data")
    database_url: str = field(default="", repr=False)
    redis_url: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    gemini_api_key: str = field(default="", repr=False)
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    gemini_model: str = "gemini-2.0-flash"
    sentry_dsn: str = field(default="", repr=False)
    # Share of requests whose trace goes to Sentry (with SENTRY_DSN set); probes are never traced.
    sentry_traces_sample_rate: float = 0.1
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = ()
    access_token_minutes: int = 60
    max_upload_bytes: int = 5 * 1024 * 1024
    max_body_bytes: int = 64 * 1024
    # Wrong passwords per (e-mail, client address) before a lockout that doubles each time.
    login_rate_limit: int = 10
    login_rate_window_s: int = 60
    # Sign-in attempts per client address, whatever the e-mail.
    login_ip_rate_limit: int = 30
    # Proxies whose X-Forwarded-For is believed; empty: the connecting address is the client.
    forwarded_allow_ips: tuple[str, ...] = ()
    extraction_timeout_s: float = 30.0
    # None: served outside production only.
    docs_enabled: bool | None = None
    metrics_token: str = field(default="", repr=False)
    widget_key_rate_limit: int = 600
    widget_ip_rate_limit: int = 60
    widget_rate_window_s: int = 60
    escalation_threshold: float = 0.5
    widget_bundle_path: Path = _WORKSPACE_ROOT / "apps/frontend/dist/widget/widget.js"
    migrate_on_start: bool = True

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def serve_docs(self) -> bool:
        """/docs, /redoc and /openapi.json: on by default, off by default in production."""
        return not self.production if self.docs_enabled is None else self.docs_enabled

    @property
    def answer_provider(self) -> str:
        return "gemini" if self.gemini_api_key else "local"

    def with_defaults(self) -> Settings:
        """Fill the settings derived from others: the database URL and the development secret."""
        database_url = self.database_url or f"sqlite:///{(self.data_dir / 'customercare.db')}"
        secret_key = self.secret_key or _development_secret(self.data_dir)
        return replace(self, database_url=database_url, secret_key=secret_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        environment = env.get("ENVIRONMENT", cls.environment)
        if environment not in {"development", "production", "test"}:
            raise SettingsError(
                f"ENVIRONMENT must be development, production or test, got {environment!r}"
            )
        secret_key = env.get("SECRET_KEY", "")
        if environment == "production" and len(secret_key) < 32:
            raise SettingsError(
                "SECRET_KEY must be set to at least 32 characters in production "
                "(ENVIRONMENT=production). Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        database_url = env.get("DATABASE_URL", "")
        if database_url and not database_url.startswith(("sqlite:", "postgresql")):
            raise SettingsError(
                f"DATABASE_URL must start with sqlite:/// or postgresql://, got {database_url!r}"
            )
        redis_url = env.get("REDIS_URL", "")
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(
                f"REDIS_URL must start with redis:// or rediss://, got {redis_url!r}"
            )
        bundle = env.get("WIDGET_BUNDLE_PATH")
        return cls(
            environment=environment,
            host=env.get("HOST", cls.host),
            port=_int(env, "PORT", cls.port, 1, 65535),
            web_concurrency=_workers(env, environment),
            data_dir=Path(env.get("DATA_DIR", str(cls.data_dir))),
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret_key,
            gemini_api_key=env.get("GEMINI_API_KEY", ""),
            gemini_base_url=env.get("GEMINI_BASE_URL", cls.gemini_base_url).rstrip("/"),
            gemini_model=env.get("GEMINI_MODEL", cls.gemini_model),
            sentry_dsn=env.get("SENTRY_DSN", ""),
            sentry_traces_sample_rate=_float(
                env, "SENTRY_TRACES_SAMPLE_RATE", cls.sentry_traces_sample_rate, 0.0, 1.0
            ),
            log_level=env.get("LOG_LEVEL", cls.log_level).upper(),
            cors_origins=_list(env, "CORS_ORIGINS", cls.cors_origins),
            access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", 60, 1, 60 * 24 * 30),
            max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", cls.max_upload_bytes, 1, 1 << 30),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", cls.max_body_bytes, 1024, 1 << 30),
            login_rate_limit=_int(env, "LOGIN_RATE_LIMIT", cls.login_rate_limit, 1, 1_000_000),
            login_ip_rate_limit=_int(
                env, "LOGIN_IP_RATE_LIMIT", cls.login_ip_rate_limit, 1, 1_000_000
            ),
            forwarded_allow_ips=_networks(env, "FORWARDED_ALLOW_IPS"),
            extraction_timeout_s=_float(
                env, "EXTRACTION_TIMEOUT_S", cls.extraction_timeout_s, 0.1, 3600.0
            ),
            docs_enabled=_bool(env, "DOCS_ENABLED"),
            metrics_token=env.get("METRICS_TOKEN", ""),
            widget_key_rate_limit=_int(
                env, "WIDGET_KEY_RATE_LIMIT", cls.widget_key_rate_limit, 1, 10_000_000
            ),
            widget_ip_rate_limit=_int(
                env, "WIDGET_IP_RATE_LIMIT", cls.widget_ip_rate_limit, 1, 10_000_000
            ),
            escalation_threshold=_float(
                env, "ESCALATION_THRESHOLD", cls.escalation_threshold, 0.0, 1.0
            ),
            widget_bundle_path=Path(bundle) if bundle else cls.widget_bundle_path,
            migrate_on_start=env.get("MIGRATE_ON_START", "true").lower() not in {"0", "false"},
        )
