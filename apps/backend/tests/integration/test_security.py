"""Regression tests for the holes in issue 15: each failed on the code before its fix."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.cache import MemoryStore
from customercare.seed import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_WIDGET_KEY
from customercare.settings import Settings
from tests.conftest import ORIGIN, Admin
from tests.property.conftest import row_counts
from tests.unit.test_cache import FakeClock

CHAT = {"message": "Can I get a refund?"}
WIDGET = {"X-Widget-Key": DEFAULT_WIDGET_KEY, "Origin": ORIGIN}
ADDRESS_A, ADDRESS_B = ("198.51.100.1", 40000), ("203.0.113.9", 40000)


def _client(
    settings: Settings, address: tuple[str, int] = ADDRESS_A, **overrides: object
) -> TestClient:
    return TestClient(create_app(Settings(**{**settings.__dict__, **overrides})), client=address)


def _from(client: TestClient, address: tuple[str, int]) -> TestClient:
    """Another client of the same app, connecting from `address`."""
    return TestClient(client.app, client=address)


# Uploads


def test_an_upload_over_its_time_budget_is_refused_and_stores_nothing(
    settings: Settings, admin: Admin
) -> None:
    client = _client(settings, extraction_timeout_s=0.001)
    before = row_counts(client.app.state.context.db)  # type: ignore[attr-defined]
    text = ("# Heading\n\nA sentence. " * 50 + "\n\n") * 2000
    files = {"file": ("slow.md", io.BytesIO(text.encode()), "text/markdown")}
    response = client.post("/api/v1/documents", files=files, headers=admin.headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "document_processing_timeout"
    assert "0.001 s budget" in error["message"]
    assert "EXTRACTION_TIMEOUT_S" in error["message"]
    assert row_counts(client.app.state.context.db) == before  # type: ignore[attr-defined]


# Widget budget


def test_requests_the_ip_limit_refuses_do_not_spend_the_key_budget(settings: Settings) -> None:
    first = _client(settings, widget_ip_rate_limit=2, widget_key_rate_limit=3)
    codes = [
        first.post("/api/v1/widget/chat", json=CHAT, headers=WIDGET).status_code for _ in range(10)
    ]
    assert codes == [200, 200] + [429] * 8
    second = _from(first, ADDRESS_B)
    assert second.post("/api/v1/widget/chat", json=CHAT, headers=WIDGET).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Widget-Key": "ccg_unknown", "Origin": ORIGIN},
        {"X-Widget-Key": DEFAULT_WIDGET_KEY, "Origin": "https://evil.test"},
        {"Origin": ORIGIN},
    ],
    ids=["unknown key", "wrong origin", "no key"],
)
def test_unknown_keys_and_wrong_origins_are_rate_limited_before_the_database(
    settings: Settings, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(settings, widget_ip_rate_limit=2)
    assert [
        client.post("/api/v1/widget/chat", json=CHAT, headers=headers).status_code // 100
        for _ in range(2)
    ] == [4, 4]
    context = client.app.state.context  # type: ignore[attr-defined]

    def no_database(*_: object, **__: object) -> None:
        raise AssertionError("a rate-limited request read the database")

    monkeypatch.setattr(context.db, "session", no_database)
    limited = client.post("/api/v1/widget/chat", json=CHAT, headers=headers)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"


def test_widget_preflights_are_rate_limited(settings: Settings) -> None:
    client = _client(settings, widget_ip_rate_limit=1)
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    assert client.options("/api/v1/widget/chat", headers=preflight).status_code == 204
    assert client.options("/api/v1/widget/chat", headers=preflight).status_code == 429


def test_a_widget_key_can_be_rotated_and_revoked(client: TestClient, admin: Admin) -> None:
    rotated = client.post(f"/api/v1/widget-keys/{DEFAULT_WIDGET_KEY}/rotate", headers=admin.headers)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["key"].startswith("ccg_")
    assert new["key"] != DEFAULT_WIDGET_KEY
    assert new["allowed_origins"] == ["http://127.0.0.1:*", "http://localhost:*"]
    old = client.post("/api/v1/widget/chat", json=CHAT, headers=WIDGET)
    assert old.json()["error"]["code"] == "invalid_widget_key"
    headers = {"X-Widget-Key": new["key"], "Origin": ORIGIN}
    assert client.post("/api/v1/widget/chat", json=CHAT, headers=headers).status_code == 200

    revoked = client.delete(f"/api/v1/widget-keys/{new['key']}", headers=admin.headers)
    assert revoked.status_code == 204
    after = client.post("/api/v1/widget/chat", json=CHAT, headers=headers)
    assert after.json()["error"]["code"] == "invalid_widget_key"
    assert client.get("/api/v1/widget-keys", headers=admin.headers).json() == {"items": []}
    for method, path in (("DELETE", new["key"]), ("POST", f"{new['key']}/rotate")):
        missing = client.request(method, f"/api/v1/widget-keys/{path}", headers=admin.headers)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "widget_key_not_found"


# Admin lockout


def _login(client: TestClient, password: str, email: str = ADMIN_EMAIL) -> int:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return int(response.status_code)


def test_wrong_passwords_from_one_address_do_not_lock_the_admin_out_elsewhere(
    settings: Settings,
) -> None:
    stranger = _client(settings, login_rate_limit=10)
    assert [_login(stranger, "guess") for _ in range(12)] == [401] * 10 + [429] * 2
    # The stranger's address is locked out even with the right password ...
    assert _login(stranger, DEFAULT_ADMIN_PASSWORD) == 429
    # ... the admin, elsewhere, is not.
    assert _login(_from(stranger, ADDRESS_B), DEFAULT_ADMIN_PASSWORD) == 200


def test_repeated_lockouts_back_off(settings: Settings) -> None:
    client = _client(settings, login_rate_limit=2, login_rate_window_s=60)
    clock = FakeClock()
    client.app.state.context.store = MemoryStore(clock=clock)  # type: ignore[attr-defined]
    assert [_login(client, "guess") for _ in range(3)] == [401, 401, 429]
    first = client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "x"})
    assert 1 <= int(first.headers["retry-after"]) <= 60
    # Let the first lockout pass, then fail again: the second lockout lasts twice as long.
    clock.now += 61
    assert [_login(client, "guess") for _ in range(3)] == [401, 401, 429]
    second = client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "x"})
    assert 60 < int(second.headers["retry-after"]) <= 120


def test_one_address_is_limited_across_emails(settings: Settings) -> None:
    client = _client(settings, login_rate_limit=100, login_ip_rate_limit=3)
    codes = [_login(client, "guess", f"user{n}@acme.test") for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert _login(_from(client, ADDRESS_B), DEFAULT_ADMIN_PASSWORD) == 200


# Client address


def test_forwarded_for_is_trusted_only_from_configured_proxies(settings: Settings) -> None:
    proxy = ("10.0.0.2", 40000)
    client = _client(settings, proxy, widget_ip_rate_limit=1, forwarded_allow_ips=("10.0.0.0/8",))

    def chat(client: TestClient, forwarded_for: str) -> int:
        headers = {**WIDGET, "X-Forwarded-For": forwarded_for}
        return int(client.post("/api/v1/widget/chat", json=CHAT, headers=headers).status_code)

    # Two customers behind the proxy have a budget each; the proxy's own hop is skipped.
    assert chat(client, "198.51.100.7") == 200
    assert chat(client, "203.0.113.8, 10.0.0.3") == 200
    assert chat(client, "198.51.100.7") == 429
    # A client that is not a proxy cannot pick its address by sending the header.
    direct = _from(client, ADDRESS_A)
    assert [chat(direct, f"192.0.2.{n}") for n in range(2)] == [200, 429]
    # Nor can a customer behind the proxy: the proxy appends the address it saw.
    assert chat(client, "192.0.2.50, 198.51.100.7") == 429


# Production


def test_docs_and_openapi_are_private_in_production_unless_enabled(settings: Settings) -> None:
    production = _client(settings, environment="production")
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert production.get(path).status_code == 404, path
    assert production.get("/health").status_code == 200
    enabled = _client(settings, environment="production", docs_enabled=True)
    assert enabled.get("/openapi.json").status_code == 200
    assert _client(settings).get("/docs").status_code == 200


def test_metrics_need_the_token_when_one_is_set(settings: Settings) -> None:
    client = _client(settings, metrics_token="scrape-token-0123456789")  # noqa: S106
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "metrics_token_required"
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert allowed.status_code == 200
    assert "ccg_http_requests_total" in allowed.text
    assert _client(settings).get("/metrics").status_code == 200
