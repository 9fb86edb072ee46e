"""Liveness, readiness, a detailed health report and Prometheus metrics."""

from __future__ import annotations

import hmac
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from customercare import __version__
from customercare.api.deps import Context, error_responses
from customercare.context import AppContext
from customercare.errors import ApiError
from service_kit import Check, HealthReport, Status

router = APIRouter(tags=["operations"])
_STARTED = time.monotonic()


def _checks(context: AppContext) -> tuple[Check, ...]:
    checks = []
    try:
        context.db.ping()
        checks.append(Check("database", True, detail=context.db.dialect))
    except Exception as error:  # any driver error means "not ready"
        checks.append(Check("database", False, detail=error.__class__.__name__))
    try:
        context.store.ping()
        checks.append(Check("cache", True, detail=context.store.backend))
    except Exception as error:  # any client error means "not ready"
        checks.append(Check("cache", False, detail=error.__class__.__name__))
    return tuple(checks)


@router.get("/health")
async def health(context: Context) -> dict[str, object]:
    """Liveness: the process answers; it checks nothing else, so a slow database never kills it."""
    # A coroutine: it touches nothing that blocks, so it needs no worker thread.
    return HealthReport(service=context.settings.service_name, version=__version__).as_dict()


@router.get("/ready", responses={503: {"description": "a dependency is unreachable"}})
def ready(context: Context) -> JSONResponse:
    """Readiness: the database and the cache answer."""
    report = HealthReport(context.settings.service_name, __version__, _checks(context))
    return JSONResponse(report.as_dict(), status_code=200 if report.status is Status.OK else 503)


@router.get("/health/detailed")
def health_detailed(context: Context) -> JSONResponse:
    report = HealthReport(context.settings.service_name, __version__, _checks(context))
    body = report.as_dict()
    body.update(
        {
            "environment": context.settings.environment,
            "answer_provider": context.provider.name,
            "uptime_s": round(time.monotonic() - _STARTED, 1),
        }
    )
    return JSONResponse(body, status_code=200 if report.status is Status.OK else 503)


@router.get("/metrics", response_class=Response, responses=error_responses(401))
def metrics(request: Request, context: Context) -> Response:
    """Prometheus metrics; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    token = context.settings.metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise ApiError(
                401,
                "metrics_token_required",
                "Send METRICS_TOKEN as `Authorization: Bearer <token>` to read /metrics "
                "(Prometheus: `authorization: {credentials: <token>}` in the scrape config).",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return Response(context.metrics.render(), media_type=CONTENT_TYPE_LATEST)
