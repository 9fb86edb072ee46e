"""Concurrent writers on SQLite, and the Gemini provider wired through the whole app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.settings import Settings
from tests.unit.test_providers import FakeGemini, _candidate


def test_concurrent_chats_on_sqlite_all_succeed(settings: Settings) -> None:
    """Many threads writing conversations at once: none fails with 'database is locked'."""
    client = TestClient(
        create_app(Settings(**{**settings.__dict__, "widget_ip_rate_limit": 10**6}))
    )
    headers = {"X-Widget-Key": "ccg_demo_widget_key", "Origin": "http://localhost:5173"}
    questions = ["Can I get a refund?", "How do I reset my password?", "Is shipping free?"]

    def ask(number: int) -> int:
        body = {"message": questions[number % len(questions)]}
        status: int = client.post("/api/v1/widget/chat", json=body, headers=headers).status_code
        return status

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(ask, range(96)))
    assert codes == [200] * 96


@pytest.fixture
def gemini_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGemini)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeGemini.requests.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _gemini_client(settings: Settings, url: str) -> TestClient:
    configured = Settings(**{**settings.__dict__, "gemini_api_key": "key", "gemini_base_url": url})
    return TestClient(create_app(configured))


def test_chat_answers_with_gemini_when_configured(
    settings: Settings, gemini_url: str, widget_headers: dict[str, str]
) -> None:
    FakeGemini.reply = (200, _candidate("Refunds are possible for 30 days."))
    client = _gemini_client(settings, gemini_url)
    assert client.get("/health/detailed").json()["answer_provider"] == "gemini"
    answer = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
    ).json()
    assert answer["message"]["content"] == "Refunds are possible for 30 days."
    assert answer["message"]["citations"][0]["document_name"] == "billing.md"
    assert "Refund policy" in FakeGemini.requests[0]["contents"][0]["parts"][0]["text"]


def test_gemini_failure_falls_back_to_the_local_answer(
    settings: Settings, gemini_url: str, widget_headers: dict[str, str]
) -> None:
    FakeGemini.reply = (503, {"error": {"code": 503, "status": "UNAVAILABLE"}})
    client = _gemini_client(settings, gemini_url)
    answer = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
    ).json()
    assert "Request refund" in answer["message"]["content"]
    assert answer["escalated"] is False
    metrics = client.get("/metrics").text
    assert 'ccg_answer_provider_errors_total{kind="http_5xx",provider="gemini"} 1.0' in metrics
