"""Password hashing (argon2id) and the rules a new email address and password must meet."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# A few of the passwords every list of leaked passwords starts with; length rules catch most
# of the rest.
_COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "password1234",
        "qwertyuiop",
        "1234567890",
        "12345678910",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "abcdefghij",
        "qwerty1234",
        "passw0rd123",
        "administrator",
        "codeflix123",
        "changeme123",
        "0123456789",
    }
)
# Practical, not RFC 5322: one @, a dotted domain, no spaces.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class Passwords:
    """argon2id hashing with a configurable cost (tests run it cheaply)."""

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # Checked against when the account does not exist, so both cases take as long.
        self._decoy = self._hasher.hash("codeflix-decoy-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an address we accept, or None."""
    if len(email) > 254 or not _EMAIL.match(email):
        return "enter a valid email address, like name@example.com"
    return None


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(password)) < 5:
        return "this password is too easy to guess"
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return "the password must not contain your email address"
    if name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", ""):
        return "the password must not contain your name"
    return None
