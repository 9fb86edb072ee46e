"""Error reports and traces to Sentry, with no personal data.

Customers' messages and admins' e-mail addresses may appear in exception messages, log messages and
query strings; `scrub` removes e-mail addresses from them and drops request bodies, cookies and the
user (the SDK would add the client's IP address to it) before an event leaves the service; stack
frames are sent without their local variables, which hold request bodies.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sentry_sdk.types import Event, Hint

from customercare import __version__
from customercare.settings import Settings

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Liveness, readiness and scrape requests: frequent, uninteresting, never traced.
_UNTRACED = frozenset({"/health", "/health/detailed", "/ready", "/metrics"})
REDACTED = "[email]"


def _redact(value: object) -> object:
    return _EMAIL.sub(REDACTED, value) if isinstance(value, str) else value


def scrub(sent: Event, _hint: Hint | None = None) -> Event:
    """Sentry's `before_send` (and `before_send_transaction`): the event without personal data."""
    event = cast(dict[str, Any], sent)
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "env"):
            request.pop(key, None)
        if "query_string" in request:
            request["query_string"] = _redact(request["query_string"])
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = _redact(exception.get("value"))
        # Local variables hold request bodies and customers' messages.
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry["message"] = _redact(logentry.get("message"))
        logentry.pop("params", None)
    if "message" in event:
        event["message"] = _redact(event["message"])
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        crumb["message"] = _redact(crumb.get("message"))
    return sent


def traces_sampler(rate: float) -> Any:
    def sample(context: dict[str, Any]) -> float:
        scope = context.get("asgi_scope") or {}
        if scope.get("path") in _UNTRACED:
            return 0.0
        parent = context.get("parent_sampled")
        return rate if parent is None else float(parent)

    return sample


def init_sentry(settings: Settings) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment,
        release=f"customercare-backend@{__version__}",
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sampler=traces_sampler(settings.sentry_traces_sample_rate),
        before_send=scrub,
        before_send_transaction=scrub,
    )
