from __future__ import annotations

import pytest

from customercare.origins import InvalidOriginError, normalise_pattern, origin_allowed

PATTERNS = ["https://shop.example.com", "http://localhost:*", "https://*.example.org"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example.com", True),
        ("http://shop.example.com", False),
        ("https://shop.example.com:8443", False),
        ("http://localhost:5173", True),
        ("http://localhost", True),
        ("https://help.example.org", True),
        ("https://a.b.example.org", True),
        ("https://example.org", False),
        ("https://evilexample.org", False),
        ("null", False),
        ("", False),
        (None, False),
    ],
)
def test_origin_matching(origin: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, PATTERNS) is allowed


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "https://", "ftp://x.test", "x.test", "http://a:99999"]
)
def test_invalid_patterns_are_refused(bad: str) -> None:
    with pytest.raises(InvalidOriginError, match="is not an origin"):
        normalise_pattern(bad)


def test_patterns_are_normalised() -> None:
    assert normalise_pattern(" HTTPS://Shop.Example.com/ ") == "https://shop.example.com"
