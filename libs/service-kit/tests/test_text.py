import pytest

from service_kit import tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How do I reset my Password?", ["reset", "password"]),
        ("Café crème, s'il vous plaît", ["cafe", "creme", "s'il", "vous", "plait"]),
        ("snake_case and kebab-case", ["snake", "case", "kebab", "case"]),
        ("", []),
    ],
)
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokenize_can_keep_stopwords() -> None:
    assert tokenize("What is it", keep_stopwords=True) == ["what", "is", "it"]
