"""The same service on real PostgreSQL 15 and Redis 7: migrations, the API, limits and backups."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from customercare.app import create_app
from customercare.backup import backup, restore
from customercare.cache import RedisStore
from customercare.db import Database
from customercare.models import Document
from customercare.seed import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_WIDGET_KEY, seed
from tests.conftest import ORIGIN, make_settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WIDGET = {"X-Widget-Key": DEFAULT_WIDGET_KEY, "Origin": ORIGIN}


def _seeded_client(
    tmp_path: Path, postgres_url: str, redis_url: str, **overrides: object
) -> TestClient:
    settings = make_settings(
        tmp_path, database_url=postgres_url, redis_url=redis_url, migrate_on_start=True, **overrides
    )
    app = create_app(settings)  # applies the migrations to the empty database
    seed(app.state.context.db)
    return TestClient(app)


def test_api_on_postgres_and_redis(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    client = _seeded_client(tmp_path, postgres_url, redis_url)
    ready = client.get("/ready").json()
    assert ready["checks"]["database"] == {"ok": True, "critical": True, "detail": "postgresql"}
    assert ready["checks"]["cache"]["detail"] == "redis"

    token = client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
    ).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    files = {
        "file": (
            "kayaks.md",
            io.BytesIO(b"# Kayaks\n\nKayaks leave from Rotterdam."),
            "text/markdown",
        )
    }
    document = client.post("/api/v1/documents", files=files, headers=admin).json()
    assert document["chunk_count"] == 1

    answer = client.post(
        "/api/v1/widget/chat", json={"message": "Do kayaks depart from Rotterdam?"}, headers=WIDGET
    ).json()
    assert answer["escalated"] is False
    assert answer["message"]["citations"][0]["document_id"] == document["id"]
    escalated = client.post(
        "/api/v1/widget/chat",
        json={"conversation_id": answer["conversation_id"], "message": "Who won the football?"},
        headers=WIDGET,
    ).json()
    assert escalated["escalated"] is True

    listed = client.get("/api/v1/conversations?escalated=true", headers=admin).json()["items"]
    assert [item["id"] for item in listed] == [answer["conversation_id"]]
    stats = client.get("/api/v1/analytics?days=1", headers=admin).json()
    assert (stats["answered"], stats["escalated"]) == (1, 1)
    assert stats["questions_per_day"][0]["count"] == 2
    client.app.state.context.close()  # type: ignore[attr-defined]


def test_rate_limits_are_shared_through_redis(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Two app instances (two replicas) share one per-IP budget."""
    first = _seeded_client(tmp_path, postgres_url, redis_url, widget_ip_rate_limit=3)
    second = TestClient(
        create_app(
            make_settings(
                tmp_path, database_url=postgres_url, redis_url=redis_url, widget_ip_rate_limit=3
            )
        )
    )
    body = {"message": "Can I get a refund?"}
    RedisStore(redis_url)._redis.flushdb()
    codes = [
        client.post("/api/v1/widget/chat", json=body, headers=WIDGET).status_code
        for client in (first, second, first, second)
    ]
    assert codes == [200, 200, 200, 429]


def test_redis_store(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="unit:")
    store.ping()
    assert [store.hit("k", 1, 30).allowed for _ in range(2)] == [True, False]
    blocked = store.hit("k", 1, 30)
    assert 1 <= blocked.retry_after <= 30
    assert blocked.count == 3
    assert store.ttl("v") == 0
    store.set("v", "1", ttl_s=30)
    assert store.get("v") == "1"
    assert 1 <= store.ttl("v") <= 30
    store.delete("v")
    assert store.get("v") is None
    store.close()


def test_ready_is_503_when_redis_is_down(tmp_path: Path, postgres_url: str) -> None:
    settings = make_settings(tmp_path, database_url=postgres_url, redis_url="redis://127.0.0.1:9/0")
    response = TestClient(create_app(settings)).get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_pg_dump_backup_and_restore(tmp_path: Path, postgres_url: str) -> None:
    db = Database(postgres_url)
    from customercare.migrations import upgrade

    upgrade(postgres_url)
    seed(db)
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Document))
    dump = backup(postgres_url, tmp_path / "backup.dump")
    assert dump.stat().st_size > 0

    with db.session() as session:
        for document in session.scalars(select(Document)):
            session.delete(document)
    restore(postgres_url, dump)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == count
    db.dispose()
