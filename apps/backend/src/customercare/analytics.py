"""Questions per day, answered vs escalated, and answer latency percentiles for one workspace."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.models import Conversation, Message
from customercare.schemas import AnalyticsResponse, DayCount, LatencySummary


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the value below which `share` of the values fall)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 2)


def _day(value: datetime) -> date:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).date()


def workspace_analytics(
    session: Session, workspace_id: str, days: int, today: date | None = None
) -> AnalyticsResponse:
    today = today or datetime.now(UTC).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    rows = session.execute(
        select(Message.role, Message.created_at, Message.escalated, Message.latency_ms)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.workspace_id == workspace_id, Message.created_at >= since)
    ).all()
    per_day: Counter[date] = Counter()
    answered = escalated = 0
    latencies: list[float] = []
    for role, created_at, was_escalated, latency_ms in rows:
        if role == "customer":
            per_day[_day(created_at)] += 1
        elif was_escalated:
            escalated += 1
        else:
            answered += 1
        if role == "assistant" and latency_ms is not None:
            latencies.append(latency_ms)
    return AnalyticsResponse(
        questions_per_day=[
            DayCount(date=first_day + timedelta(days=n), count=per_day[first_day + timedelta(n)])
            for n in range(days)
        ],
        answered=answered,
        escalated=escalated,
        answer_latency_ms=LatencySummary(
            p50=percentile(latencies, 0.5), p95=percentile(latencies, 0.95)
        ),
    )
