"""Okapi BM25 over a workspace's passages, held in memory.

One implementation for SQLite and PostgreSQL alike, so ranking does not change with the database:
the index is rebuilt from the `chunks` table when the workspace's `kb_version` changes. A support
knowledge base is thousands of passages, not millions, so the index is small (and the labelled
evaluation in bench/retrieval_eval.py measures its hit@3 against the simpler term-overlap ranking).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from service_kit import tokenize

# A Snowball stemmer keeps per-call state, so each thread gets its own.
_stemmers = threading.local()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """Words as the index compares them: tokenised, no stop words, stemmed (outages -> outag)."""
    return [_stem(word) for word in tokenize(text)]


@dataclass(frozen=True)
class IndexedPassage:
    id: str
    document_id: str
    document_name: str
    heading: str
    text: str


@dataclass(frozen=True)
class ScoredPassage:
    passage: IndexedPassage
    score: float
    # Share of the query's known terms (those in the workspace's vocabulary) that the passage holds.
    coverage: float
    # Share of the query's terms that the workspace's vocabulary knows at all.
    known_share: float


class Bm25Index:
    def __init__(
        self, passages: Sequence[IndexedPassage], k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.passages = list(passages)
        self._k1, self._b = k1, b
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        for number, passage in enumerate(self.passages):
            # The heading counts twice: it says what the passage is about.
            words = terms(f"{passage.heading} {passage.heading} {passage.text}")
            self._lengths.append(len(words))
            for term, count in Counter(words).items():
                self._postings[term].append((number, count))
        total = sum(self._lengths)
        self._average_length = total / len(self._lengths) if self._lengths else 0.0

    def __len__(self) -> int:
        return len(self.passages)

    def _idf(self, term: str) -> float:
        frequency = len(self._postings.get(term, ()))
        count = len(self.passages)
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def search(self, query: str, limit: int = 3) -> list[ScoredPassage]:
        wanted = set(terms(query))
        if not wanted or not self.passages:
            return []
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        known = sum(1 for term in wanted if term in self._postings)
        for term in wanted:
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self._idf(term)
            for number, frequency in postings:
                norm = 1 - self._b + self._b * self._lengths[number] / self._average_length
                scores[number] += idf * frequency * (self._k1 + 1) / (frequency + self._k1 * norm)
                matched[number] += 1
        ranked = sorted(scores, key=lambda number: (-scores[number], self.passages[number].id))
        return [
            ScoredPassage(self.passages[n], scores[n], matched[n] / known, known / len(wanted))
            for n in ranked[:limit]
        ]
