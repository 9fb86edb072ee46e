"""The providers behind one interface: `local` (extractive, needs no key) and `gemini`.

A provider is only asked to compose an answer once retrieval is confident enough; deciding to
escalate is the conversation service's job, so every provider escalates the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import httpx

from customercare.knowledge.bm25 import ScoredPassage, terms
from customercare.settings import Settings

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class ProviderError(RuntimeError):
    """The provider could not compose an answer (network, quota, malformed reply).

    `kind` is the failure's class for the `ccg_answer_provider_errors_total` metric: `timeout`,
    `connection`, `rate_limited`, `http_4xx`, `http_5xx`, `invalid_response` or `empty_answer`.
    """

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _status_kind(status: int) -> str:
    if status == 429:
        return "rate_limited"
    return "http_5xx" if status >= 500 else "http_4xx"


class AnswerProvider(Protocol):
    name: str

    def compose(self, question: str, passages: Sequence[ScoredPassage]) -> str: ...


class LocalProvider:
    """Deterministic and extractive: the sentences of the best passages that match the question.

    Sentences are scored by how many of the question's terms they contain; the best (up to
    `max_sentences`) are returned in the order they appear in the passages, so the reply reads as
    the knowledge base wrote it.
    """

    name = "local"

    def __init__(self, max_sentences: int = 3) -> None:
        self._max_sentences = max_sentences

    def compose(self, question: str, passages: Sequence[ScoredPassage]) -> str:
        wanted = set(terms(question))
        candidates: list[tuple[int, int, str]] = []
        for rank, scored in enumerate(passages[:2]):
            for sentence in _SENTENCE.split(scored.passage.text):
                sentence = sentence.strip().lstrip("-*• ").strip()
                if len(sentence) < 3:
                    continue
                overlap = len(wanted & set(terms(sentence)))
                # The top passage's sentences win ties; the first sentence always has a chance.
                candidates.append((overlap * 10 - rank * 5, len(candidates), sentence))
        if not candidates:
            return passages[0].passage.text if passages else ""
        best = sorted(candidates, key=lambda c: (-c[0], c[1]))[: self._max_sentences]
        chosen = [sentence for score, _, sentence in sorted(best, key=lambda c: c[1]) if score > 0]
        if not chosen:
            chosen = [candidates[0][2]]
        return " ".join(chosen)


class GeminiProvider:
    """Google's Gemini `generateContent` REST API, grounded on the retrieved passages."""

    name = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str,
        timeout_s: float = 20.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._api_key = api_key
        self._url = f"{base_url.rstrip('/')}/v1beta/models/{model}:generateContent"
        self._client = client or httpx.Client(timeout=timeout_s)

    @staticmethod
    def prompt(question: str, passages: Sequence[ScoredPassage]) -> str:
        context = "\n\n".join(
            f"[{number}] {scored.passage.document_name} — {scored.passage.heading}\n"
            f"{scored.passage.text}"
            for number, scored in enumerate(passages, start=1)
        )
        return (
            "You are a customer support assistant. Answer the customer's question using only the "
            "numbered passages below. Be brief and friendly. If the passages do not contain the "
            "answer, say you will pass the question to a human colleague.\n\n"
            f"Passages:\n{context}\n\nCustomer question: {question}"
        )

    def compose(self, question: str, passages: Sequence[ScoredPassage]) -> str:
        body = {
            "contents": [{"role": "user", "parts": [{"text": self.prompt(question, passages)}]}],
            "generationConfig": {"temperature": 0.2, "maxOutputTokens": 512},
        }
        try:
            response = self._client.post(
                self._url, json=body, headers={"x-goog-api-key": self._api_key}
            )
        except httpx.TimeoutException as error:
            raise ProviderError(
                f"Gemini request failed: {error.__class__.__name__}", "timeout"
            ) from error
        except httpx.HTTPError as error:
            raise ProviderError(
                f"Gemini request failed: {error.__class__.__name__}", "connection"
            ) from error
        if response.status_code != 200:
            raise ProviderError(
                f"Gemini answered HTTP {response.status_code}", _status_kind(response.status_code)
            )
        try:
            payload = response.json()
            parts = payload["candidates"][0]["content"]["parts"]
            text = "".join(part.get("text", "") for part in parts).strip()
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
            raise ProviderError(
                "Gemini's reply did not have candidates[0].content.parts", "invalid_response"
            ) from error
        if not text:
            raise ProviderError("Gemini returned an empty answer", "empty_answer")
        return text

    def close(self) -> None:
        self._client.close()


def create_provider(settings: Settings) -> AnswerProvider:
    if settings.gemini_api_key:
        return GeminiProvider(
            settings.gemini_api_key, settings.gemini_model, settings.gemini_base_url
        )
    return LocalProvider()
