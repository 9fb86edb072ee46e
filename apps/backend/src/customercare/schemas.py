"""The API's request and response bodies: the contract libs/api-client is generated from."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from customercare.origins import InvalidOriginError, normalise_pattern


def _as_utc(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(_as_utc, return_type=str)]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    # PostgreSQL text cannot hold NUL; a NUL in an e-mail is never valid anyway.
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^\x00]+$")
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int


class WorkspaceOut(BaseModel):
    id: str
    name: str


class MeResponse(BaseModel):
    email: str
    workspace: WorkspaceOut


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    filename: str
    content_type: str
    size_bytes: int
    status: Literal["processing", "ready", "failed"]
    chunk_count: int
    created_at: Timestamp


class DocumentList(BaseModel):
    items: list[DocumentOut]


class Citation(BaseModel):
    document_id: str
    document_name: str
    passage_id: str
    snippet: str


class MessageOut(BaseModel):
    id: str
    role: Literal["customer", "assistant"]
    content: str
    citations: list[Citation]
    created_at: Timestamp


class ConversationSummary(BaseModel):
    id: str
    started_at: Timestamp
    escalated: bool
    message_count: int
    last_message: str


class ConversationList(BaseModel):
    items: list[ConversationSummary]


class ConversationDetail(BaseModel):
    id: str
    started_at: Timestamp
    escalated: bool
    messages: list[MessageOut]


class OriginList(Strict):
    allowed_origins: list[str] = Field(min_length=1, max_length=50)

    @field_validator("allowed_origins")
    @classmethod
    def _valid_origins(cls, origins: list[str]) -> list[str]:
        normalised: list[str] = []
        for origin in origins:
            try:
                pattern = normalise_pattern(origin)
            except InvalidOriginError as error:
                raise ValueError(str(error)) from error
            if pattern not in normalised:
                normalised.append(pattern)
        return normalised


class WidgetKeyOut(BaseModel):
    key: str
    allowed_origins: list[str]
    created_at: Timestamp


class WidgetKeyList(BaseModel):
    items: list[WidgetKeyOut]


class DayCount(BaseModel):
    date: date
    count: int


class LatencySummary(BaseModel):
    p50: float | None
    p95: float | None


class AnalyticsResponse(BaseModel):
    questions_per_day: list[DayCount]
    answered: int
    escalated: int
    answer_latency_ms: LatencySummary


class ChatRequest(Strict):
    conversation_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    message: str = Field(min_length=1, max_length=2000)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, message: str) -> str:
        stripped = message.replace("\x00", "").strip()
        if not stripped:
            raise ValueError("the message is empty")
        return stripped


class ChatResponse(BaseModel):
    conversation_id: str
    message: MessageOut
    escalated: bool
