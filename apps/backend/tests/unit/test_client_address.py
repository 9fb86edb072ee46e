from __future__ import annotations

import pytest

from customercare.client_address import TrustedProxies, client_address

CLOUD_RUN = TrustedProxies(["169.254.0.0/16"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "proxies", "expected"),
    [
        # No trusted proxy: the header is the client's own words and is ignored.
        ("198.51.100.1", ["203.0.113.5"], TrustedProxies([]), "198.51.100.1"),
        ("198.51.100.1", ["203.0.113.5"], CLOUD_RUN, "198.51.100.1"),
        # Behind a trusted proxy: the right-most address that is not a proxy.
        ("169.254.1.1", ["203.0.113.5"], CLOUD_RUN, "203.0.113.5"),
        ("169.254.1.1", ["6.6.6.6, 203.0.113.5"], CLOUD_RUN, "203.0.113.5"),
        ("169.254.1.1", ["6.6.6.6", "203.0.113.5, 169.254.8.1"], CLOUD_RUN, "203.0.113.5"),
        ("127.0.0.1", ["2001:db8::7"], TrustedProxies(["127.0.0.1", "::1"]), "2001:db8::7"),
        # Only proxies in the chain, or no header: the left-most, or the peer.
        ("169.254.1.1", ["169.254.2.2"], CLOUD_RUN, "169.254.2.2"),
        ("169.254.1.1", [], CLOUD_RUN, "169.254.1.1"),
        # `*` trusts every peer (only for a service no one can reach but through its proxy).
        ("10.1.2.3", ["203.0.113.5"], TrustedProxies(["*"]), "203.0.113.5"),
        # A peer that is not an address (the test client's "testclient") is never a proxy.
        ("testclient", ["203.0.113.5"], CLOUD_RUN, "testclient"),
    ],
)
def test_client_address(
    peer: str, forwarded_for: list[str], proxies: TrustedProxies, expected: str
) -> None:
    assert client_address(peer, forwarded_for, proxies) == expected
