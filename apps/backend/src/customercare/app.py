"""The FastAPI application factory."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from customercare import __version__
from customercare.api import admin, auth, operations, widget
from customercare.api.deps import error_responses
from customercare.context import AppContext
from customercare.errors import install_error_handlers
from customercare.middleware import AdminCors, ServiceMiddleware
from customercare.migrations import upgrade
from customercare.sentry import init_sentry
from customercare.settings import Settings

log = logging.getLogger("customercare")

# Room for the multipart envelope around an upload of `max_upload_bytes`.
_MULTIPART_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None, context: AppContext | None = None) -> FastAPI:
    settings = (settings or Settings.from_env()).with_defaults()
    if settings.sentry_dsn:
        init_sentry(settings)
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    context = context or AppContext.create(settings)
    # The contract is committed (libs/api-contract), so production need not publish it.
    docs = settings.serve_docs
    app = FastAPI(
        title="CustomerCareGPT API",
        version=__version__,
        description="Answers customers from a support team's knowledge base.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        # ServiceMiddleware answers 400 to any address holding a NUL character, before routing.
        responses=error_responses(400),
    )
    app.state.context = context
    install_error_handlers(app)
    for router in (auth.router, admin.router, widget.router, operations.router):
        app.include_router(router)

    upload_limit = settings.max_upload_bytes + _MULTIPART_OVERHEAD

    def body_limit(path: str) -> int:
        return upload_limit if path == "/api/v1/documents" else settings.max_body_bytes

    app.add_middleware(AdminCors, origins=settings.cors_origins, skip_prefix="/api/v1/widget/")
    app.add_middleware(
        ServiceMiddleware, metrics=context.metrics, body_limit=body_limit, hsts=settings.production
    )
    log.info(
        "CustomerCareGPT API ready",
        extra={
            "database": context.db.dialect,
            "cache": context.store.backend,
            "answer_provider": context.provider.name,
        },
    )
    return app
