"""`python -m customercare seed`: a sample workspace a fresh install can answer questions from."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select

from customercare.db import Database
from customercare.knowledge.extract import detect_content_type
from customercare.knowledge.service import KnowledgeBase
from customercare.models import AdminUser, Document, WidgetKey, Workspace
from customercare.security import hash_password

WORKSPACE_NAME = "Acme Support"
ADMIN_EMAIL = "admin@acme.test"
DEFAULT_ADMIN_PASSWORD = "customercare-demo"  # noqa: S105 - the documented demo password
DEFAULT_WIDGET_KEY = "ccg_demo_widget_key"
DEV_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*"]


@dataclass(frozen=True)
class SeedResult:
    workspace_id: str
    widget_key: str
    documents_added: list[str]


def sample_documents() -> list[tuple[str, bytes]]:
    folder = resources.files("customercare") / "seed_data"
    return sorted((entry.name, entry.read_bytes()) for entry in folder.iterdir() if entry.is_file())


def seed(
    db: Database,
    admin_password: str = DEFAULT_ADMIN_PASSWORD,
    widget_key: str = DEFAULT_WIDGET_KEY,
    knowledge: KnowledgeBase | None = None,
) -> SeedResult:
    """Create what is missing; leave what exists (and any changes an admin made) alone."""
    knowledge = knowledge or KnowledgeBase()
    with db.session() as session:
        workspace = session.scalar(select(Workspace).where(Workspace.name == WORKSPACE_NAME))
        if workspace is None:
            workspace = Workspace(name=WORKSPACE_NAME)
            session.add(workspace)
            session.flush()
        if session.scalar(select(AdminUser).where(AdminUser.email == ADMIN_EMAIL)) is None:
            session.add(
                AdminUser(
                    workspace_id=workspace.id,
                    email=ADMIN_EMAIL,
                    password_hash=hash_password(admin_password),
                )
            )
        if session.get(WidgetKey, widget_key) is None:
            session.add(
                WidgetKey(key=widget_key, workspace_id=workspace.id, allowed_origins=DEV_ORIGINS)
            )
        existing = set(
            session.scalars(select(Document.filename).where(Document.workspace_id == workspace.id))
        )
        added = []
        for filename, data in sample_documents():
            if filename in existing:
                continue
            content_type = detect_content_type(filename, None)
            knowledge.add_document(session, workspace.id, filename, content_type, data)
            added.append(filename)
        return SeedResult(workspace.id, widget_key, added)
