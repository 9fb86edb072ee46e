"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, Field

from customercare import __version__, knowledge
from customercare.settings import Settings
from service_kit import HealthReport


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    limit: int = Field(default=3, ge=1, le=10)


class SearchHit(BaseModel):
    id: str
    title: str
    text: str
    score: float


class SearchResponse(BaseModel):
    hits: list[SearchHit]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(title="CustomerCareGPT API", version=__version__)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, object]:
        return HealthReport(service=settings.service_name, version=__version__).as_dict()

    @app.post("/api/v1/search", tags=["knowledge"])
    def search(request: SearchRequest) -> SearchResponse:
        hits = knowledge.search(request.query, limit=request.limit)
        return SearchResponse(
            hits=[
                SearchHit(
                    id=hit.passage.id,
                    title=hit.passage.title,
                    text=hit.passage.text,
                    score=round(hit.score, 4),
                )
                for hit in hits
            ]
        )

    return app
