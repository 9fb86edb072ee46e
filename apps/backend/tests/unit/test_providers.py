"""The answer providers; Gemini against a fake server on loopback speaking the real API's shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from customercare.answers import GeminiProvider, LocalProvider, ProviderError, create_provider
from customercare.knowledge.bm25 import IndexedPassage, ScoredPassage
from customercare.settings import Settings

PASSAGES = [
    ScoredPassage(
        IndexedPassage(
            "c1",
            "d1",
            "billing.md",
            "Refund policy",
            "Refunds are available within 30 days of purchase. Open Billing and pick the order. "
            "The money is back on your card within 5 business days.",
        ),
        3.0,
        1.0,
        1.0,
    ),
    ScoredPassage(
        IndexedPassage("c2", "d2", "faq.md", "Other", "Unrelated text about shipping."), 1.0, 0.5, 1
    ),
]


def test_local_provider_extracts_matching_sentences_in_order() -> None:
    answer = LocalProvider().compose("How many days for a refund to my card?", PASSAGES)
    assert answer == (
        "Refunds are available within 30 days of purchase. "
        "The money is back on your card within 5 business days."
    )
    assert LocalProvider().compose("zzz", PASSAGES).startswith("Refunds are available")
    assert LocalProvider().compose("anything", []) == ""


class FakeGemini(BaseHTTPRequestHandler):
    """Answers like generativelanguage.googleapis.com's v1beta generateContent."""

    requests: ClassVar[list[dict[str, Any]]] = []
    reply: ClassVar[tuple[int, object]] = (200, {})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGemini.requests.append(
            {"path": self.path, "key": self.headers["x-goog-api-key"], **body}
        )
        status, payload = FakeGemini.reply
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def gemini_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGemini)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeGemini.requests.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _candidate(text: str) -> dict[str, object]:
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 120,
            "candidatesTokenCount": 12,
            "totalTokenCount": 132,
        },
        "modelVersion": "gemini-2.0-flash",
    }


def test_gemini_provider_sends_grounded_prompt_and_reads_candidates(gemini_url: str) -> None:
    FakeGemini.reply = (200, _candidate("You can get a refund within 30 days [1]."))
    provider = GeminiProvider("test-key", "gemini-2.0-flash", gemini_url)
    assert provider.compose("Can I get a refund?", PASSAGES) == (
        "You can get a refund within 30 days [1]."
    )
    provider.close()
    request = FakeGemini.requests[0]
    assert request["path"] == "/v1beta/models/gemini-2.0-flash:generateContent"
    assert request["key"] == "test-key"
    prompt = request["contents"][0]["parts"][0]["text"]
    assert "[1] billing.md — Refund policy" in prompt
    assert "Customer question: Can I get a refund?" in prompt


@pytest.mark.parametrize(
    ("reply", "message", "kind"),
    [
        (
            (429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}),
            "HTTP 429",
            "rate_limited",
        ),
        ((404, {"error": {"code": 404, "status": "NOT_FOUND"}}), "HTTP 404", "http_4xx"),
        ((500, {"error": {"code": 500, "status": "INTERNAL"}}), "HTTP 500", "http_5xx"),
        (
            (200, {"promptFeedback": {"blockReason": "SAFETY"}}),
            "did not have candidates",
            "invalid_response",
        ),
        ((200, _candidate("   ")), "empty answer", "empty_answer"),
    ],
)
def test_gemini_failures_raise_provider_error(
    gemini_url: str, reply: tuple[int, object], message: str, kind: str
) -> None:
    FakeGemini.reply = reply
    with pytest.raises(ProviderError, match=message) as raised:
        GeminiProvider("k", "m", gemini_url).compose("q", PASSAGES)
    assert raised.value.kind == kind


def test_gemini_unreachable_raises_provider_error() -> None:
    with pytest.raises(ProviderError, match="request failed") as raised:
        GeminiProvider("k", "m", "http://127.0.0.1:9", timeout_s=1).compose("q", PASSAGES)
    assert raised.value.kind == "connection"


def test_provider_is_chosen_by_the_key(tmp_path: Path) -> None:
    assert create_provider(Settings(data_dir=tmp_path)).name == "local"
    assert create_provider(Settings(data_dir=tmp_path, gemini_api_key="k")).name == "gemini"
