"""Documents in, ranked passages out, per workspace."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.orm import Session

from customercare.knowledge.bm25 import Bm25Index, IndexedPassage, ScoredPassage
from customercare.knowledge.budget import Budget
from customercare.knowledge.chunking import Passage, chunk_text
from customercare.knowledge.extract import extract_text
from customercare.models import Chunk, Document, Workspace

# Built once: every chat reads the version, and a statement built per call costs more CPU than
# SQLite takes to run it.
_KB_VERSION = select(Workspace.kb_version).where(Workspace.id == bindparam("workspace_id"))
_READY_CHUNKS = (
    select(Chunk.id, Chunk.document_id, Document.filename, Chunk.heading, Chunk.text)
    .join(Document, Document.id == Chunk.document_id)
    .where(Chunk.workspace_id == bindparam("workspace_id"), Document.status == "ready")
    .order_by(Chunk.document_id, Chunk.position)
)


@dataclass(frozen=True)
class _CachedIndex:
    version: int
    index: Bm25Index


class KnowledgeBase:
    """Keeps one BM25 index per workspace, rebuilt when the workspace's `kb_version` moves on."""

    def __init__(self) -> None:
        self._indexes: dict[str, _CachedIndex] = {}
        self._lock = threading.Lock()

    @staticmethod
    def parse(
        filename: str, content_type: str, data: bytes, budget: Budget | None = None
    ) -> list[Passage]:
        """The document's passages (UnreadableDocumentError if it has no text, BudgetExceededError
        if reading it takes longer than `budget`).

        Separate from storing, so parsing a large PDF happens outside the write transaction and a
        document that fails to parse leaves nothing behind.
        """
        text = extract_text(data, content_type, budget)
        title = filename.rsplit(".", 1)[0].replace("-", " ").replace("_", " ")
        return chunk_text(text, title=title, budget=budget)

    def add_document(
        self, session: Session, workspace_id: str, filename: str, content_type: str, data: bytes
    ) -> Document:
        passages = self.parse(filename, content_type, data)
        return self.add_parsed(session, workspace_id, filename, content_type, len(data), passages)

    def add_parsed(
        self,
        session: Session,
        workspace_id: str,
        filename: str,
        content_type: str,
        size_bytes: int,
        passages: list[Passage],
    ) -> Document:
        document = Document(
            workspace_id=workspace_id,
            filename=filename,
            content_type=content_type,
            size_bytes=size_bytes,
            status="processing",
        )
        session.add(document)
        session.flush()
        session.add_all(
            Chunk(
                document_id=document.id,
                workspace_id=workspace_id,
                position=passage.position,
                heading=passage.heading[:500],
                text=passage.text,
            )
            for passage in passages
        )
        document.chunk_count = len(passages)
        document.status = "ready"
        self._bump(session, workspace_id)
        return document

    def delete_document(self, session: Session, workspace_id: str, document_id: str) -> bool:
        document = session.get(Document, document_id)
        if document is None or document.workspace_id != workspace_id:
            return False
        session.execute(delete(Chunk).where(Chunk.document_id == document_id))
        session.delete(document)
        self._bump(session, workspace_id)
        return True

    @staticmethod
    def _bump(session: Session, workspace_id: str) -> None:
        session.execute(
            update(Workspace)
            .where(Workspace.id == workspace_id)
            .values(kb_version=Workspace.kb_version + 1)
        )

    def index_for(self, session: Session | Connection, workspace_id: str) -> Bm25Index:
        """The workspace's index; `session` may be an ORM session or a Core connection."""
        version = session.scalar(_KB_VERSION, {"workspace_id": workspace_id})
        cached = self._indexes.get(workspace_id)
        if cached is not None and cached.version == version:
            return cached.index
        rows = session.execute(_READY_CHUNKS, {"workspace_id": workspace_id}).all()
        index = Bm25Index([IndexedPassage(*row) for row in rows])
        with self._lock:
            self._indexes[workspace_id] = _CachedIndex(version or 0, index)
        return index

    def search(
        self, session: Session | Connection, workspace_id: str, query: str, limit: int = 3
    ) -> list[ScoredPassage]:
        return self.index_for(session, workspace_id).search(query, limit=limit)
