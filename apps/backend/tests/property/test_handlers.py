"""Hypothesis against the public handlers in process: hostile input never causes a 5xx.

Malformed JSON, wrong types, odd unicode, SQL and HTML injection strings and oversized bodies all
get a 4xx with the JSON error shape, and a rejected request stores nothing; accepted chat messages
are stored exactly as sent (no injection reaches the database as anything but data).
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customercare.app import create_app
from customercare.db import Database
from customercare.seed import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
from tests.conftest import ORIGIN, make_settings
from tests.property.conftest import row_counts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOSTILE = [
    "' OR 1=1 --",
    "'; DROP TABLE messages; --",
    '" UNION SELECT password_hash FROM admin_users --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "../../etc/passwd",
    "\u202e\u200b\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧨 ﷽",  # noqa: RUF001 - look-alike letters on purpose
    "NaN",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=0, max_size=300))
wrong_type: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
WIDGET = {"X-Widget-Key": "ccg_demo_widget_key", "Origin": ORIGIN}


class Harness:
    def __init__(self, client: TestClient, db: Database, admin: dict[str, str]) -> None:
        self.client, self.db, self.admin = client, db, admin

    def stored(self) -> dict[str, int]:
        return row_counts(self.db)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path) -> Iterator[Harness]:
    data_dir = tmp_path_factory.mktemp("handlers")
    shutil.copy(seeded_template, data_dir / "customercare.db")
    app_settings = make_settings(
        data_dir, login_rate_limit=10**9, widget_key_rate_limit=10**9, widget_ip_rate_limit=10**9
    )
    client = TestClient(create_app(app_settings))
    token = client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
    ).json()["access_token"]
    db = Database(app_settings.database_url)
    yield Harness(client, db, {"Authorization": f"Bearer {token}"})
    db.dispose()


def assert_rejected_cleanly(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    error = response.json()["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)


# derandomize: the same examples on every run, so a CI failure reproduces locally; explore further
# with e.g. `--hypothesis-seed=random` and a larger max_examples.
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(message=hostile_text)
def test_chat_messages_are_answered_or_rejected(harness: Harness, message: str) -> None:
    before = harness.stored()
    response = harness.client.post("/api/v1/widget/chat", json={"message": message}, headers=WIDGET)
    expected = message.replace("\x00", "").strip()  # NUL is dropped: PostgreSQL cannot store it
    if expected:
        assert response.status_code == 200, response.text
        conversation_id = response.json()["conversation_id"]
        detail = harness.client.get(
            f"/api/v1/conversations/{conversation_id}", headers=harness.admin
        ).json()
        assert detail["messages"][0]["content"] == expected
    else:
        assert_rejected_cleanly(response)
        assert harness.stored() == before


@PROPERTY
@given(body=st.dictionaries(st.sampled_from(["message", "conversation_id", "extra"]), wrong_type))
def test_chat_with_wrong_types_is_422(harness: Harness, body: dict[str, Any]) -> None:
    before = harness.stored()
    response = harness.client.post("/api/v1/widget/chat", json=body, headers=WIDGET)
    assert_rejected_cleanly(response)
    assert harness.stored() == before


@PROPERTY
@given(raw=st.binary(max_size=200))
def test_malformed_json_is_400_or_422(harness: Harness, raw: bytes) -> None:
    try:
        json.loads(raw)
    except ValueError:
        pass
    else:
        return  # valid JSON documents are covered by the typed tests above
    before = harness.stored()
    for path, headers in (
        ("/api/v1/widget/chat", WIDGET),
        ("/api/v1/auth/login", {}),
        ("/api/v1/widget-keys", harness.admin),
    ):
        response = harness.client.post(
            path, content=raw, headers={**headers, "Content-Type": "application/json"}
        )
        assert_rejected_cleanly(response)
    assert harness.stored() == before


# Fewer examples: every well-formed attempt costs an argon2 verification, by design.
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(email=hostile_text, password=hostile_text)
def test_login_with_hostile_credentials_never_signs_in(
    harness: Harness, email: str, password: str
) -> None:
    response = harness.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert_rejected_cleanly(response)


@PROPERTY
@given(origins=st.lists(hostile_text, min_size=0, max_size=4))
def test_widget_key_origins_are_validated(harness: Harness, origins: list[str]) -> None:
    before = harness.stored()
    response = harness.client.post(
        "/api/v1/widget-keys", json={"allowed_origins": origins}, headers=harness.admin
    )
    assert_rejected_cleanly(response)
    assert harness.stored() == before


@PROPERTY
@given(
    name=hostile_text,
    content=st.binary(max_size=2000),
    content_type=st.sampled_from(["text/plain", "application/pdf", "image/png", "text/html", ""]),
)
def test_uploads_never_fail_with_5xx(
    harness: Harness, name: str, content: bytes, content_type: str
) -> None:
    before = harness.stored()
    files = {"file": (name or "x", io.BytesIO(content), content_type or "application/octet-stream")}
    response = harness.client.post("/api/v1/documents", files=files, headers=harness.admin)
    if response.status_code == 201:
        harness.client.delete(f"/api/v1/documents/{response.json()['id']}", headers=harness.admin)
    else:
        assert_rejected_cleanly(response)
        assert harness.stored() == before


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(size=st.integers(min_value=70_000, max_value=2_000_000))
def test_huge_bodies_are_413(harness: Harness, size: int) -> None:
    before = harness.stored()
    body = b'{"message": "' + b"x" * size + b'"}'
    response = harness.client.post(
        "/api/v1/widget/chat", content=body, headers={**WIDGET, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert harness.stored() == before
