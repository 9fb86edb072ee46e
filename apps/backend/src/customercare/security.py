"""Passwords (argon2id) and admin access tokens (HS256 JWTs with an expiry)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified when an e-mail is unknown, so a login takes as long for a wrong e-mail as for a wrong
# password and cannot be used to find out which e-mails have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


def issue_token(secret: str, subject: str, minutes: int) -> AccessToken:
    now = datetime.now(UTC)
    claims = {"sub": subject, "iat": now, "exp": now + timedelta(minutes=minutes), "typ": "access"}
    return AccessToken(jwt.encode(claims, secret, algorithm=_ALGORITHM), minutes * 60)


def read_token(secret: str, token: str) -> str | None:
    """The token's subject (the admin's id), or None when it is forged, malformed or expired."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    if claims.get("typ") != "access" or not isinstance(subject, str):
        return None
    return subject


def new_widget_key() -> str:
    return f"ccg_{secrets.token_urlsafe(24)}"
