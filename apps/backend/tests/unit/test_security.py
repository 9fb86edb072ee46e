from __future__ import annotations

import jwt

from customercare.security import (
    hash_password,
    issue_token,
    new_widget_key,
    read_token,
    verify_password,
)

SECRET = "unit-test-secret-with-enough-length-000"  # noqa: S105


def test_passwords_are_argon2_hashed_and_verified() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "correct horse")
    assert not verify_password("not-a-hash", "x")


def test_tokens_round_trip_and_expire() -> None:
    token = issue_token(SECRET, "admin-1", minutes=5)
    assert token.expires_in == 300
    assert read_token(SECRET, token.token) == "admin-1"
    assert read_token("another-secret-another-secret-0000", token.token) is None
    expired = jwt.encode({"sub": "a", "exp": 1, "typ": "access"}, SECRET, algorithm="HS256")
    assert read_token(SECRET, expired) is None
    wrong_type = jwt.encode({"sub": "a", "exp": 2**33, "typ": "refresh"}, SECRET, algorithm="HS256")
    assert read_token(SECRET, wrong_type) is None
    unsigned = jwt.encode({"sub": "a", "exp": 2**33, "typ": "access"}, None, algorithm="none")
    assert read_token(SECRET, unsigned) is None


def test_widget_keys_are_random() -> None:
    assert new_widget_key() != new_widget_key()
    assert new_widget_key().startswith("ccg_")
