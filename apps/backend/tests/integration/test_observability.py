"""The signals the service exports after real requests: Prometheus metrics and Sentry envelopes.

Sentry is tested offline: the DSN points at a server on 127.0.0.1 that accepts Sentry's envelope
endpoint (POST /api/<project>/envelope/) and keeps what arrived.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import sentry_sdk
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from customercare import __version__
from customercare.answers import GeminiProvider, ProviderError
from customercare.app import create_app
from customercare.seed import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
from customercare.settings import Settings
from tests.unit.test_providers import PASSAGES, FakeGemini, _candidate


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics page by (name, labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found[(name, frozenset(labels.items()))]


def test_metrics_cover_process_runtime_database_and_provider_after_real_requests(
    client: TestClient, widget_headers: dict[str, str]
) -> None:
    login = {"email": ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    chat = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
    )
    assert chat.status_code == 200
    # A new conversation is stored with inserts only; continuing it updates its counts. (This
    # question is escalated, so the provider composes one answer in all.)
    follow_up = {
        "conversation_id": chat.json()["conversation_id"],
        "message": "Who won the football yesterday?",
    }
    assert client.post("/api/v1/widget/chat", json=follow_up, headers=widget_headers).is_success
    found = samples(client.get("/metrics").text)

    # Process and Python runtime collectors.
    assert value(found, "process_resident_memory_bytes") > 0
    assert value(found, "process_cpu_seconds_total") > 0
    assert value(found, "process_open_fds") > 0
    assert ("python_info", frozenset()) not in found  # python_info always carries labels
    assert any(name == "python_info" for name, _ in found)
    assert value(found, "python_gc_collections_total", generation="0") >= 0

    # Statements by operation: the sign-in and the chats read; the chats insert and update.
    for operation in ("select", "insert", "update"):
        assert value(found, "ccg_db_query_duration_seconds_count", operation=operation) > 0
    assert value(found, "ccg_db_query_duration_seconds_count", operation="other") > 0  # BEGIN

    # The pool of the SQLite file database (SQLAlchemy's QueuePool, size 5); nothing is checked
    # out once the requests have been answered.
    assert value(found, "ccg_db_pool_size") == 5
    assert value(found, "ccg_db_pool_checked_out") == 0
    assert value(found, "ccg_db_pool_overflow") <= 0
    assert value(found, "ccg_db_pool_wait_seconds_count") > 0
    checkouts = value(found, "ccg_db_pool_checkout_duration_seconds_count")
    assert checkouts == value(found, "ccg_db_pool_wait_seconds_count")

    # The answer provider's own latency, apart from retrieval.
    assert (
        value(found, "ccg_answer_provider_duration_seconds_count", provider="local", outcome="ok")
        == 1
    )


@dataclass
class SlowServer:
    """Accepts connections and never answers (the kernel's backlog completes the handshake)."""

    sock: socket.socket = field(default_factory=socket.socket)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"


@pytest.fixture
def silent_server() -> Iterator[SlowServer]:
    server = SlowServer()
    server.sock.bind(("127.0.0.1", 0))
    server.sock.listen(8)
    yield server
    server.sock.close()


def test_provider_timeout_is_its_own_kind(silent_server: SlowServer) -> None:
    provider = GeminiProvider("k", "m", silent_server.url, timeout_s=0.2)
    with pytest.raises(ProviderError) as raised:
        provider.compose("q", PASSAGES)
    assert raised.value.kind == "timeout"
    provider.close()


@pytest.fixture
def gemini_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGemini)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeGemini.requests.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ((429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}), "rate_limited"),
        ((400, {"error": {"code": 400, "status": "INVALID_ARGUMENT"}}), "http_4xx"),
        ((503, {"error": {"code": 503, "status": "UNAVAILABLE"}}), "http_5xx"),
        ((200, {"promptFeedback": {"blockReason": "SAFETY"}}), "invalid_response"),
        ((200, _candidate("  ")), "empty_answer"),
    ],
)
def test_provider_errors_are_counted_by_kind_through_the_app(
    settings: Settings,
    gemini_url: str,
    widget_headers: dict[str, str],
    reply: tuple[int, object],
    kind: str,
) -> None:
    FakeGemini.reply = reply
    configured = Settings(
        **{**settings.__dict__, "gemini_api_key": "key", "gemini_base_url": gemini_url}
    )
    with TestClient(create_app(configured)) as client:
        answer = client.post(
            "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
        )
        assert answer.status_code == 200
        found = samples(client.get("/metrics").text)
    assert value(found, "ccg_answer_provider_errors_total", provider="gemini", kind=kind) == 1
    errors = {labels for name, labels in found if name == "ccg_answer_provider_errors_total"}
    assert errors == {frozenset({("provider", "gemini"), ("kind", kind)})}
    assert (
        value(
            found, "ccg_answer_provider_duration_seconds_count", provider="gemini", outcome="error"
        )
        == 1
    )


