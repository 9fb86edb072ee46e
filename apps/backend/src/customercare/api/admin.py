"""The admin console's API: documents, conversations, widget keys and analytics."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BeforeValidator
from sqlalchemy import select

from customercare.analytics import workspace_analytics
from customercare.api.deps import Admin, Context, DbSession, error_responses
from customercare.api.widget import key_cache_entry
from customercare.errors import ApiError
from customercare.knowledge.budget import Budget, BudgetExceededError
from customercare.knowledge.extract import (
    UnreadableDocumentError,
    UnsupportedDocumentError,
    detect_content_type,
)
from customercare.models import Conversation, Document, WidgetKey
from customercare.schemas import (
    AnalyticsResponse,
    Citation,
    ConversationDetail,
    ConversationList,
    ConversationSummary,
    DocumentList,
    DocumentOut,
    MessageOut,
    OriginList,
    WidgetKeyList,
    WidgetKeyOut,
)
from customercare.security import new_widget_key

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=error_responses(401))


@router.get("/documents", response_model=DocumentList)
def list_documents(admin: Admin, session: DbSession) -> DocumentList:
    documents = session.scalars(
        select(Document)
        .where(Document.workspace_id == admin.workspace_id)
        .order_by(Document.created_at.desc(), Document.id)
    )
    return DocumentList(items=[DocumentOut.model_validate(d) for d in documents])


@router.post(
    "/documents",
    status_code=201,
    response_model=DocumentOut,
    responses=error_responses(400, 413, 415, 422),
)
def upload_document(
    admin: Admin, context: Context, file: Annotated[UploadFile, File()]
) -> DocumentOut:
    filename = (file.filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not filename:
        raise ApiError(422, "missing_filename", "The uploaded file has no name.")
    try:
        content_type = detect_content_type(filename, file.content_type)
    except UnsupportedDocumentError as error:
        raise ApiError(415, "unsupported_document_type", str(error)) from error
    limit = context.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(
            413,
            "document_too_large",
            f"{filename!r} is larger than the {limit} bytes a document may have.",
            {"limit_bytes": limit},
        )
    # A plain `def` route: FastAPI runs it in its worker threads, off the event loop, and the
    # budget stops the parse itself (every step of it is linear, so it stops within one step).
    budget = Budget(context.settings.extraction_timeout_s)
    try:
        passages = context.knowledge.parse(filename, content_type, data, budget)
    except UnreadableDocumentError as error:
        raise ApiError(422, "unreadable_document", str(error)) from error
    except BudgetExceededError as error:
        raise ApiError(
            422,
            "document_processing_timeout",
            f"Reading {filename!r} took longer than the {error.seconds:g} s budget for one "
            "document, so nothing was stored. Split it into smaller documents, or raise the "
            "budget with EXTRACTION_TIMEOUT_S.",
            {"budget_s": error.seconds},
        ) from error
    with context.db.session(write=True) as session:
        document = context.knowledge.add_parsed(
            session, admin.workspace_id, filename, content_type, len(data), passages
        )
    return DocumentOut.model_validate(document)


@router.delete("/documents/{document_id}", status_code=204, responses=error_responses(404))
def delete_document(
    document_id: str, admin: Admin, context: Context, session: DbSession
) -> Response:
    if not context.knowledge.delete_document(session, admin.workspace_id, document_id):
        raise ApiError(404, "document_not_found", "There is no such document in this workspace.")
    return Response(status_code=204)


def _utc(moment: datetime) -> datetime:
    """Stored times are UTC, and SQLite compares them as text: bring every filter to UTC first."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _iso_only(value: object) -> object:
    """The documented format is an ISO 8601 date-time; pydantic alone would also read a bare
    number as a Unix time, so `until=0.5` would quietly mean 1970."""
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        raise ValueError("use an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z")
    return value


QueryTime = Annotated[datetime | None, BeforeValidator(_iso_only)]


