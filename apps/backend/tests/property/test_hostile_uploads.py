"""Hostile uploads: reading any document costs time proportional to its size.

The bound, for every text upload up to `MAX_UPLOAD_BYTES` (txt, Markdown, HTML): parsing it takes at
most `FACTOR` times the CPU time of a bare Python pass over its characters, plus `SLACK_S`. Both are
measured in the same test as CPU time of this thread (`time.thread_time`), so a loaded machine slows
both sides alike; a super-linear step (a backtracking regex, a quadratic parser) breaks the bound by
orders of magnitude at these sizes. Raw figures: `bench/hostile_uploads.py`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from customercare.knowledge.chunking import chunk_text
from customercare.knowledge.extract import UnreadableDocumentError
from customercare.knowledge.service import KnowledgeBase
from customercare.settings import Settings

MAX_UPLOAD_BYTES = Settings().max_upload_bytes
FACTOR = 200
SLACK_S = 0.1

# Pieces an attacker strings together: long whitespace runs (ASCII and Unicode), heading markers,
# HTML that nests deeply or never closes, character references, long lines and sentence ends.
FRAGMENTS = [
    "# a",
    "######## ",
    "#",
    " ",
    "\t",
    "\xa0",
    "\u2003",
    "&nbsp;",
    "\n",
    "\n\n",
    "\r\n",
    "x",
    ". ",
    "!",
    "> ",
    "- ",
    "<div>",
    "</div>",
    "<a",
    "</",
    "<?",
    "<!",
    "<!--",
    "-->",
    '<a title="',
    "<h1>",
    "<script>",
    "&#",
    "&amp;",
    "[",
    "(",
]
piece = st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, 4096)).map(lambda p: p[0] * p[1])
unit = st.lists(piece, min_size=1, max_size=6).map("".join)
kinds = st.sampled_from(
    [("hostile.txt", "text/plain"), ("hostile.md", "text/markdown"), ("hostile.html", "text/html")]
)
# Spread over the whole range: hypothesis alone would mostly try small sizes.
sizes = st.integers(1, 100).map(lambda percent: MAX_UPLOAD_BYTES * percent // 100)


def _fill(pattern: str, size: int) -> bytes:
    """`pattern` repeated to at most `size` bytes of UTF-8."""
    encoded = pattern.encode()
    if len(encoded) > size:
        return encoded[:size].decode(errors="ignore").encode()
    return encoded * (size // len(encoded))


def _bare_pass(text: str) -> int:
    """The linear reference: one Python step per character."""
    lines = 0
    for character in text:
        if character == "\n":
            lines += 1
    return lines


def _cpu_seconds(work: Callable[[], object]) -> float:
    started = time.thread_time()
    work()
    return time.thread_time() - started


def assert_linear(work: Callable[[], object], text: str) -> None:
    reference = min(_cpu_seconds(lambda: _bare_pass(text)) for _ in range(3))
    spent = _cpu_seconds(work)
    bound = FACTOR * reference + SLACK_S
    assert spent <= bound, (
        f"processing {len(text)} characters took {spent:.3f} s of CPU, over the linear bound "
        f"{bound:.3f} s ({FACTOR} x a bare pass of {reference:.4f} s + {SLACK_S} s)"
    )


def _parse(filename: str, content_type: str, data: bytes) -> None:
    # An upload with no text is refused, which is fine: the bound is about time.
    with contextlib.suppress(UnreadableDocumentError):
        KnowledgeBase.parse(filename, content_type, data)


def test_the_heading_that_took_seconds_is_read_at_once() -> None:
    """Regression: this 1,000-space heading took 1.8 s (cubic backtracking in the heading regex)."""
    text = "# a" + " " * 1000 + "x"
    assert_linear(lambda: chunk_text(text), text)
    assert [(p.heading, p.text) for p in chunk_text(text + "\n\nbody")] == [
        ("a" + " " * 1000 + "x", "body")
    ]


def test_html_non_breaking_spaces_reach_no_backtracking() -> None:
    html = "<h1>a" + "&nbsp;" * 5000 + "x</h1>"
    assert_linear(lambda: KnowledgeBase.parse("a.html", "text/html", html.encode()), html)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(unit=unit, size=sizes, kind=kinds)
@example(unit="# a" + " " * 4096, size=MAX_UPLOAD_BYTES, kind=("hostile.md", "text/markdown"))
@example(unit="<h2>a" + "&nbsp;" * 512, size=MAX_UPLOAD_BYTES, kind=("hostile.html", "text/html"))
@example(unit="<a", size=MAX_UPLOAD_BYTES, kind=("hostile.html", "text/html"))
@example(unit="<h1>", size=MAX_UPLOAD_BYTES, kind=("hostile.html", "text/html"))
@example(unit="#\n", size=MAX_UPLOAD_BYTES, kind=("hostile.md", "text/markdown"))
@example(unit="x", size=MAX_UPLOAD_BYTES, kind=("hostile.txt", "text/plain"))
def test_any_upload_is_read_in_time_proportional_to_its_size(
    unit: str, size: int, kind: tuple[str, str]
) -> None:
    data = _fill(unit, size)
    assert len(data) <= MAX_UPLOAD_BYTES
    filename, content_type = kind
    text = data.decode()
    assert_linear(lambda: _parse(filename, content_type, data), text)
