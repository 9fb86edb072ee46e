"""Shared building blocks for CustomerCareGPT Python services."""

from service_kit.health import Check, HealthReport, Status
from service_kit.logs import JsonFormatter, configure_json_logging, request_id_var
from service_kit.text import tokenize

__all__ = [
    "Check",
    "HealthReport",
    "JsonFormatter",
    "Status",
    "configure_json_logging",
    "request_id_var",
    "tokenize",
]
