"""A small in-memory knowledge base ranked by term overlap.

It answers the sample questions a fresh install ships with; the persistent, per-workspace knowledge
base with BM25 ranking replaces it behind the same `search` signature.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from service_kit import tokenize


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


SAMPLE_PASSAGES = (
    Passage(
        "reset-password",
        "Resetting your password",
        "To reset your password, open Settings, choose Security and click 'Reset password'. "
        "We email you a link that stays valid for 30 minutes.",
    ),
    Passage(
        "refunds",
        "Refund policy",
        "Refunds are available within 30 days of purchase. Open Billing, pick the order and "
        "choose 'Request refund'; the money is back on your card within 5 business days.",
    ),
    Passage(
        "opening-hours",
        "Support hours",
        "Our support team answers chats from 8:00 to 20:00 CET, Monday to Friday.",
    ),
)


def search(
    query: str, passages: tuple[Passage, ...] = SAMPLE_PASSAGES, limit: int = 3
) -> list[Hit]:
    """Rank passages by the share of the query's terms they contain; drop passages with none."""
    terms = Counter(tokenize(query))
    if not terms:
        return []
    hits = []
    for passage in passages:
        vocabulary = set(tokenize(f"{passage.title} {passage.text}"))
        matched = sum(count for term, count in terms.items() if term in vocabulary)
        if matched:
            hits.append(Hit(passage, matched / sum(terms.values())))
    hits.sort(key=lambda hit: (-hit.score, hit.passage.id))
    return hits[:limit]
