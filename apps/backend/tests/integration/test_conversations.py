"""What a chat stores: the rows behind the widget's answers (written with Core statements)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from customercare import conversations
from customercare.context import AppContext
from customercare.knowledge.bm25 import ScoredPassage
from customercare.models import Conversation, Message, WidgetKey


def _stored(app: FastAPI, conversation_id: str) -> tuple[Conversation, list[Message]]:
    context: AppContext = app.state.context
    with context.db.session(write=False) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        messages = list(
            session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.seq)
            )
        )
    return conversation, messages


def test_a_conversation_is_stored_as_the_widget_saw_it(
    client: TestClient, app: FastAPI, widget_headers: dict[str, str]
) -> None:
    def ask(message: str, conversation_id: str | None = None) -> dict[str, object]:
        body = {
            "message": message,
            **({"conversation_id": conversation_id} if conversation_id else {}),
        }
        response = client.post("/api/v1/widget/chat", json=body, headers=widget_headers)
        assert response.status_code == 200, response.text
        answer: dict[str, object] = response.json()
        return answer

    first = ask("  How do I reset my password?  ")
    conversation_id = str(first["conversation_id"])
    escalated = ask("Who won the football yesterday?", conversation_id)
    last = ask("Can I get a refund?", conversation_id)
    assert (first["escalated"], escalated["escalated"], last["escalated"]) == (False, True, False)

    conversation, messages = _stored(app, conversation_id)
    assert conversation.message_count == 6
    # Once escalated, a conversation stays escalated when later questions are answered.
    assert conversation.escalated is True
    last_message = last["message"]
    assert isinstance(last_message, dict)
    assert conversation.last_message == last_message["content"][:500]
    assert [m.seq for m in messages] == list(range(6))
    assert [m.role for m in messages] == ["customer", "assistant"] * 3
    assert messages[0].content == "How do I reset my password?"
    assert conversation.started_at.replace(tzinfo=UTC) <= messages[0].created_at.replace(tzinfo=UTC)
    for answer, (customer, assistant) in zip(
        (first, escalated, last), zip(messages[::2], messages[1::2], strict=True), strict=True
    ):
        shown = answer["message"]
        assert isinstance(shown, dict)
        assert (customer.citations, customer.confidence, customer.latency_ms) == ([], None, None)
        assert customer.escalated is False
        assert customer.created_at <= assistant.created_at
        assert assistant.id == shown["id"]
        assert assistant.content == shown["content"]
        assert assistant.citations == shown["citations"]
        assert assistant.escalated is answer["escalated"]
        assert assistant.confidence is not None
        assert 0 <= assistant.confidence <= 1
        assert assistant.latency_ms is not None
        assert assistant.latency_ms > 0
        created = datetime.fromisoformat(str(shown["created_at"]).replace("Z", "+00:00"))
        assert assistant.created_at.replace(tzinfo=UTC) == created
    assert messages[3].citations == []


class _DeletingProvider:
    """Answers like a slow provider during which an admin deletes the conversation."""

    name = "deleting"

    def __init__(self, context: AppContext, conversation_id: str) -> None:
        self._context = context
        self._conversation_id = conversation_id

    def compose(self, question: str, passages: Sequence[ScoredPassage]) -> str:
        with self._context.db.session() as session:
            session.execute(delete(Conversation).where(Conversation.id == self._conversation_id))
        return "an answer nobody will read"


def test_a_conversation_deleted_while_answering_is_not_found_and_stores_nothing(
    client: TestClient, app: FastAPI, widget_headers: dict[str, str]
) -> None:
    started = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
    ).json()
    conversation_id = started["conversation_id"]
    context: AppContext = app.state.context
    with context.db.session(write=False) as session:
        workspace_id = session.scalars(select(WidgetKey.workspace_id)).first()
    assert workspace_id is not None
    context.provider = _DeletingProvider(context, conversation_id)

    with pytest.raises(conversations.ConversationNotFoundError):
        conversations.reply(context, workspace_id, conversation_id, "Can I get a refund?")
    with context.db.session(write=False) as session:
        assert session.get(Conversation, conversation_id) is None
        left = session.scalars(select(Message).where(Message.conversation_id == conversation_id))
        assert list(left) == []


def test_another_workspaces_conversation_is_not_continued(
    client: TestClient, app: FastAPI, widget_headers: dict[str, str]
) -> None:
    started = client.post(
        "/api/v1/widget/chat", json={"message": "Can I get a refund?"}, headers=widget_headers
    ).json()
    context: AppContext = app.state.context
    with pytest.raises(conversations.ConversationNotFoundError):
        conversations.reply(context, "0" * 32, started["conversation_id"], "hello")
    conversation, messages = _stored(app, started["conversation_id"])
    assert (conversation.message_count, len(messages)) == (2, 2)
