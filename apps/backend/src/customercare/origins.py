"""Widget origin allow-lists: exact origins, any port (`http://localhost:*`) or any subdomain
(`https://*.example.com`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PATTERN = re.compile(r"^(https?)://(\*\.)?([a-z0-9.-]+|\[[0-9a-f:]+\])(?::(\d{1,5}|\*))?$")


class InvalidOriginError(ValueError):
    pass


def normalise_pattern(pattern: str) -> str:
    """The pattern in canonical form, or InvalidOriginError saying what a valid one looks like."""
    candidate = pattern.strip().lower().rstrip("/")
    match = _PATTERN.match(candidate)
    if match is None or (match.group(4) not in (None, "*") and not 0 < int(match.group(4)) < 65536):
        raise InvalidOriginError(
            f"{pattern!r} is not an origin: use scheme://host[:port], e.g. "
            "https://shop.example.com, https://*.example.com or http://localhost:*"
        )
    return candidate


def origin_allowed(origin: str | None, patterns: Iterable[str]) -> bool:
    if not origin:
        return False
    match = _PATTERN.match(origin.lower())
    if match is None or match.group(2) or match.group(4) == "*":
        return False
    scheme, _, host, port = match.groups()
    for pattern in patterns:
        allowed = _PATTERN.match(pattern)
        if allowed is None:
            continue
        p_scheme, p_wild, p_host, p_port = allowed.groups()
        if p_scheme != scheme:
            continue
        if p_wild:
            if not host.endswith("." + p_host):
                continue
        elif host != p_host:
            continue
        if p_port == "*" or p_port == port:
            return True
    return False
