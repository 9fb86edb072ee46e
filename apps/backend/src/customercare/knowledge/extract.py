"""Plain text out of an upload (plain text, Markdown, HTML, PDF), or a clear reason why not."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import PurePath

from pypdf import PdfReader
from pypdf.errors import PyPdfError

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


class _HtmlText(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, headings kept as Markdown headings for the chunker."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableDocumentError(
            "the file is not valid UTF-8 text; save it as UTF-8 and upload it again"
        ) from error


def extract_text(data: bytes, content_type: str) -> str:
    if content_type == "application/pdf":
        try:
            reader = PdfReader(io.BytesIO(data))
            pages = [page.extract_text() or "" for page in reader.pages]
        except (PyPdfError, ValueError, KeyError, TypeError) as error:
            raise UnreadableDocumentError(f"the PDF could not be read: {error}") from error
        text = "\n\n".join(page.strip() for page in pages if page.strip())
    elif content_type == "text/html":
        text = html_to_text(_decode(data))
    else:
        text = _decode(data)
    text = text.replace("\x00", "")
    if not text.strip():
        raise UnreadableDocumentError(
            "the document has no text to index (a scanned PDF needs OCR before upload)"
        )
    return text
