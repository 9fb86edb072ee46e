"""hit@1 / hit@3 of the knowledge base's BM25 ranking on the labelled questions, beside the
term-overlap ranking it replaced, measured in one run. Run by bench/backend.sh, or alone:

    .venv/bin/python bench/retrieval_eval.py
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from customercare.conversations import confidence
from customercare.knowledge.bm25 import Bm25Index, IndexedPassage, ScoredPassage
from customercare.knowledge.evaluation import evaluate, load_questions, passages_of
from customercare.seed import sample_documents
from customercare.settings import Settings
from service_kit import tokenize

LABELLED = Path(__file__).parents[1] / "apps/backend/tests/data/labelled_questions.json"


def term_overlap(corpus: list[IndexedPassage], query: str) -> list[ScoredPassage]:
    """The ranking the first version shipped: share of query terms a passage contains."""
    terms = Counter(tokenize(query))
    hits = []
    for passage in corpus:
        vocabulary = set(tokenize(f"{passage.heading} {passage.text}"))
        matched = sum(count for term, count in terms.items() if term in vocabulary)
        if matched:
            share = matched / sum(terms.values())
            hits.append(ScoredPassage(passage, share, share, 1.0))
    hits.sort(key=lambda hit: (-hit.score, hit.passage.id))
    return hits[:3]


def main() -> None:
    corpus = passages_of(sample_documents())
    questions = load_questions(LABELLED)
    threshold = Settings().escalation_threshold
    index = Bm25Index(corpus)
    bm25 = evaluate(questions, lambda q: index.search(q, 3), confidence, threshold)
    overlap = evaluate(questions, lambda q: term_overlap(corpus, q), confidence, threshold)
    print(
        f"retrieval: {bm25.answerable} answerable + {bm25.unanswerable} unanswerable labelled "
        f"questions over {len(corpus)} passages"
    )
    print(f"{'ranking':<14}{'hit@1':>8}{'hit@3':>8}{'answered':>10}{'escalated':>11}")
    for name, result in (("bm25 stemmed", bm25), ("term overlap", overlap)):
        print(
            f"{name:<14}{result.hit_at_1:>8.3f}{result.hit_at_3:>8.3f}"
            f"{result.answered_correctly:>6}/{result.answerable:<3}"
            f"{result.escalated_correctly:>7}/{result.unanswerable}"
        )
    print(f"bm25/overlap hit@3 ratio: {bm25.hit_at_3 / overlap.hit_at_3:.3f}")
    if bm25.misses:
        print("bm25 misses (right passage not in the top 3): " + "; ".join(bm25.misses))


if __name__ == "__main__":
    main()
