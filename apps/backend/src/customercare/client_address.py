"""Which address a request comes from, for rate limits.

`X-Forwarded-For` is believed only when the connection comes from a proxy listed in
`FORWARDED_ALLOW_IPS`: anyone else could write any address into it and get a fresh budget per
request. Behind trusted proxies the client is the right-most address that is not a proxy, because
each proxy appends the address it saw and only the left part can be forged by the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


class TrustedProxies:
    def __init__(self, entries: Iterable[str]) -> None:
        entries = tuple(entries)
        self._everyone = "*" in entries
        self._networks = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"
        )

    def __bool__(self) -> bool:
        return self._everyone or bool(self._networks)

    def trusts(self, address: str) -> bool:
        if self._everyone:
            return True
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self._networks)


def client_address(peer: str, forwarded_for: Iterable[str], proxies: TrustedProxies) -> str:
    """The client's address: `peer` itself unless `peer` is a trusted proxy."""
    if not proxies or not proxies.trusts(peer):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not proxies.trusts(hop):
            return hop
    return hops[0] if hops else peer
