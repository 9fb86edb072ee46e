"""Shared building blocks for CustomerCareGPT Python services."""

from service_kit.health import Check, HealthReport, Status
from service_kit.text import tokenize

__all__ = ["Check", "HealthReport", "Status", "tokenize"]
