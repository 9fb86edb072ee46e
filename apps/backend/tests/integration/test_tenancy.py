"""Workspaces are isolated: documents, answers, conversations and widget keys never cross over."""

from __future__ import annotations

import io

from fastapi import FastAPI
from fastapi.testclient import TestClient

from customercare.models import AdminUser, WidgetKey, Workspace
from customercare.security import hash_password
from tests.conftest import ORIGIN, Admin


def _second_workspace(app: FastAPI) -> tuple[dict[str, str], dict[str, str]]:
    with app.state.context.db.session() as session:
        workspace = Workspace(name="Other Shop")
        session.add(workspace)
        session.flush()
        session.add(
            AdminUser(
                workspace_id=workspace.id,
                email="admin@other.test",
                password_hash=hash_password("other-password"),
            )
        )
        session.add(
            WidgetKey(key="ccg_other_key", workspace_id=workspace.id, allowed_origins=[ORIGIN])
        )
    client = TestClient(app)
    token = client.post(
        "/api/v1/auth/login", json={"email": "admin@other.test", "password": "other-password"}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}, {"X-Widget-Key": "ccg_other_key", "Origin": ORIGIN}


def test_workspaces_do_not_see_each_other(
    app: FastAPI, client: TestClient, admin: Admin, widget_headers: dict[str, str]
) -> None:
    other_admin, other_widget = _second_workspace(app)
    assert client.get("/api/v1/me", headers=other_admin).json()["workspace"]["name"] == "Other Shop"
    assert client.get("/api/v1/documents", headers=other_admin).json() == {"items": []}

    files = {
        "file": ("kayaks.md", io.BytesIO(b"Kayaks depart from Rotterdam daily."), "text/markdown")
    }
    document = client.post("/api/v1/documents", files=files, headers=other_admin).json()
    question = {"message": "Do kayaks depart from Rotterdam?"}
    mine = client.post("/api/v1/widget/chat", json=question, headers=other_widget).json()
    assert mine["escalated"] is False
    theirs = client.post("/api/v1/widget/chat", json=question, headers=widget_headers).json()
    assert theirs["escalated"] is True
    # The seeded workspace's articles do not answer the other workspace's customers either.
    refund = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=other_widget
    ).json()
    assert refund["escalated"] is True

    # Another workspace's ids behave as if they did not exist.
    assert (
        client.delete(f"/api/v1/documents/{document['id']}", headers=admin.headers).status_code
        == 404
    )
    conversation = f"/api/v1/conversations/{mine['conversation_id']}"
    assert client.get(conversation, headers=admin.headers).status_code == 404
    assert mine["conversation_id"] not in {
        c["id"] for c in client.get("/api/v1/conversations", headers=admin.headers).json()["items"]
    }
    continue_elsewhere = client.post(
        "/api/v1/widget/chat",
        json={"conversation_id": mine["conversation_id"], "message": "hello"},
        headers=widget_headers,
    )
    assert continue_elsewhere.status_code == 404
    update = client.put(
        "/api/v1/widget-keys/ccg_other_key",
        json={"allowed_origins": [ORIGIN]},
        headers=admin.headers,
    )
    assert update.status_code == 404
    keys = client.get("/api/v1/widget-keys", headers=admin.headers).json()["items"]
    assert "ccg_other_key" not in {key["key"] for key in keys}
    stats = client.get("/api/v1/analytics?days=1", headers=admin.headers).json()
    assert (stats["answered"], stats["escalated"]) == (0, 1)
