"""The visible text of an HTML page, in one forward pass.

Not `html.parser`: on Python before 3.13.4 it rescans the rest of the input at every unclosed tag,
so `"<a" * 40_000` takes seconds and a 5 MiB upload hours (https://github.com/python/cpython/issues/135462).
Here every search starts where the previous one ended, and a construct that never closes runs to
the end of the input, so the work is linear in the page's size. Headings become Markdown headings
for the chunker; block elements become paragraph breaks.
"""

from __future__ import annotations

import html
import re

from customercare.knowledge.budget import Budget, unlimited

# Elements whose content is not visible text. script and style hold raw text up to their end tag;
# the others hold markup, counted by depth.
_RAW_TEXT = frozenset({"script", "style"})
_HIDDEN = frozenset({"noscript", "template", "head"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCK = (
    frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "section",
            "article",
            "blockquote",
            "pre",
            "table",
            "ul",
            "ol",
        }
    )
    | _HEADINGS.keys()
)
# Each is one character class with a bounded or final quantifier: nothing to backtrack into.
_MARKUP = re.compile(r"<[A-Za-z/!?]")
_TAG_END_OR_QUOTE = re.compile(r"[>\"']")
_NAME = re.compile(r"[^\s/>]{0,32}")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BREAK = "\n\n"


def _tag_end(page: str, start: int) -> int:
    """The index just after the `>` that closes the tag at `start` (quoted values may hold `>`)."""
    position = start
    while True:
        stop = _TAG_END_OR_QUOTE.search(page, position)
        if stop is None:
            return len(page)
        if stop.group() == ">":
            return stop.end()
        closing = page.find(stop.group(), stop.end())
        if closing == -1:
            return len(page)
        position = closing + 1


def _raw_text_end(page: str, start: int, name: str) -> int:
    """The index of `</name` (any case) at or after `start`, or the end of the page."""
    position = start
    while True:
        found = page.find("</", position)
        if found == -1:
            return len(page)
        if page[found + 2 : found + 2 + len(name)].lower() == name:
            return found
        position = found + 2


def _normalise(text: str, budget: Budget) -> str:
    """Runs of spaces become one; blank lines separate paragraphs; lines are trimmed."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        budget.step()
        line = _SPACES.sub(" ", line).strip()
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def html_to_text(page: str, budget: Budget | None = None) -> str:
    """Visible text of an HTML page, headings kept as Markdown headings for the chunker."""
    budget = budget or unlimited()
    parts: list[str] = []
    hidden = 0
    position = 0
    while position < len(page):
        budget.step()
        markup = _MARKUP.search(page, position)
        end = markup.start() if markup else len(page)
        if not hidden and end > position:
            parts.append(html.unescape(page[position:end]))
        if markup is None:
            break
        if page.startswith("<!--", end):
            close = page.find("-->", end + 4)
            position = len(page) if close == -1 else close + 3
            continue
        closing = page[end + 1] == "/"
        name_match = _NAME.match(page, end + (2 if closing else 1))
        name = name_match.group().lower() if name_match else ""
        position = _tag_end(page, end + 1)
        if page[end + 1] in "!?":
            continue
        if name in _RAW_TEXT and not closing:
            position = _tag_end(page, _raw_text_end(page, position, name))
        elif name in _HIDDEN:
            hidden = max(0, hidden + (-1 if closing else 1))
        elif name in _HEADINGS and not closing:
            parts.append("\n\n" + "#" * _HEADINGS[name] + " ")
        elif name in _BLOCK and (not parts or parts[-1] != _BREAK):
            # One break for a run of block tags: `<div>` * 1,000,000 is one paragraph break.
            parts.append(_BREAK)
    return _normalise("".join(parts), budget)
