"""Retrieval quality on a labelled set of questions: hit@k and how well escalation is judged."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from customercare.knowledge.bm25 import IndexedPassage, ScoredPassage
from customercare.knowledge.chunking import chunk_text
from customercare.knowledge.extract import detect_content_type, extract_text


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    document: str | None
    heading: str | None


@dataclass(frozen=True)
class Evaluation:
    answerable: int
    hits_at_1: int
    hits_at_3: int
    unanswerable: int
    # Answerable questions answered (not escalated) and unanswerable ones escalated.
    answered_correctly: int
    escalated_correctly: int
    misses: tuple[str, ...]

    @property
    def hit_at_1(self) -> float:
        return self.hits_at_1 / self.answerable if self.answerable else 0.0

    @property
    def hit_at_3(self) -> float:
        return self.hits_at_3 / self.answerable if self.answerable else 0.0


def passages_of(documents: Iterable[tuple[str, bytes]]) -> list[IndexedPassage]:
    """The passages of (filename, content) documents, each titled and identified by its filename.

    The corpus the labelled questions are evaluated on (the unit tests' retrieval gate and
    bench/retrieval_eval.py), built without a database.
    """
    found = []
    for name, data in documents:
        text = extract_text(data, detect_content_type(name, None))
        for passage in chunk_text(text, title=name):
            found.append(
                IndexedPassage(
                    f"{name}#{passage.position}", name, name, passage.heading, passage.text
                )
            )
    return found


def load_questions(path: Path) -> list[LabelledQuestion]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [LabelledQuestion(q["question"], q["document"], q["heading"]) for q in data["questions"]]


def evaluate(
    questions: Sequence[LabelledQuestion],
    search: Callable[[str], list[ScoredPassage]],
    confidence: Callable[[list[ScoredPassage]], float],
    threshold: float,
) -> Evaluation:
    def is_right(passage: IndexedPassage, question: LabelledQuestion) -> bool:
        return passage.document_name == question.document and passage.heading == question.heading

    hits_1 = hits_3 = answered = escalated = 0
    misses: list[str] = []
    for question in questions:
        results = search(question.question)
        confident = confidence(results) >= threshold
        if question.document is None:
            escalated += not confident
            continue
        ranks = [n for n, scored in enumerate(results[:3]) if is_right(scored.passage, question)]
        hits_1 += bool(ranks and ranks[0] == 0)
        hits_3 += bool(ranks)
        answered += confident
        if not ranks:
            misses.append(question.question)
    answerable = sum(1 for q in questions if q.document is not None)
    return Evaluation(
        answerable=answerable,
        hits_at_1=hits_1,
        hits_at_3=hits_3,
        unanswerable=len(questions) - answerable,
        answered_correctly=answered,
        escalated_correctly=escalated,
        misses=tuple(misses),
    )
