from fastapi.testclient import TestClient

from customercare import __version__
from customercare.app import create_app
from customercare.settings import Settings

client = TestClient(create_app(Settings()))


def test_health_reports_ok() -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "service": "customercare-backend",
        "version": __version__,
        "checks": {},
    }


def test_search_returns_ranked_passages() -> None:
    response = client.post("/api/v1/search", json={"query": "refund my order", "limit": 2})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert hits[0]["id"] == "refunds"
    assert len(hits) <= 2


def test_search_rejects_empty_query_with_json_error() -> None:
    response = client.post("/api/v1/search", json={"query": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "query"]


def test_openapi_document_lists_endpoints() -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/api/v1/search"} <= set(paths)
