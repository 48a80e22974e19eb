"""Secrets people and machines sign in with: memory-hard password hashes (argon2id) and
random bearer tokens, of which only a SHA-256 digest is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import ValidationError

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def check_password_rules(password: object, field: str = "password") -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise ValidationError(field, "must be at most 1024 characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password_rules(password))


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so timing tells nobody the account is bare.
        _hasher.hash("x" * MIN_PASSWORD_LENGTH)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """A URL-safe secret with 256 bits of entropy, for API tokens and invitation links."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """High-entropy secrets need no slow hash: a SHA-256 digest cannot be reversed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digest_matches(expected_digest: str, secret: str) -> bool:
    return hmac.compare_digest(expected_digest, digest(secret))
