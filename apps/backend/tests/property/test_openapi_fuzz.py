"""schemathesis against the service's own OpenAPI document, served on loopback.

Every operation gets valid and invalid inputs (wrong types, missing fields, odd unicode, huge
values) both signed in and with a widget key. Whatever it sends: no 5xx, every error is the API's
JSON error shape, and a rejected request stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from customercare.app import create_app
from customercare.seed import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_WIDGET_KEY
from customercare.settings import Settings
from tests.conftest import ORIGIN
from tests.property.conftest import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _openapi_document() -> dict[str, Any]:
    # Built at collection time (schemathesis parametrizes by operation); the first test checks that
    # the live server serves this very document.
    app = create_app(
        Settings(migrate_on_start=False, secret_key="x" * 40, database_url="sqlite://")
    )
    document: dict[str, Any] = app.openapi()
    return document


DOCUMENT = _openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)


@pytest.fixture(scope="session")
def auth_headers(live_server: LiveServer) -> dict[str, str]:
    token = requests.post(
        f"{live_server.url}/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD},
        timeout=10,
    ).json()["access_token"]
    return {
        "Authorization": f"Bearer {token}",
        "X-Widget-Key": DEFAULT_WIDGET_KEY,
        "Origin": ORIGIN,
    }


def test_live_server_serves_the_fuzzed_document(live_server: LiveServer) -> None:
    assert requests.get(f"{live_server.url}/openapi.json", timeout=10).json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_handles_any_input(
    case: Any, live_server: LiveServer, auth_headers: dict[str, str]
) -> None:
    headers = {**auth_headers, **(case.headers or {})}
    before = live_server.stored()
    response = case.call(base_url=live_server.url, headers=headers, timeout=30)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str)
        assert isinstance(error["message"], str)
        assert live_server.stored() == before
