"""The HTTP API end to end on SQLite with the in-process store and the local provider."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fpdf import FPDF

from customercare import __version__
from customercare.app import create_app
from customercare.settings import Settings
from service_kit import JsonFormatter
from tests.conftest import ORIGIN, Admin, make_settings


def test_health_is_liveness_only(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "service": "customercare-backend",
        "version": __version__,
        "checks": {},
    }


def test_ready_and_detailed_check_database_and_cache(client: TestClient) -> None:
    ready = client.get("/ready").json()
    assert ready["status"] == "ok"
    assert ready["checks"]["database"]["detail"] == "sqlite"
    assert ready["checks"]["cache"]["detail"] == "memory"
    detailed = client.get("/health/detailed").json()
    assert detailed["answer_provider"] == "local"
    assert detailed["environment"] == "test"


def test_ready_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, database_url=f"sqlite:///{tmp_path}/missing/dir/x.db", migrate_on_start=False
    )
    app = create_app(settings)
    (tmp_path / "missing" / "dir").rmdir()
    response = TestClient(app).get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_request_id_is_returned_and_generated(client: TestClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == (
        "abc-123"
    )
    generated = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert len(generated.headers["x-request-id"]) == 32


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/health").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "strict-transport-security" not in headers


def test_login_me_and_bad_credentials(client: TestClient, admin: Admin) -> None:
    me = client.get("/api/v1/me", headers=admin.headers).json()
    assert me["email"] == "admin@acme.test"
    assert me["workspace"]["name"] == "Acme Support"
    wrong = client.post("/api/v1/auth/login", json={"email": "admin@acme.test", "password": "x"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    unknown = client.post("/api/v1/auth/login", json={"email": "who@acme.test", "password": "x"})
    assert unknown.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        ({"Authorization": "Basic abc"}, "not_authenticated"),
        ({"Authorization": "Bearer not-a-jwt"}, "invalid_token"),
    ],
)
def test_admin_endpoints_need_a_valid_token(
    client: TestClient, headers: dict[str, str], code: str
) -> None:
    response = client.get("/api/v1/documents", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.headers["www-authenticate"] == "Bearer"


def test_login_is_rate_limited_with_retry_after(settings: Settings) -> None:
    app = create_app(Settings(**{**settings.__dict__, "login_rate_limit": 2}))
    client = TestClient(app)
    body = {"email": "admin@acme.test", "password": "wrong"}
    assert [client.post("/api/v1/auth/login", json=body).status_code for _ in range(2)] == [
        401,
        401,
    ]
    limited = client.post("/api/v1/auth/login", json=body)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def test_document_lifecycle_changes_answers(
    client: TestClient, admin: Admin, widget_headers: dict[str, str]
) -> None:
    question = {"message": "Do kayaks depart from Rotterdam?"}
    before = client.post("/api/v1/widget/chat", json=question, headers=widget_headers).json()
    assert before["escalated"] is True

    pdf = _pdf("Kayaks ship from our warehouse in Rotterdam within two days.")
    files = {"file": ("kayaks.pdf", io.BytesIO(pdf), "application/pdf")}
    created = client.post("/api/v1/documents", files=files, headers=admin.headers)
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["status"] == "ready"
    assert document["chunk_count"] == 1
    assert document["content_type"] == "application/pdf"
    assert document["size_bytes"] == len(pdf)

    after = client.post("/api/v1/widget/chat", json=question, headers=widget_headers).json()
    assert after["escalated"] is False
    assert "Rotterdam" in after["message"]["content"]
    citation = after["message"]["citations"][0]
    assert citation["document_id"] == document["id"]
    assert citation["document_name"] == "kayaks.pdf"

    listed = client.get("/api/v1/documents", headers=admin.headers).json()["items"]
    assert document["id"] in [item["id"] for item in listed]
    deleted = client.delete(f"/api/v1/documents/{document['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    gone = client.delete(f"/api/v1/documents/{document['id']}", headers=admin.headers)
    assert gone.json()["error"]["code"] == "document_not_found"
    again = client.post("/api/v1/widget/chat", json=question, headers=widget_headers).json()
    assert again["escalated"] is True


@pytest.mark.parametrize(
    ("name", "content", "content_type", "status", "code"),
    [
        ("virus.exe", b"MZ", "application/octet-stream", 415, "unsupported_document_type"),
        ("notes.md", b"# hi", "application/pdf", 415, "unsupported_document_type"),
        ("broken.pdf", b"%PDF-1.4 garbage", "application/pdf", 422, "unreadable_document"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "text/plain", 422, "unreadable_document"),
        (
            "empty.html",
            b"<html><script>x()</script></html>",
            "text/html",
            422,
            "unreadable_document",
        ),
    ],
)
def test_upload_rejects_bad_files_and_stores_nothing(
    client: TestClient,
    admin: Admin,
    name: str,
    content: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    before = client.get("/api/v1/documents", headers=admin.headers).json()["items"]
    files = {"file": (name, io.BytesIO(content), content_type)}
    response = client.post("/api/v1/documents", files=files, headers=admin.headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert client.get("/api/v1/documents", headers=admin.headers).json()["items"] == before


def test_upload_size_limit(settings: Settings, admin: Admin) -> None:
    small = Settings(**{**settings.__dict__, "max_upload_bytes": 1000})
    client = TestClient(create_app(small))
    files = {"file": ("big.txt", io.BytesIO(b"a " * 600), "text/plain")}
    response = client.post("/api/v1/documents", files=files, headers=admin.headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "document_too_large"
    huge = {"file": ("huge.txt", io.BytesIO(b"a" * 200_000), "text/plain")}
    response = client.post("/api/v1/documents", files=huge, headers=admin.headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_json_body_limit(client: TestClient, widget_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/widget/chat",
        content=b'{"message": "' + b"a" * 100_000 + b'"}',
        headers={**widget_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_conversation_flow_filters_and_analytics(
    client: TestClient, admin: Admin, widget_headers: dict[str, str]
) -> None:
    first = client.post(
        "/api/v1/widget/chat",
        json={"message": "How do I reset my password?"},
        headers=widget_headers,
    )
    assert first.status_code == 200
    assert first.headers["access-control-allow-origin"] == ORIGIN
    answer = first.json()
    assert answer["escalated"] is False
    assert "Reset password" in answer["message"]["content"]
    assert answer["message"]["role"] == "assistant"
    assert answer["message"]["citations"][0]["document_name"] == "account-and-security.md"
    conversation_id = answer["conversation_id"]

    follow_up = client.post(
        "/api/v1/widget/chat",
        json={"conversation_id": conversation_id, "message": "Who won the football yesterday?"},
        headers=widget_headers,
    ).json()
    assert follow_up["conversation_id"] == conversation_id
    assert follow_up["escalated"] is True
    assert "member of our support team" in follow_up["message"]["content"]
    assert follow_up["message"]["citations"] == []

    detail = client.get(f"/api/v1/conversations/{conversation_id}", headers=admin.headers).json()
    assert detail["escalated"] is True
    assert [m["role"] for m in detail["messages"]] == ["customer", "assistant"] * 2
    assert detail["messages"][0]["content"] == "How do I reset my password?"

    escalated = client.get("/api/v1/conversations?escalated=true", headers=admin.headers).json()
    assert [c["id"] for c in escalated["items"]] == [conversation_id]
    assert escalated["items"][0]["message_count"] == 4
    assert client.get("/api/v1/conversations?escalated=false", headers=admin.headers).json() == {
        "items": []
    }
    future = client.get(
        "/api/v1/conversations", params={"since": "2999-01-01T00:00:00Z"}, headers=admin.headers
    )
    assert future.json() == {"items": []}
    past = client.get(
        "/api/v1/conversations", params={"until": "2000-01-01T00:00:00Z"}, headers=admin.headers
    )
    assert past.json() == {"items": []}

    stats = client.get("/api/v1/analytics?days=7", headers=admin.headers).json()
    assert len(stats["questions_per_day"]) == 7
    assert stats["questions_per_day"][-1]["count"] == 2
    assert (stats["answered"], stats["escalated"]) == (1, 1)
    assert stats["answer_latency_ms"]["p50"] > 0

    missing = client.get("/api/v1/conversations/" + "0" * 32, headers=admin.headers)
    assert missing.json()["error"]["code"] == "conversation_not_found"
    metrics = client.get("/metrics").text
    assert (
        'ccg_http_requests_total{method="POST",route="/api/v1/widget/chat",status="200"} 2.0'
        in (metrics)
    )
    assert 'ccg_answer_duration_seconds_count{outcome="escalated",provider="local"} 1.0' in metrics
    assert "ccg_retrieval_hits_count 2.0" in metrics


def test_chat_to_unknown_conversation_is_404(
    client: TestClient, widget_headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/widget/chat",
        json={"conversation_id": "f" * 32, "message": "hello"},
        headers=widget_headers,
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Origin": ORIGIN}, 401, "missing_widget_key"),
        ({"X-Widget-Key": "nope", "Origin": ORIGIN}, 401, "invalid_widget_key"),
        ({"X-Widget-Key": "ccg_demo_widget_key"}, 403, "origin_not_allowed"),
        ({"X-Widget-Key": "ccg_demo_widget_key", "Origin": "https://evil.test"}, 403, None),
    ],
)
def test_widget_key_and_origin_are_checked(
    client: TestClient, headers: dict[str, str], status: int, code: str | None
) -> None:
    response = client.post("/api/v1/widget/chat", json={"message": "hi"}, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == (code or "origin_not_allowed")
    assert "access-control-allow-origin" not in response.headers


def test_widget_preflight_answers_allowed_origins_only(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options("/api/v1/widget/chat", headers={**preflight, "Origin": ORIGIN})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "x-widget-key" in allowed.headers["access-control-allow-headers"]
    denied = client.options(
        "/api/v1/widget/chat", headers={**preflight, "Origin": "https://evil.test"}
    )
    assert denied.status_code == 403
    assert "access-control-allow-origin" not in denied.headers


def test_widget_rate_limits_per_ip_and_key(
    settings: Settings, widget_headers: dict[str, str]
) -> None:
    limited = Settings(**{**settings.__dict__, "widget_ip_rate_limit": 2})
    client = TestClient(create_app(limited))
    body = {"message": "Can I get a refund?"}
    codes = [client.post("/api/v1/widget/chat", json=body, headers=widget_headers).status_code]
    codes += [client.post("/api/v1/widget/chat", json=body, headers=widget_headers).status_code]
    blocked = client.post("/api/v1/widget/chat", json=body, headers=widget_headers)
    assert codes == [200, 200]
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"].isdigit()

    per_key = Settings(**{**settings.__dict__, "widget_key_rate_limit": 1})
    client = TestClient(create_app(per_key))
    assert client.post("/api/v1/widget/chat", json=body, headers=widget_headers).status_code == 200
    assert client.post("/api/v1/widget/chat", json=body, headers=widget_headers).status_code == 429


def test_widget_keys_create_update_and_use(client: TestClient, admin: Admin) -> None:
    created = client.post(
        "/api/v1/widget-keys",
        json={"allowed_origins": ["https://shop.example.com/", "https://*.example.org"]},
        headers=admin.headers,
    )
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("ccg_")
    assert key["allowed_origins"] == ["https://shop.example.com", "https://*.example.org"]

    chat = {"message": "Can I get a refund?"}
    sub = {"X-Widget-Key": key["key"], "Origin": "https://help.example.org"}
    assert client.post("/api/v1/widget/chat", json=chat, headers=sub).status_code == 200

    updated = client.put(
        f"/api/v1/widget-keys/{key['key']}",
        json={"allowed_origins": ["https://shop.example.com"]},
        headers=admin.headers,
    )
    assert updated.json()["allowed_origins"] == ["https://shop.example.com"]
    assert client.post("/api/v1/widget/chat", json=chat, headers=sub).status_code == 403

    keys = client.get("/api/v1/widget-keys", headers=admin.headers).json()["items"]
    assert {k["key"] for k in keys} == {"ccg_demo_widget_key", key["key"]}
    bad = client.post(
        "/api/v1/widget-keys",
        json={"allowed_origins": ["javascript:alert(1)"]},
        headers=admin.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "validation_error"
    missing = client.put(
        "/api/v1/widget-keys/nope", json={"allowed_origins": [ORIGIN]}, headers=admin.headers
    )
    assert missing.json()["error"]["code"] == "widget_key_not_found"


def test_widget_bundle_is_served_once_built(client: TestClient, settings: Settings) -> None:
    missing = client.get("/api/v1/embed/widget.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "widget_not_built"
    settings.widget_bundle_path.write_text("console.log('widget')", encoding="utf-8")
    built = client.get("/api/v1/embed/widget.js")
    assert built.status_code == 200
    assert built.headers["content-type"].startswith("text/javascript")
    assert built.text == "console.log('widget')"


def test_errors_are_json(client: TestClient, admin: Admin) -> None:
    not_found = client.get("/nope")
    assert not_found.status_code == 404
    assert not_found.json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/health")
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    malformed = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"
    invalid = client.get("/api/v1/analytics?days=0", headers=admin.headers)
    assert invalid.status_code == 422
    assert invalid.json()["error"]["details"][0]["loc"] == ["query", "days"]


def test_method_not_allowed_lists_every_method(client: TestClient, admin: Admin) -> None:
    # /documents has a GET and a POST route: the 405 names both (found by `nx run backend:dast`).
    response = client.request("OPTIONS", "/api/v1/documents", headers=admin.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    response = client.request("PATCH", "/api/v1/widget-keys/some-key", headers=admin.headers)
    assert response.headers["allow"] == "DELETE, PUT"


def test_conversation_times_must_be_iso_dates(client: TestClient, admin: Admin) -> None:
    # pydantic alone reads a bare number as a Unix time (found by `nx run backend:dast`).
    for value in ("0.5", "1700000000", "-3e2"):
        response = client.get(f"/api/v1/conversations?until={value}", headers=admin.headers)
        assert response.status_code == 422, value
        assert response.json()["error"]["details"][0]["loc"] == ["query", "until"]
    ok = client.get("/api/v1/conversations?since=2026-01-31T12:00:00Z", headers=admin.headers)
    assert ok.status_code == 200


def test_admin_cors_from_settings(settings: Settings) -> None:
    app = create_app(Settings(**{**settings.__dict__, "cors_origins": ("https://admin.test",)}))
    client = TestClient(app)
    preflight = client.options(
        "/api/v1/documents",
        headers={"Origin": "https://admin.test", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["access-control-allow-origin"] == "https://admin.test"
    other = client.get("/health", headers={"Origin": "https://other.test"})
    assert "access-control-allow-origin" not in other.headers


def test_openapi_document_lists_the_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}",
        "/api/v1/widget-keys",
        "/api/v1/widget-keys/{key}",
        "/api/v1/analytics",
        "/api/v1/widget/chat",
        "/api/v1/embed/widget.js",
        "/health",
        "/ready",
        "/health/detailed",
        "/metrics",
    } <= set(paths)


def test_nul_characters_are_refused_before_the_database(
    client: TestClient, admin: Admin, widget_headers: dict[str, str]
) -> None:
    # PostgreSQL cannot store NUL in text; it must never get that far.
    in_path = client.get("/api/v1/documents/a%00b", headers=admin.headers)
    assert in_path.status_code == 400
    assert in_path.json()["error"]["code"] == "bad_request"
    assert client.get("/api/v1/conversations?since=%00", headers=admin.headers).status_code == 400
    login = client.post("/api/v1/auth/login", json={"email": "a\x00@b.c", "password": "x"})
    assert login.status_code == 422
    chat = client.post(
        "/api/v1/widget/chat", json={"message": "refund\x00 please"}, headers=widget_headers
    )
    assert chat.status_code == 200


def test_a_streamed_body_over_the_limit_is_413(
    client: TestClient, widget_headers: dict[str, str]
) -> None:
    """Without Content-Length (chunked), the limit is enforced while the body is read."""

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(20):
            yield b"x" * 8192
        yield b'"}'

    response = client.post(
        "/api/v1/widget/chat",
        content=chunks(),
        headers={**widget_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_sentry_is_initialised_without_personal_data(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("sentry_sdk.init", lambda **options: calls.append(options))
    create_app(Settings(**{**settings.__dict__, "sentry_dsn": "https://key@sentry.test/1"}))
    assert calls[0]["dsn"] == "https://key@sentry.test/1"
    assert calls[0]["send_default_pii"] is False
    assert calls[0]["max_request_body_size"] == "never"


def test_unexpected_errors_are_500_json_with_the_request_id(
    app: FastAPI, widget_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("index exploded")

    app.state.context.knowledge.search = broken
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post(
        "/api/v1/widget/chat",
        json={"message": "refund"},
        headers={**widget_headers, "X-Request-ID": "req-500"},
    )
    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": "internal_error",
        "message": "Something went wrong on our side; it has been logged.",
        "details": {"request_id": "req-500"},
    }
    assert response.headers["x-request-id"] == "req-500"
    assert "index exploded" not in response.text
    assert any("unhandled error" in r.getMessage() and r.exc_info for r in caplog.records)


def test_json_logs_carry_the_request_id_and_never_the_message(
    client: TestClient, widget_headers: dict[str, str]
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("customercare-backend"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    private_question = "my card number is 4111 1111 1111 1111, can I get a refund?"
    try:
        client.post(
            "/api/v1/widget/chat",
            json={"message": private_question},
            headers={**widget_headers, "X-Request-ID": "req-log-1"},
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "customercare.access"]
    assert access[0]["request_id"] == "req-log-1"
    assert access[0]["message"] == "POST /api/v1/widget/chat 200"
    service = [line for line in lines if line["logger"].startswith("customercare")]
    assert {line["request_id"] for line in service} == {"req-log-1"}
    assert "4111" not in stream.getvalue()
    assert "ccg_demo_widget_key" not in stream.getvalue()


def test_conversation_date_filters_respect_time_zones(
    client: TestClient, admin: Admin, widget_headers: dict[str, str]
) -> None:
    started = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
    ).json()["conversation_id"]
    now = datetime.now(UTC)

    def listed(**params: str) -> list[str]:
        response = client.get("/api/v1/conversations", params=params, headers=admin.headers)
        return [item["id"] for item in response.json()["items"]]

    # One minute ago, written as local time in UTC+05:00 (and naive, which means UTC).
    earlier = (now - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=5)))
    assert listed(since=earlier.isoformat()) == [started]
    assert listed(since=(now - timedelta(minutes=1)).replace(tzinfo=None).isoformat()) == [started]
    later = (now + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-7)))
    assert listed(since=later.isoformat()) == []
    assert listed(until=later.isoformat()) == [started]
