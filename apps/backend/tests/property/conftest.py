"""A live server on loopback for the property tests, with a probe of what the database holds."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import func, select

from customercare.app import create_app
from customercare.db import Database
from customercare.models import AdminUser, Conversation, Document, Message, WidgetKey, Workspace
from customercare.settings import Settings
from tests.conftest import make_settings
from tests.integration.servers import free_port

COUNTED = (Workspace, AdminUser, WidgetKey, Document, Conversation, Message)


def row_counts(db: Database) -> dict[str, int]:
    """How many rows each table holds: a rejected request must leave these unchanged."""
    with db.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings
    db: Database

    def stored(self) -> dict[str, int]:
        return row_counts(self.db)


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, seeded_template: Path
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    shutil.copy(seeded_template, data_dir / "customercare.db")
    # Generous limits: the property tests are about input handling, not about rate limiting.
    settings = make_settings(
        data_dir,
        login_rate_limit=1_000_000,
        widget_key_rate_limit=1_000_000,
        widget_ip_rate_limit=1_000_000,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live test server did not start")
        time.sleep(0.05)
    db = Database(settings.database_url)
    yield LiveServer(f"http://127.0.0.1:{port}", settings, db)
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()
