from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from customercare.conversations import confidence
from customercare.knowledge.bm25 import Bm25Index
from customercare.knowledge.budget import Budget, BudgetExceededError
from customercare.knowledge.chunking import chunk_text, heading_of
from customercare.knowledge.evaluation import evaluate, load_questions, passages_of
from customercare.knowledge.extract import (
    UnreadableDocumentError,
    UnsupportedDocumentError,
    detect_content_type,
    extract_text,
)
from customercare.knowledge.html_text import html_to_text
from customercare.seed import sample_documents

LABELLED = Path(__file__).parents[1] / "data" / "labelled_questions.json"


@pytest.mark.parametrize(
    ("name", "declared", "expected"),
    [
        ("a.txt", None, "text/plain"),
        ("a.MD", "text/x-markdown", "text/markdown"),
        ("a.htm", "text/html; charset=utf-8", "text/html"),
        ("a.pdf", "application/octet-stream", "application/pdf"),
    ],
)
def test_content_type_comes_from_the_extension(
    name: str, declared: str | None, expected: str
) -> None:
    assert detect_content_type(name, declared) == expected


def test_unsupported_and_mismatched_types_are_refused() -> None:
    with pytest.raises(UnsupportedDocumentError, match="upload one of"):
        detect_content_type("a.docx", None)
    with pytest.raises(UnsupportedDocumentError, match="does not match its extension"):
        detect_content_type("a.pdf", "text/html")


def test_html_keeps_visible_text_and_headings() -> None:
    html = (
        "<head><title>T</title></head><h2>Refunds</h2><p>Within&nbsp;30 days.</p><script>x</script>"
    )
    assert html_to_text(html) == "## Refunds\n\nWithin\xa030 days."


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a &lt; b</p><!-- <h1>hidden</h1> --><p>c</p>", "a < b\n\nc"),
        ("<a title=\"x > y\" href='/z'>link</a> text", "link text"),
        ("<STYLE>p { x: '<' }</style><Script>if (a </b) {}</SCRIPT>shown", "shown"),
        ("<noscript><p>no</p></noscript><template>t</template>yes", "yes"),
        ("<h3>Title</h3>body<br/>next", "### Title\n\nbody\n\nnext"),
        ("a < b and <3 <!doctype html><?xml?>", "a < b and <3"),
        ("unclosed <a href='x", "unclosed"),
        ("<script>never closed", ""),
        ("text<!-- never closed", "text"),
    ],
)
def test_html_text_is_read_in_one_pass(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_headings_and_their_edges() -> None:
    assert heading_of("## Refunds ##") == "Refunds"
    assert heading_of("   # Indented") == "Indented"
    assert heading_of("    # Code") is None
    assert heading_of("####### Seven") is None
    assert heading_of("#NoSpace") is None
    assert heading_of("# #") == "#"
    assert heading_of("#\xa0\xa0a\xa0\xa0") == "a"


def test_a_budget_stops_the_work_and_says_how_long_it_was() -> None:
    now = [0.0]
    budgets = [Budget(2.0, clock=lambda: now[0]) for _ in range(2)]
    budgets[0].check()
    now[0] = 2.5
    with pytest.raises(BudgetExceededError, match="longer than its 2 s budget"):
        chunk_text("line\n" * 1000, budget=budgets[0])
    with pytest.raises(BudgetExceededError):
        extract_text(b"<p>x</p>" * 1000, "text/html", budgets[1])


def test_pdf_text_is_extracted() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, "Returns are free within 30 days.")
    assert "Returns are free" in extract_text(bytes(pdf.output()), "application/pdf")


def test_unreadable_content_is_refused() -> None:
    with pytest.raises(UnreadableDocumentError, match="PDF could not be read"):
        extract_text(b"%PDF-1.7 nothing", "application/pdf")
    with pytest.raises(UnreadableDocumentError, match="no text"):
        extract_text(b"   \n", "text/plain")


def test_chunks_follow_headings_and_size() -> None:
    text = "Intro line.\n\n# First\n\nAlpha.\n\nBeta.\n\n## Second\n" + "Long sentence here. " * 60
    passages = chunk_text(text, title="Doc", max_chars=300)
    assert passages[0].heading == "Doc"
    assert passages[1].heading == "First"
    assert passages[1].text == "Alpha.\nBeta."
    assert {p.heading for p in passages[2:]} == {"Second"}
    assert all(len(p.text) <= 300 for p in passages)
    assert [p.position for p in passages] == list(range(len(passages)))


def test_a_word_longer_than_a_chunk_is_cut() -> None:
    passages = chunk_text("x" * 700, max_chars=300)
    assert [len(p.text) for p in passages] == [300, 300, 100]


def _seed_index() -> Bm25Index:
    return Bm25Index(passages_of(sample_documents()))


def test_bm25_ranks_and_reports_coverage() -> None:
    index = _seed_index()
    best = index.search("How do I reset my password?", limit=3)
    assert best[0].passage.heading == "Resetting your password"
    assert best[0].coverage == 1.0
    assert best[0].known_share == 1.0
    assert index.search("what is it") == []
    assert index.search("zebra quantum") == []
    assert Bm25Index([]).search("anything") == []
    assert len(index) > 20


def test_hit_at_3_on_the_labelled_questions() -> None:
    """The retrieval quality gate: the labelled set's right passage is in the top 3 >= 90 %."""
    index = _seed_index()
    result = evaluate(
        load_questions(LABELLED), lambda q: index.search(q, 3), confidence, threshold=0.5
    )
    assert result.answerable >= 30
    assert result.hit_at_3 >= 0.9, result.misses
    assert result.hit_at_1 >= 0.8
    assert result.escalated_correctly == result.unanswerable
    assert result.answered_correctly >= 0.9 * result.answerable