@router.get("/conversations", response_model=ConversationList, responses=error_responses(422))
def list_conversations(
    admin: Admin,
    session: DbSession,
    escalated: bool | None = None,
    since: QueryTime = None,
    until: QueryTime = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ConversationList:
    query = select(Conversation).where(Conversation.workspace_id == admin.workspace_id)
    if escalated is not None:
        query = query.where(Conversation.escalated == escalated)
    if since is not None:
        query = query.where(Conversation.started_at >= _utc(since))
    if until is not None:
        query = query.where(Conversation.started_at <= _utc(until))
    conversations = session.scalars(
        query.order_by(Conversation.started_at.desc(), Conversation.id).limit(limit)
    )
    return ConversationList(
        items=[
            ConversationSummary(
                id=c.id,
                started_at=c.started_at,
                escalated=c.escalated,
                message_count=c.message_count,
                last_message=c.last_message,
            )
            for c in conversations
        ]
    )


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationDetail,
    responses=error_responses(404),
)
def get_conversation(conversation_id: str, admin: Admin, session: DbSession) -> ConversationDetail:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != admin.workspace_id:
        raise ApiError(
            404, "conversation_not_found", "There is no such conversation in this workspace."
        )
    return ConversationDetail(
        id=conversation.id,
        started_at=conversation.started_at,
        escalated=conversation.escalated,
        messages=[
            MessageOut(
                id=m.id,
                role="customer" if m.role == "customer" else "assistant",
                content=m.content,
                citations=[Citation(**c) for c in m.citations],
                created_at=m.created_at,
            )
            for m in conversation.messages
        ],
    )


def _key_out(key: WidgetKey) -> WidgetKeyOut:
    return WidgetKeyOut(
        key=key.key, allowed_origins=list(key.allowed_origins), created_at=key.created_at
    )


@router.get("/widget-keys", response_model=WidgetKeyList)
def list_widget_keys(admin: Admin, session: DbSession) -> WidgetKeyList:
    keys = session.scalars(
        select(WidgetKey)
        .where(WidgetKey.workspace_id == admin.workspace_id)
        .order_by(WidgetKey.created_at, WidgetKey.key)
    )
    return WidgetKeyList(items=[_key_out(key) for key in keys])


@router.post(
    "/widget-keys",
    status_code=201,
    response_model=WidgetKeyOut,
    responses=error_responses(400, 422),
)
def create_widget_key(body: OriginList, admin: Admin, session: DbSession) -> WidgetKeyOut:
    key = WidgetKey(
        key=new_widget_key(), workspace_id=admin.workspace_id, allowed_origins=body.allowed_origins
    )
    session.add(key)
    session.flush()
    return _key_out(key)


def _workspace_key(session: DbSession, admin: Admin, key: str) -> WidgetKey:
    widget_key = session.get(WidgetKey, key)
    if widget_key is None or widget_key.workspace_id != admin.workspace_id:
        raise ApiError(
            404, "widget_key_not_found", "There is no such widget key in this workspace."
        )
    return widget_key


@router.put(
    "/widget-keys/{key}", response_model=WidgetKeyOut, responses=error_responses(400, 404, 422)
)
def update_widget_key(
    key: str, body: OriginList, admin: Admin, context: Context, session: DbSession
) -> WidgetKeyOut:
    widget_key = _workspace_key(session, admin, key)
    widget_key.allowed_origins = body.allowed_origins
    session.flush()
    context.store.delete(key_cache_entry(key))
    return _key_out(widget_key)


@router.delete("/widget-keys/{key}", status_code=204, responses=error_responses(404))
def revoke_widget_key(key: str, admin: Admin, context: Context, session: DbSession) -> Response:
    """Revoke a key: the widget API refuses it from now on (cached lookups are dropped)."""
    session.delete(_workspace_key(session, admin, key))
    session.flush()
    context.store.delete(key_cache_entry(key))
    return Response(status_code=204)


@router.post(
    "/widget-keys/{key}/rotate",
    status_code=201,
    response_model=WidgetKeyOut,
    responses=error_responses(404),
)
def rotate_widget_key(key: str, admin: Admin, context: Context, session: DbSession) -> WidgetKeyOut:
    """Replace a key with a new one that allows the same origins; the old key stops working."""
    old = _workspace_key(session, admin, key)
    new = WidgetKey(
        key=new_widget_key(),
        workspace_id=admin.workspace_id,
        allowed_origins=list(old.allowed_origins),
    )
    session.delete(old)
    session.add(new)
    session.flush()
    context.store.delete(key_cache_entry(key))
    return _key_out(new)


@router.get("/analytics", response_model=AnalyticsResponse, responses=error_responses(422))
def analytics(
    admin: Admin, session: DbSession, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> AnalyticsResponse:
    return workspace_analytics(session, admin.workspace_id, days)
