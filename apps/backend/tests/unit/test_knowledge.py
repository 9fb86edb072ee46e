from customercare.knowledge import SAMPLE_PASSAGES, Passage, search


def test_best_passage_ranks_first() -> None:
    hits = search("How can I reset my password?")
    assert hits[0].passage.id == "reset-password"
    assert hits[0].score == 1.0


def test_query_of_only_stopwords_finds_nothing() -> None:
    assert search("what is it") == []


def test_unrelated_query_finds_nothing() -> None:
    assert search("quantum chromodynamics") == []


def test_limit_and_tie_break_by_id() -> None:
    passages = (
        Passage("b", "refund", "x"),
        Passage("a", "refund", "y"),
        Passage("c", "other", "z"),
    )
    hits = search("refund", passages, limit=1)
    assert [hit.passage.id for hit in hits] == ["a"]
    assert len(SAMPLE_PASSAGES) == 3
