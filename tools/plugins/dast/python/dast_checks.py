"""Schemathesis checks the dast target adds to its own (loaded through SCHEMATHESIS_HOOKS).

security_headers: every response must carry the headers that stop MIME sniffing and framing, and an
HTML response a Content-Security-Policy too. The list is the one OWASP ZAP's baseline scan checks.
"""

from __future__ import annotations

import schemathesis

REQUIRED = {"x-content-type-options": "nosniff"}
FRAMING = ("x-frame-options", "content-security-policy")


@schemathesis.check
def security_headers(ctx, response, case):  # type: ignore[no-untyped-def]
    headers = {name.lower(): values for name, values in response.headers.items()}

    def value(name: str) -> str:
        found = headers.get(name)
        return (found[0] if isinstance(found, list) else found or "").strip().lower()

    missing = [
        f"{name}: {expected}" for name, expected in REQUIRED.items() if value(name) != expected
    ]
    if not any(value(name) for name in FRAMING):
        missing.append("X-Frame-Options or Content-Security-Policy (frame-ancestors)")
    if "text/html" in value("content-type") and not value("content-security-policy"):
        missing.append("Content-Security-Policy (HTML response)")
    if missing:
        raise AssertionError(f"Missing security headers: {', '.join(missing)}")
