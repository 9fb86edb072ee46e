"""A customer's message in, an answer (or an escalation to a human) out, both persisted."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import select

from customercare.answers import LocalProvider, ProviderError
from customercare.context import AppContext
from customercare.knowledge.bm25 import ScoredPassage
from customercare.models import Conversation, Message

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
    conversation: Conversation
    message: Message
    escalated: bool


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
    call to Gemini) never holds the database's write lock; the write is two inserts and an update.
    """
    started = time.perf_counter()
    with context.db.session(write=False) as session:
        if conversation_id is not None and (
            session.scalar(
                select(Conversation.id).where(
                    Conversation.id == conversation_id, Conversation.workspace_id == workspace_id
                )
            )
            is None
        ):
            raise ConversationNotFoundError(conversation_id)
        passages = context.knowledge.search(session, workspace_id, text, limit=3)
    context.metrics.retrieval_hits.observe(len(passages))
    score = confidence(passages)
    escalate = score < context.settings.escalation_threshold
    used = [] if escalate else [scored for scored in passages if scored.coverage > 0]
    answer = ESCALATION_REPLY if escalate else _compose(context, text, used)
    elapsed_ms = (time.perf_counter() - started) * 1000

    with context.db.session(write=True) as session:
        if conversation_id is None:
            conversation = Conversation(workspace_id=workspace_id)
            session.add(conversation)
            session.flush()
        else:
            found = session.get(Conversation, conversation_id)
            if found is None:  # deleted between the read and the write
                raise ConversationNotFoundError(conversation_id)
            conversation = found
        seq = conversation.message_count
        customer = Message(
            conversation_id=conversation.id, seq=seq, role="customer", content=text, citations=[]
        )
        assistant = Message(
            conversation_id=conversation.id,
            seq=seq + 1,
            role="assistant",
            content=answer,
            citations=_citations(used),
            confidence=round(score, 4),
            latency_ms=round(elapsed_ms, 3),
            escalated=escalate,
        )
        session.add_all([customer, assistant])
        conversation.message_count = seq + 2
        conversation.last_message = answer[:500]
        conversation.escalated = conversation.escalated or escalate
        session.flush()
    outcome = "escalated" if escalate else "answered"
    context.metrics.answer_latency.labels(context.provider.name, outcome).observe(elapsed_ms / 1000)
    log.info(
        "answered a customer message",
        extra={
            "conversation_id": conversation.id,
            "outcome": outcome,
            "confidence": round(score, 3),
            "passages": len(used),
        },
    )
    return Reply(conversation, assistant, escalate)
