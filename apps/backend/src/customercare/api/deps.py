"""Request dependencies: the app context, a database session, the signed-in admin, rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from customercare.client_address import client_address
from customercare.context import AppContext
from customercare.errors import ApiError
from customercare.models import AdminUser
from customercare.schemas import ErrorResponse
from customercare.security import read_token


def context_of(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


async def get_context(request: Request) -> AppContext:
    # A coroutine, so FastAPI calls it on the event loop: a plain function dependency costs a
    # round trip through the worker-thread pool on every request.
    return context_of(request)


Context = Annotated[AppContext, Depends(get_context)]


def get_session(request: Request, context: Context) -> Iterator[Session]:
    with context.db.session(write=request.method in {"POST", "PUT", "PATCH", "DELETE"}) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


# Declared as security schemes so the OpenAPI document (and the client generated from it) knows
# which endpoints take a bearer token and which a widget key; both are checked by hand below to
# answer in the API's own error shape.
bearer_scheme = HTTPBearer(
    auto_error=False, description="Access token from POST /api/v1/auth/login"
)
widget_key_scheme = APIKeyHeader(
    name="X-Widget-Key", auto_error=False, description="A widget key from the admin console"
)


def current_admin(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> AdminUser:
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401,
            "not_authenticated",
            "Sign in first: send `Authorization: Bearer <token>` from POST /api/v1/auth/login.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    subject = read_token(context.settings.secret_key, credentials.credentials.strip())
    admin = None
    if subject:
        # Its own read-only session: the request's write session (and SQLite's write lock) is
        # taken only by the handlers that write, and only for as long as they write.
        with context.db.session(write=False) as session:
            admin = session.get(AdminUser, subject)
    if admin is None:
        raise ApiError(
            401,
            "invalid_token",
            "The access token is invalid or has expired; sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return admin


Admin = Annotated[AdminUser, Depends(current_admin)]


def client_ip(request: Request) -> str:
    """The client's address; X-Forwarded-For counts only from FORWARDED_ALLOW_IPS proxies."""
    peer = request.client.host if request.client else "unknown"
    context = context_of(request)
    return client_address(peer, request.headers.getlist("x-forwarded-for"), context.trusted_proxies)


def enforce_rate_limit(context: AppContext, key: str, limit: int, window_s: int, what: str) -> None:
    decision = context.store.hit(key, limit, window_s)
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many {what}; try again in {decision.retry_after} seconds.",
            {"retry_after": decision.retry_after},
            headers={"Retry-After": str(decision.retry_after)},
        )


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer, all in the one error shape."""
    return {code: {"model": ErrorResponse} for code in codes}
