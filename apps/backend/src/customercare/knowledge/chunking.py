"""Splitting a document into passages small enough to quote and rank.

Passages follow the document's own structure: Markdown headings start a new section, and each
section is packed paragraph by paragraph into passages of at most `max_chars`, so a passage is a
coherent piece of one section and carries that section's heading (which also boosts its ranking).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    position: int
    heading: str
    text: str


def _split_long(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        while len(sentence) > max_chars:
            head, sentence = sentence[:max_chars], sentence[max_chars:]
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        candidate = f"{current} {sentence}".strip()
        if len(candidate) > max_chars and current:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def chunk_text(text: str, title: str = "", max_chars: int = 800) -> list[Passage]:
    sections: list[tuple[str, list[str]]] = [(title, [])]
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = block.strip().split("\n")
        body: list[str] = []
        for line in lines:
            match = _HEADING.match(line)
            if match:
                if body:
                    sections[-1][1].append(" ".join(body))
                    body = []
                sections.append((match.group(1).strip(), []))
            elif line.strip():
                body.append(line.strip())
        if body:
            sections[-1][1].append(" ".join(body))

    passages: list[Passage] = []
    for heading, paragraphs in sections:
        current = ""
        for paragraph in paragraphs:
            for piece in _split_long(paragraph, max_chars):
                if current and len(current) + len(piece) + 1 > max_chars:
                    passages.append(Passage(len(passages), heading, current))
                    current = piece
                else:
                    current = f"{current}\n{piece}" if current else piece
        if current:
            passages.append(Passage(len(passages), heading, current))
    return passages
