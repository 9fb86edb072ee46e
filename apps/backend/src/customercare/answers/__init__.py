"""Answer providers: compose a reply to a customer from the passages retrieval found."""

from customercare.answers.providers import (
    AnswerProvider,
    GeminiProvider,
    LocalProvider,
    ProviderError,
    create_provider,
)

__all__ = ["AnswerProvider", "GeminiProvider", "LocalProvider", "ProviderError", "create_provider"]
