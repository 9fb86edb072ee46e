"""Splitting a document into passages small enough to quote and rank.

Passages follow the document's own structure: Markdown headings start a new section, and each
section is packed paragraph by paragraph into passages of at most `max_chars`, so a passage is a
coherent piece of one section and carries that section's heading (which also boosts its ranking).

Uploads are untrusted, so every step here is linear in its input: lines are read with string
methods, not regular expressions that backtrack (a heading pattern with nested optional
whitespace once took 1.8 s for one 1,000-character line), and long text is cut by index, not by
re-slicing the remainder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from customercare.knowledge.budget import Budget, unlimited

# Linear: a one-character look-behind, then one run of whitespace that nothing follows, so a
# failed attempt never retries a shorter run.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    position: int
    heading: str
    text: str


def heading_of(line: str) -> str | None:
    """The title of a Markdown ATX heading (`## Refunds ##` -> `Refunds`), or None.

    Up to three spaces of indent, one to six `#`, whitespace, the title; a closing run of `#` is
    dropped.
    """
    content = line.lstrip()
    if len(line) - len(content) > 3:
        return None
    level = len(content) - len(content.lstrip("#"))
    if not 1 <= level <= 6 or not content[level : level + 1].isspace():
        return None
    title = content[level:].strip()
    return title.rstrip("#").rstrip() or title or None


def _split_long(paragraph: str, max_chars: int, budget: Budget) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        budget.step()
        start = 0
        while len(sentence) - start > max_chars:
            budget.step()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[start : start + max_chars])
            start += max_chars
        rest = sentence[start:]
        candidate = f"{current} {rest}".strip()
        if len(candidate) > max_chars and current:
            pieces.append(current)
            current = rest
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _sections(text: str, title: str, budget: Budget) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) in document order; blank lines end a paragraph, headings a section."""
    sections: list[tuple[str, list[str]]] = [(title, [])]
    body: list[str] = []
    for line in text.split("\n"):
        budget.step()
        stripped = line.strip()
        heading = heading_of(line) if stripped.startswith("#") else None
        if body and (not stripped or heading is not None):
            sections[-1][1].append(" ".join(body))
            body = []
        if heading is not None:
            sections.append((heading, []))
        elif stripped:
            body.append(stripped)
    if body:
        sections[-1][1].append(" ".join(body))
    return sections


def chunk_text(
    text: str, title: str = "", max_chars: int = 800, budget: Budget | None = None
) -> list[Passage]:
    budget = budget or unlimited()
    passages: list[Passage] = []
    for heading, paragraphs in _sections(text.replace("\r\n", "\n"), title, budget):
        current = ""
        for paragraph in paragraphs:
            for piece in _split_long(paragraph, max_chars, budget):
                budget.step()
                if current and len(current) + len(piece) + 1 > max_chars:
                    passages.append(Passage(len(passages), heading, current))
                    current = piece
                else:
                    current = f"{current}\n{piece}" if current else piece
        if current:
            passages.append(Passage(len(passages), heading, current))
    budget.check()
    return passages
