"""Everything a request handler needs, built once per application and kept on `app.state`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from customercare.answers import AnswerProvider, create_provider
from customercare.cache import Store, create_store
from customercare.client_address import TrustedProxies
from customercare.db import Database
from customercare.knowledge.service import KnowledgeBase
from customercare.metrics import Metrics
from customercare.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    store: Store
    provider: AnswerProvider
    knowledge: KnowledgeBase = field(default_factory=KnowledgeBase)
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        metrics = Metrics()
        return cls(
            settings=settings,
            db=Database(settings.database_url, metrics),
            store=create_store(settings.redis_url),
            provider=create_provider(settings),
            metrics=metrics,
        )

    @cached_property
    def trusted_proxies(self) -> TrustedProxies:
        return TrustedProxies(self.settings.forwarded_allow_ips)

    def close(self) -> None:
        self.store.close()
        self.db.dispose()
