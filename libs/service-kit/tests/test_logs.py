from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from service_kit import JsonFormatter, configure_json_logging, request_id_var


def _line(record: logging.LogRecord) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(JsonFormatter("svc").format(record))
    return parsed


def test_lines_carry_the_request_id_and_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "x", "levelname": "INFO", "msg": "hello %s", "args": ("world",), "status": 200}
    )
    token = request_id_var.set("req-1")
    try:
        line = _line(record)
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello world"
    assert line["request_id"] == "req-1"
    assert line["status"] == 200
    assert line["service"] == "svc"
    assert line["level"] == "info"


def test_outside_a_request_the_id_is_a_dash() -> None:
    assert _line(logging.makeLogRecord({"msg": "m"}))["request_id"] == "-"


def test_exceptions_are_included() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed", None, sys.exc_info())
    assert "ValueError: boom" in str(_line(record)["exception"])


def test_configure_routes_the_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_json_logging("svc", "WARNING")
        logging.getLogger("any").warning("careful")
        logging.getLogger("any").info("hidden")
        assert logging.getLogger("uvicorn.access").disabled
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("uvicorn.access").disabled = False
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["careful"]
