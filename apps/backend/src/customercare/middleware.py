"""The outermost layer: request ids, access logs, metrics, security headers and body limits.

Written as plain ASGI rather than `BaseHTTPMiddleware`, which costs a task and a memory stream per
request (the /health budget is >= 1000 requests/s on two cores).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

import sentry_sdk
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customercare.errors import error_body
from customercare.metrics import Metrics
from service_kit import request_id_var

log = logging.getLogger("customercare.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class BodyTooLargeError(Exception):
    pass


class ServiceMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        body_limit: Callable[[str], int],
        hsts: bool = False,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.body_limit = body_limit
        self.extra_headers = [*_SECURITY_HEADERS, *([_HSTS] if hsts else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = ""
        content_length = -1
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"content-length" and value.isdigit():
                content_length = int(value)
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        # With Sentry on, its ASGI layer wraps this one in a transaction: the access line carries
        # the trace id, so a log line leads to its trace (and back).
        span = sentry_sdk.get_current_span()
        trace = {"trace_id": span.trace_id} if span is not None else {}
        path: str = scope["path"]
        status = 500
        response_started = False
        limit = self.body_limit(path)

        too_large = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if too_large:
                # The app turned the interrupted body read into its own error (FastAPI answers
                # 400 "error parsing the body"); answer 413, which says what happened.
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    status = await self._too_large(send_wrapper_raw, limit)
                return
            await send_wrapper_raw(message)

        async def send_wrapper_raw(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(self.extra_headers)
                if not path.startswith(("/docs", "/redoc")):
                    headers.append(_API_CSP)
                message = {**message, "headers": headers}
            await send(message)

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLargeError
            return message

        try:
            if "\x00" in path or b"%00" in scope.get("query_string", b""):
                status = await self._reject(
                    send_wrapper_raw, 400, "bad_request", "The address contains a NUL character."
                )
            elif content_length > limit:
                status = await self._too_large(send_wrapper_raw, limit)
            else:
                try:
                    await self.app(scope, receive_wrapper, send_wrapper)
                except BodyTooLargeError:
                    if response_started:
                        raise
                    status = await self._too_large(send_wrapper_raw, limit)
                except Exception as error:
                    # Answered here rather than by Starlette's outermost error middleware, so the
                    # log line, the response and its headers carry this request's id.
                    if response_started:
                        raise
                    log.exception("unhandled error on %s %s", scope["method"], path, extra=trace)
                    sentry_sdk.capture_exception(error)
                    status = await self._reject(
                        send_wrapper_raw,
                        500,
                        "internal_error",
                        "Something went wrong on our side; it has been logged.",
                        {"request_id": request_id},
                    )
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.request_latency.labels(method, template, str(status)).observe(elapsed)
            log.info(
                "%s %s %s",
                method,
                template,
                status,
                extra={"status": status, "duration_ms": round(elapsed * 1000, 2), **trace},
            )
            request_id_var.reset(token)

    @classmethod
    async def _too_large(cls, send: Send, limit: int) -> int:
        return await cls._reject(
            send,
            413,
            "payload_too_large",
            f"The request body is larger than the {limit} bytes this endpoint accepts.",
            {"limit_bytes": limit},
        )

    @staticmethod
    async def _reject(
        send: Send, status: int, code: str, message: str, details: object = None
    ) -> int:
        body = json.dumps(error_body(code, message, details)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return status


class AdminCors:
    """Starlette's CORS middleware for the admin API, from `CORS_ORIGINS`.

    The widget API answers CORS itself, per widget key, so its paths skip this layer.
    """

    def __init__(self, app: ASGIApp, origins: tuple[str, ...], skip_prefix: str) -> None:
        from starlette.middleware.cors import CORSMiddleware

        self.app = app
        self.skip_prefix = skip_prefix
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-request-id"],
            expose_headers=["x-request-id", "retry-after"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefix):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)
