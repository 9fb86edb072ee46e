"""A customer's message in, an answer (or an escalation to a human) out, both persisted."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, bindparam, insert, or_, select, update

from customercare.answers import LocalProvider, ProviderError
from customercare.context import AppContext
from customercare.knowledge.bm25 import ScoredPassage
from customercare.models import Conversation, Message, new_id, utcnow

log = logging.getLogger("customercare.conversations")

ESCALATION_REPLY = (
    "I'm not sure I can answer that correctly from our help articles, so I've passed your "
    "question to a member of our support team. They will reply here as soon as they can."
)
_SNIPPET_CHARS = 240
_fallback = LocalProvider()


class ConversationNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class Reply:
    """The stored assistant message and its conversation."""

    conversation_id: str
    message_id: str
    content: str
    citations: list[dict[str, str]]
    created_at: datetime
    escalated: bool


# Built once (a statement built per call costs more CPU than SQLite takes to run it).
_CONVERSATION_EXISTS = select(Conversation.id).where(
    Conversation.id == bindparam("conversation_id"),
    Conversation.workspace_id == bindparam("workspace_id"),
)
_NEW_CONVERSATION = insert(Conversation)
_CONTINUE_CONVERSATION = (
    update(Conversation)
    .where(
        Conversation.id == bindparam("conversation"),
        Conversation.workspace_id == bindparam("workspace"),
    )
    .values(
        message_count=Conversation.message_count + 2,
        last_message=bindparam("last"),
        escalated=or_(Conversation.escalated, bindparam("escalate", type_=Boolean())),
    )
    .returning(Conversation.message_count)
)
_NEW_MESSAGES = insert(Message)


def confidence(passages: list[ScoredPassage]) -> float:
    """How sure retrieval is, 0..1.

    The best share of the question's known terms that one passage covers, discounted when most of
    the question's words are unknown to the knowledge base ("what is the meaning of life" shares
    no word with a help centre; "how long does shipping take to the US" shares the one that
    matters).
    """
    if not passages:
        return 0.0
    best = max(scored.coverage for scored in passages)
    return best * min(1.0, 2 * passages[0].known_share)


def _citations(passages: list[ScoredPassage]) -> list[dict[str, str]]:
    citations = []
    for scored in passages:
        text = " ".join(scored.passage.text.split())
        snippet = text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1] + "…"
        citations.append(
            {
                "document_id": scored.passage.document_id,
                "document_name": scored.passage.document_name,
                "passage_id": scored.passage.id,
                "snippet": snippet,
            }
        )
    return citations


def _compose(context: AppContext, text: str, used: list[ScoredPassage]) -> str:
    provider = context.provider
    started = time.perf_counter()
    try:
        answer = provider.compose(text, used)
    except ProviderError as error:
        context.metrics.provider_latency.labels(provider.name, "error").observe(
            time.perf_counter() - started
        )
        log.warning(
            "answer provider %s failed, answering extractively: %s",
            provider.name,
            error,
            extra={"provider_error": error.kind},
        )
        context.metrics.provider_errors.labels(provider.name, error.kind).inc()
        return _fallback.compose(text, used)
    context.metrics.provider_latency.labels(provider.name, "ok").observe(
        time.perf_counter() - started
    )
    return answer


def reply(context: AppContext, workspace_id: str, conversation_id: str | None, text: str) -> Reply:
    """Answer one customer message.

    Reading and composing happen outside the write transaction, so a slow provider (a network
    call to Gemini) never holds the database's write lock. Both transactions are Core statements on
    one connection each: a new conversation is two inserts (the conversation with its final
    counts, then both messages in one executemany), a continued one an update that returns the
    new message count, then the same insert.
    """
    started = time.perf_counter()
    with context.db.transaction(write=False) as connection:
        if (
            conversation_id is not None
            and connection.scalar(
                _CONVERSATION_EXISTS,
                {"conversation_id": conversation_id, "workspace_id": workspace_id},
            )
            is None
        ):
            raise ConversationNotFoundError(conversation_id)
        passages = context.knowledge.search(connection, workspace_id, text, limit=3)
    context.metrics.retrieval_hits.observe(len(passages))
    score = confidence(passages)
    escalate = score < context.settings.escalation_threshold
    used = [] if escalate else [scored for scored in passages if scored.coverage > 0]
    answer = ESCALATION_REPLY if escalate else _compose(context, text, used)
    elapsed_ms = (time.perf_counter() - started) * 1000

    # The rows are built before the write transaction, which only numbers and stores them.
    new_conversation = conversation_id is None
    customer_at = utcnow()
    stored = Reply(
        conversation_id or new_id(), new_id(), answer, _citations(used), utcnow(), escalate
    )
    customer = {
        "id": new_id(),
        "conversation_id": stored.conversation_id,
        "seq": 0,
        "role": "customer",
        "content": text,
        "citations": [],
        "confidence": None,
        "latency_ms": None,
        "escalated": False,
        "created_at": customer_at,
    }
    assistant = {
        "id": stored.message_id,
        "conversation_id": stored.conversation_id,
        "seq": 1,
        "role": "assistant",
        "content": answer,
        "citations": stored.citations,
        "confidence": round(score, 4),
        "latency_ms": round(elapsed_ms, 3),
        "escalated": escalate,
        "created_at": stored.created_at,
    }
    with context.db.transaction(write=True) as connection:
        if new_conversation:
            connection.execute(
                _NEW_CONVERSATION,
                {
                    "id": stored.conversation_id,
                    "workspace_id": workspace_id,
                    "started_at": customer_at,
                    "escalated": escalate,
                    "message_count": 2,
                    "last_message": answer[:500],
                },
            )
        else:
            count = connection.scalar(
                _CONTINUE_CONVERSATION,
                {
                    "conversation": stored.conversation_id,
                    "workspace": workspace_id,
                    "last": answer[:500],
                    "escalate": escalate,
                },
            )
            if count is None:  # deleted between the read and the write
                raise ConversationNotFoundError(stored.conversation_id)
            customer["seq"], assistant["seq"] = count - 2, count - 1
        connection.execute(_NEW_MESSAGES, [customer, assistant])
    outcome = "escalated" if escalate else "answered"
    context.metrics.answer_latency.labels(context.provider.name, outcome).observe(elapsed_ms / 1000)
    log.info(
        "answered a customer message",
        extra={
            "conversation_id": stored.conversation_id,
            "outcome": outcome,
            "confidence": round(score, 3),
            "passages": len(used),
        },
    )
    return stored
