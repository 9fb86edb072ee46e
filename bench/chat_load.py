"""Closed-loop POST /api/v1/widget/chat load for bench/backend-chat-cpu.sh.

    chat_load.py load BASE_URL REQUESTS CLIENTS   sends REQUESTS chats over CLIENTS keep-alive
                                                  connections (labelled questions in a seeded
                                                  random order); prints "<ok> <failed>"
    chat_load.py answers BASE_URL                 asks every labelled question once, in a new
                                                  conversation and then in one continued
                                                  conversation, and prints what the answers say
                                                  (content, escalation, cited documents and
                                                  snippets; not ids or times) as one JSON document

Standard library only, so the client's cost is the same whichever backend it measures.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

QUESTIONS = Path(__file__).parents[1] / "apps/backend/tests/data/labelled_questions.json"
HEADERS = {
    "Content-Type": "application/json",
    "X-Widget-Key": "ccg_demo_widget_key",
    "Origin": "http://localhost:5173",
}


def questions() -> list[str]:
    return [q["question"] for q in json.loads(QUESTIONS.read_text())["questions"]]


def connect(base_url: str) -> http.client.HTTPConnection:
    address = urlsplit(base_url)
    return http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)


def chat(
    connection: http.client.HTTPConnection, message: str, conversation: str | None = None
) -> tuple[int, Any]:
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    connection.request("POST", "/api/v1/widget/chat", json.dumps(body), HEADERS)
    response = connection.getresponse()
    payload = response.read()
    return response.status, json.loads(payload) if response.status == 200 else payload


def load(base_url: str, requests: int, clients: int) -> tuple[int, int]:
    asked = questions()
    counts = [0, 0]
    lock = threading.Lock()

    def client(number: int, share: int) -> None:
        pick = random.Random(number)  # noqa: S311 - a repeatable order of questions, not a secret
        connection = connect(base_url)
        ok = failed = 0
        for _ in range(share):
            status, _ = chat(connection, pick.choice(asked))
            if status == 200:
                ok += 1
            else:
                failed += 1
        connection.close()
        with lock:
            counts[0] += ok
            counts[1] += failed

    shares = [requests // clients + (1 if n < requests % clients else 0) for n in range(clients)]
    threads = [threading.Thread(target=client, args=(n, s)) for n, s in enumerate(shares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts[0], counts[1]


def answers(base_url: str) -> list[dict[str, Any]]:
    connection = connect(base_url)
    seen: list[dict[str, Any]] = []
    conversation: str | None = None
    for continued in (False, True):
        for question in questions():
            status, body = chat(connection, question, conversation if continued else None)
            if status != 200:
                seen.append({"question": question, "status": status})
                continue
            if continued:
                conversation = body["conversation_id"]
            message = body["message"]
            seen.append(
                {
                    "question": question,
                    "continued": continued,
                    "status": status,
                    "escalated": body["escalated"],
                    "role": message["role"],
                    "content": message["content"],
                    "citations": [(c["document_name"], c["snippet"]) for c in message["citations"]],
                }
            )
    return seen


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "load":
        ok, failed = load(argv[1], int(argv[2]), int(argv[3]))
        print(ok, failed)
        return 0
    if len(argv) == 2 and argv[0] == "answers":
        print(json.dumps(answers(argv[1]), indent=1))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
