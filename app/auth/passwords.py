"""argon2id password hashing (argon2-cffi)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_default_hasher = PasswordHasher()
# Used only by the test configuration: same algorithm, a fraction of the cost.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_hasher = _default_hasher


def use_fast_hashing(enabled: bool) -> None:
    global _hasher
    _hasher = _fast_hasher if enabled else _default_hasher


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
