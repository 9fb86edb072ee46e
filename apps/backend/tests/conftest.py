"""Fixtures shared by every test: a migrated, seeded SQLite database copied per test."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Starlette's TestClient warns that it will move from httpx to httpx2; httpx is what we use.
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from customercare.app import create_app  # noqa: E402
from customercare.db import Database  # noqa: E402
from customercare.migrations import upgrade  # noqa: E402
from customercare.seed import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_WIDGET_KEY, seed  # noqa: E402
from customercare.settings import Settings  # noqa: E402

SECRET = "test-secret-key-that-is-long-enough-for-hs256"  # noqa: S105
ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded database; each test gets a copy (migrating and hashing is slow)."""
    path = tmp_path_factory.mktemp("template") / "customercare.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    seed(db)
    db.dispose()
    return path


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'customercare.db'}",
        "secret_key": SECRET,
        "widget_bundle_path": data_dir / "widget.js",
        # The template database is migrated already; tests of migrating on start say so.
        "migrate_on_start": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, seeded_template: Path) -> Settings:
    shutil.copy(seeded_template, tmp_path / "customercare.db")
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
    app.state.context.close()


@dataclass(frozen=True)
class Admin:
    headers: dict[str, str]


@pytest.fixture
def admin(client: TestClient) -> Admin:
    response = client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return Admin({"Authorization": f"Bearer {response.json()['access_token']}"})


@pytest.fixture
def widget_headers() -> dict[str, str]:
    return {"X-Widget-Key": DEFAULT_WIDGET_KEY, "Origin": ORIGIN}
