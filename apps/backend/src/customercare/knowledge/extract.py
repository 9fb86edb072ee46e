"""Plain text out of an upload (plain text, Markdown, HTML, PDF), or a clear reason why not.

`html_to_text` lives in `html_text` (a linear scanner); it is imported here for callers and tests.
"""

from __future__ import annotations

import io
from pathlib import PurePath

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from customercare.knowledge.budget import Budget, unlimited
from customercare.knowledge.html_text import html_to_text

# The kinds of files the knowledge base accepts: extension -> canonical content type.
SUPPORTED_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}
_TYPE_ALIASES = {"text/x-markdown": "text/markdown", "application/xhtml+xml": "text/html"}


class UnsupportedDocumentError(ValueError):
    """The file's type is not one the knowledge base reads (HTTP 415)."""


class UnreadableDocumentError(ValueError):
    """The file claims a supported type but its content cannot be read (HTTP 422)."""


def detect_content_type(filename: str, declared: str | None) -> str:
    """The canonical content type, from the extension, checked against what the client declared."""
    suffix = PurePath(filename).suffix.lower()
    by_name = SUPPORTED_TYPES.get(suffix)
    if by_name is None:
        accepted = ", ".join(sorted(SUPPORTED_TYPES))
        raise UnsupportedDocumentError(
            f"{filename!r} is not a supported document type; upload one of: {accepted}"
        )
    declared_type = (declared or "").split(";")[0].strip().lower()
    declared_type = _TYPE_ALIASES.get(declared_type, declared_type)
    generic = {"", "application/octet-stream", "text/plain"}
    if declared_type not in generic and declared_type != by_name:
        raise UnsupportedDocumentError(
            f"{filename!r} was sent as {declared_type}, which does not match its extension "
            f"({by_name}); send the file with its real type"
        )
    return by_name


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableDocumentError(
            "the file is not valid UTF-8 text; save it as UTF-8 and upload it again"
        ) from error


def _pdf_pages(data: bytes, budget: Budget) -> list[str]:
    """Each page's text; the budget is checked between pages (pypdf cannot be interrupted)."""
    pages: list[str] = []
    try:
        for page in PdfReader(io.BytesIO(data)).pages:
            budget.check()
            pages.append(page.extract_text() or "")
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise UnreadableDocumentError(f"the PDF could not be read: {error}") from error
    budget.check()
    return pages


def extract_text(data: bytes, content_type: str, budget: Budget | None = None) -> str:
    budget = budget or unlimited()
    if content_type == "application/pdf":
        pages = _pdf_pages(data, budget)
        text = "\n\n".join(page.strip() for page in pages if page.strip())
    elif content_type == "text/html":
        text = html_to_text(_decode(data), budget)
    else:
        text = _decode(data)
    text = text.replace("\x00", "")
    if not text.strip():
        raise UnreadableDocumentError(
            "the document has no text to index (a scanned PDF needs OCR before upload)"
        )
    return text
