"""The public API the embeddable widget calls: authenticated by widget key and `Origin`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from customercare import conversations
from customercare.api.deps import (
    Context,
    client_ip,
    enforce_rate_limit,
    error_responses,
    widget_key_scheme,
)
from customercare.context import AppContext
from customercare.errors import ApiError
from customercare.models import WidgetKey
from customercare.origins import origin_allowed
from customercare.schemas import ChatRequest, ChatResponse, Citation, MessageOut

router = APIRouter(prefix="/api/v1", tags=["widget"])

_KEY_CACHE_S = 60
_CORS_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "content-type, x-widget-key, x-request-id",
    "Access-Control-Expose-Headers": "x-request-id, retry-after",
    "Access-Control-Max-Age": "600",
}


@dataclass(frozen=True)
class _KeyInfo:
    workspace_id: str
    allowed_origins: list[str]


def key_cache_entry(key: str) -> str:
    """Where a widget key's lookup is cached: dropped when the key changes or is revoked."""
    return f"widget-key:{key}"


def _lookup_key(context: AppContext, key: str) -> _KeyInfo | None:
    cache_key = key_cache_entry(key)
    cached = context.store.get(cache_key)
    if cached is not None:
        data = json.loads(cached)
        return _KeyInfo(**data) if data else None
    with context.db.session(write=False) as session:
        row = session.get(WidgetKey, key)
        info = _KeyInfo(row.workspace_id, list(row.allowed_origins)) if row else None
    payload = json.dumps(info.__dict__ if info else None)
    context.store.set(cache_key, payload, _KEY_CACHE_S if info else 10)
    return info


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", **_CORS_HEADERS}


@router.options("/widget/chat", include_in_schema=False)
def chat_preflight(request: Request, context: Context) -> Response:
    # A preflight carries no X-Widget-Key value, only the Origin: allow origins some key allows,
    # and check the key's own allow-list on the real request. Limited per address before the
    # database is read, like the chat itself.
    settings = context.settings
    enforce_rate_limit(
        context,
        f"widget:preflight:ip:{client_ip(request)}",
        settings.widget_ip_rate_limit,
        settings.widget_rate_window_s,
        "requests",
    )
    origin = request.headers.get("origin")
    with context.db.session(write=False) as session:
        patterns = session.scalars(select(WidgetKey.allowed_origins)).all()
    if not origin_allowed(origin, (p for keys in patterns for p in keys)):
        raise ApiError(403, "origin_not_allowed", "This origin may not call the widget API.")
    return Response(status_code=204, headers=_cors(origin or ""))


@router.post(
    "/widget/chat",
    response_model=ChatResponse,
    responses=error_responses(400, 401, 403, 404, 413, 422, 429),
)
async def chat(
    body: ChatRequest,
    request: Request,
    response: Response,
    context: Context,
    x_widget_key: Annotated[str | None, Depends(widget_key_scheme)],
) -> ChatResponse:
    # The work blocks (the database, Redis, the answer provider's HTTP call), so it runs on a
    # worker thread as a plain `def` endpoint's would; declared async, FastAPI checks and writes
    # the response on the event loop instead of in a second round trip through the thread pool.
    return await run_in_threadpool(_chat, body, request, response, context, x_widget_key)


def _chat(
    body: ChatRequest,
    request: Request,
    response: Response,
    context: AppContext,
    x_widget_key: str | None,
) -> ChatResponse:
    settings = context.settings
    window = settings.widget_rate_window_s
    # The address pays first, for every request, before the database is read: so unknown keys
    # and wrong origins are limited too, and refused requests never spend the key's budget.
    enforce_rate_limit(
        context,
        f"widget:ip:{client_ip(request)}",
        settings.widget_ip_rate_limit,
        window,
        "messages",
    )
    if not x_widget_key:
        raise ApiError(401, "missing_widget_key", "Send the widget key in the X-Widget-Key header.")
    info = _lookup_key(context, x_widget_key) if len(x_widget_key) <= 64 else None
    if info is None:
        raise ApiError(401, "invalid_widget_key", "The widget key is not valid.")
    origin = request.headers.get("origin")
    if not origin_allowed(origin, info.allowed_origins):
        raise ApiError(
            403,
            "origin_not_allowed",
            f"The origin {origin!r} is not in this widget key's allow-list; add it in the admin "
            "console under Widget keys.",
        )
    enforce_rate_limit(
        context, f"widget:key:{x_widget_key}", settings.widget_key_rate_limit, window, "messages"
    )
    try:
        result = conversations.reply(context, info.workspace_id, body.conversation_id, body.message)
    except conversations.ConversationNotFoundError as error:
        raise ApiError(
            404, "conversation_not_found", "The conversation does not exist; start a new one."
        ) from error
    response.headers.update(_cors(origin or ""))
    return ChatResponse(
        conversation_id=result.conversation_id,
        escalated=result.escalated,
        message=MessageOut(
            id=result.message_id,
            role="assistant",
            content=result.content,
            citations=[Citation(**c) for c in result.citations],
            created_at=result.created_at,
        ),
    )


@router.get(
    "/embed/widget.js",
    response_class=FileResponse,
    responses={200: {"content": {"text/javascript": {}}}, **error_responses(404)},
)
def widget_bundle(context: Context) -> FileResponse:
    path = context.settings.widget_bundle_path
    if not path.is_file():
        raise ApiError(
            404,
            "widget_not_built",
            f"The widget bundle is not built yet ({path} is missing). Build it with "
            "`npx nx build frontend` or point WIDGET_BUNDLE_PATH at the bundle.",
        )
    return FileResponse(
        path,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )
