"""The backend must serve the committed API contract, libs/api-contract/openapi.json.

The TypeScript client and the front end are generated from and tested against that file, not
against this code: so an API change here must regenerate it (which then marks them affected).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from customercare.app import create_app

CONTRACT = Path(__file__).resolve().parents[4] / "libs" / "api-contract" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _operations(document: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{method.upper()} {path}": item[method]
        for path, item in document.get("paths", {}).items()
        for method in METHODS
        if method in item
    }


def _differences(committed: dict[str, Any], current: dict[str, Any]) -> list[str]:
    lines = []
    for kind, before, after in (
        ("operation", _operations(committed), _operations(current)),
        (
            "schema",
            committed.get("components", {}).get("schemas", {}),
            current.get("components", {}).get("schemas", {}),
        ),
    ):
        for name in sorted(before.keys() | after.keys()):
            if name not in before:
                lines.append(f"  + {kind} {name}")
            elif name not in after:
                lines.append(f"  - {kind} {name}")
            elif before[name] != after[name]:
                lines.append(f"  ~ {kind} {name}")
    return lines or ["  ~ document metadata (info, security schemes, ...)"]


def test_backend_serves_the_committed_contract() -> None:
    assert CONTRACT.exists(), f"{CONTRACT} is missing: run `npx nx run api-client:generate`"
    committed = json.loads(CONTRACT.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(create_app().openapi()))
    if committed != current:
        changes = "\n".join(_differences(committed, current))
        raise AssertionError(
            "The API no longer matches libs/api-contract/openapi.json:\n"
            f"{changes}\n"
            "Fix: run `npx nx run api-client:generate`, update the front end against the new "
            "types, and commit libs/api-contract/openapi.json with the generated client."
        )
