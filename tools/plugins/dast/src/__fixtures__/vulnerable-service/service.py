"""A deliberately vulnerable HTTP service: proof that each dast scanner finds what it should.

Never run it anywhere but on 127.0.0.1 in a test. Its flaws, one per scanner:
  - GET /items?name=...   builds SQL from strings on SQLite (sqlmap, wapiti's sql module);
  - GET /hello?name=...   reflects the input into HTML unescaped (wapiti's xss module), and
                          answers without the security headers the other routes send (schemathesis);
  - POST /orders          answers 500 when `quantity` is 0 (schemathesis' not_a_server_error).
Standard library only, so it runs with any Python 3.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DATA_DIR = os.environ.get("DATA_DIR", ".")
DB = os.path.join(DATA_DIR, "items.db")

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "vulnerable fixture", "version": "1.0.0"},
    "paths": {
        "/health": {
            "get": {
                "operationId": "health",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/items": {
            "get": {
                "operationId": "listItems",
                "parameters": [
                    {
                        "name": "name",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "example": "apple"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "matching items",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "object"}}
                            }
                        },
                    }
                },
            }
        },
        "/hello": {
            "get": {
                "operationId": "hello",
                "parameters": [
                    {
                        "name": "name",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "example": "ada"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "greeting",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/orders": {
            "post": {
                "operationId": "createOrder",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["quantity", "note"],
                                "properties": {
                                    "quantity": {
                                        "type": "integer",
                                        "minimum": 0,
                                        "maximum": 10,
                                        "example": 2,
                                    },
                                    "note": {"type": "string", "example": "gift"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": {
                        "description": "invalid",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                },
            }
        },
    },
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
}


def seed() -> None:
    with sqlite3.connect(DB) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, price REAL)"
        )
        db.executemany(
            "INSERT INTO items (name, price) VALUES (?, ?)", [("apple", 1.0), ("pear", 2.5)]
        )


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes, content_type: str, secure: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if secure:
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def json(self, status: int, data: object) -> None:
        self.send(status, json.dumps(data).encode(), "application/json")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path == "/health":
            return self.json(200, {"status": "ok"})
        if url.path == "/openapi.json":
            return self.json(200, OPENAPI)
        if url.path == "/items":
            name = query.get("name", "")
            try:
                with sqlite3.connect(DB) as db:
                    # The planted flaw: SQL built from strings.
                    query = f"SELECT id, name, price FROM items WHERE name = '{name}'"  # noqa: S608
                    rows = db.execute(query).fetchall()
            except sqlite3.Error as error:
                return self.send(500, f"sqlite3.OperationalError: {error}".encode(), "text/plain")
            return self.json(200, [{"id": r[0], "name": r[1], "price": r[2]} for r in rows])
        if url.path == "/hello":
            # The planted flaws: input reflected unescaped, and no security headers.
            page = f"<html><body><h1>Hello {query.get('name', '')}</h1></body></html>"
            return self.send(200, page.encode(), "text/html", secure=False)
        if url.path == "/":
            page = (
                '<html><body><a href="/hello?name=ada">hello</a> '
                '<a href="/items?name=apple">items</a></body></html>'
            )
            return self.send(200, page.encode(), "text/html")
        return self.json(404, {"error": "not found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/orders":
            return self.json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"null")
            quantity, note = body["quantity"], body["note"]
            if not isinstance(quantity, int) or not isinstance(note, str):
                raise TypeError("quantity must be an integer and note a string")
        except (ValueError, KeyError, TypeError) as error:
            return self.json(400, {"error": str(error)})
        try:
            # The planted flaw: a crafted (but valid) body divides by zero and answers 500.
            unit = 10 // quantity
        except ZeroDivisionError:
            return self.send(500, b"Internal Server Error", "text/plain")
        return self.json(201, {"quantity": quantity, "note": note, "unit": unit})


def main() -> None:
    if sys.argv[1:] == ["seed"]:
        return seed()
    server = ThreadingHTTPServer(
        (os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
