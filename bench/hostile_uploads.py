"""CPU seconds to read hostile uploads of growing size: linear work grows with the size.

The figures behind apps/backend/tests/property/test_hostile_uploads.py, which asserts a bound
relative to a bare pass rather than seconds (seconds depend on the machine and its load). Run:

    .venv/bin/python bench/hostile_uploads.py
"""

from __future__ import annotations

import contextlib
import time

from customercare.knowledge.extract import UnreadableDocumentError
from customercare.knowledge.service import KnowledgeBase

MIB = 1024 * 1024
CASES = [
    ("heading, 4 KiB of spaces", "# a" + " " * 4096 + "x\n", "doc.md", "text/markdown"),
    ("heading of &nbsp;", "<h2>a" + "&nbsp;" * 512 + "x</h2>", "doc.html", "text/html"),
    ("unclosed <a", "<a", "doc.html", "text/html"),
    ("nested <div>", "<div>", "doc.html", "text/html"),
    ("<h1> after <h1>", "<h1>", "doc.html", "text/html"),
    ("one long line", "word ", "doc.txt", "text/plain"),
    ("empty headings", "#\n", "doc.md", "text/markdown"),
]


def seconds(data: bytes, filename: str, content_type: str) -> float:
    started = time.process_time()
    with contextlib.suppress(UnreadableDocumentError):
        KnowledgeBase.parse(filename, content_type, data)
    return time.process_time() - started


def main() -> None:
    sizes = (MIB // 4, MIB, 5 * MIB)
    print(
        f"{'input':28}" + "".join(f"{size / MIB:>11.2f} MiB" for size in sizes) + "   5 MiB / 1 MiB"
    )
    for name, unit, filename, content_type in CASES:
        encoded = unit.encode()
        timings = [
            seconds(encoded * (size // len(encoded)), filename, content_type) for size in sizes
        ]
        row = "".join(f"{timing:>9.3f} CPU s" for timing in timings)
        print(f"{name:28}{row}   {timings[2] / timings[1]:>8.1f}x")


if __name__ == "__main__":
    main()