class EnvelopeReceiver(BaseHTTPRequestHandler):
    """Sentry's envelope endpoint: POST /api/<project>/envelope/, gzip or plain bodies."""

    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        EnvelopeReceiver.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return None


def parse_envelope(body: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], Any]]]:
    """The envelope's header and its (item header, payload) pairs."""
    header_line, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item = json.loads(item_line)
        if "length" in item:
            payload, rest = rest[: item["length"]], rest[item["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item, json.loads(payload) if payload.startswith(b"{") else payload))
    return json.loads(header_line), items


@pytest.fixture
def sentry_dsn() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EnvelopeReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    EnvelopeReceiver.received.clear()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
    # The SDK is process-global: leave it without a DSN for the tests that follow.
    sentry_sdk.get_client().close()
    sentry_sdk.init()
    server.shutdown()
    server.server_close()


def test_sentry_receives_errors_and_traces_without_personal_data(
    settings: Settings,
    sentry_dsn: str,
    widget_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    configured = Settings(
        **{**settings.__dict__, "sentry_dsn": sentry_dsn, "sentry_traces_sample_rate": 1.0}
    )
    app = create_app(configured)
    # Built at run time: the frames' source lines (which Sentry sends) must not contain it.
    email = "@".join(("jane.doe", "example.com"))
    customer_text = f"Refund please, write to {email}"

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"index exploded on {customer_text!r}")

    app.state.context.knowledge.search = broken
    caplog.set_level(logging.INFO, logger="customercare.access")
    with TestClient(app, raise_server_exceptions=False) as client:
        login = {"email": ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
        assert client.post("/api/v1/auth/login", json=login).status_code == 200
        assert client.get("/health").status_code == 200
        failed = client.post(
            "/api/v1/widget/chat", json={"message": customer_text}, headers=widget_headers
        )
        assert failed.status_code == 500
    assert sentry_sdk.flush(timeout=10) is None
    app.state.context.close()

    assert {path for path, _ in EnvelopeReceiver.received} == {"/api/42/envelope/"}
    raw = b"".join(body for _, body in EnvelopeReceiver.received)
    for personal in (email, ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, customer_text):
        assert personal.encode() not in raw

    items = [item for _, body in EnvelopeReceiver.received for item in parse_envelope(body)[1]]
    events = [payload for header, payload in items if header["type"] == "event"]
    transactions = [payload for header, payload in items if header["type"] == "transaction"]

    assert len(events) == 1
    event = events[0]
    assert event["release"] == f"customercare-backend@{__version__}"
    assert event["environment"] == "test"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert "[email]" in event["exception"]["values"][-1]["value"]
    assert "user" not in event
    assert "data" not in event.get("request", {})
    assert "cookies" not in event.get("request", {})

    # Traced: the sign-in and the failed chat; never the /health probe.
    names = sorted(transaction["transaction"] for transaction in transactions)
    assert names == ["/api/v1/auth/login", "/api/v1/widget/chat"]
    for transaction in transactions:
        assert transaction["release"] == f"customercare-backend@{__version__}"
        assert transaction["environment"] == "test"
        assert "user" not in transaction
    chat_trace = next(t for t in transactions if t["transaction"] == "/api/v1/widget/chat")[
        "contexts"
    ]["trace"]["trace_id"]
    assert event["contexts"]["trace"]["trace_id"] == chat_trace

    # The failed chat's error and access log lines carry the same trace id.
    lines = [
        r for r in caplog.records if r.name == "customercare.access" and "chat" in r.getMessage()
    ]
    assert [(r.getMessage(), getattr(r, "trace_id", None)) for r in lines] == [
        ("unhandled error on POST /api/v1/widget/chat", chat_trace),
        ("POST /api/v1/widget/chat 500", chat_trace),
    ]
