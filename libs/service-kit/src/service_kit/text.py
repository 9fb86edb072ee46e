"""Text normalisation shared by everything that indexes or matches customer language."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")

# Function words that carry no signal for matching a question to a passage.
_STOPWORD_TEXT = """
a an and are as at be but by can do does for from have how i if in is it its me my of on or our so
that the their them there this to was we what when where which who why will with you your
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-case, accent-fold and split `text` into word tokens.

    >>> tokenize("How do I reset my Password?")
    ['reset', 'password']
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _WORD.findall(folded)
    if keep_stopwords:
        return words
    return [word for word in words if word not in STOPWORDS]
