"""What a new password must be: long enough, not one of the 20,000 most common passwords (the list ships
in the repo, `common-passwords.txt.gz`: Django's, BSD-licensed, from Royce Williams' breach corpus), and
not the account's own email name. Nothing is fetched at run time."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

MIN_LENGTH = 10
_LIST = Path(__file__).with_name("common-passwords.txt.gz")


@functools.cache
def _common() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why this password is refused (None: it is acceptable)."""
    if len(password) < MIN_LENGTH:
        return f"passwords need at least {MIN_LENGTH} characters"
    lowered = password.lower()
    if lowered in _common() or lowered.rstrip("0123456789!") in _common():
        return "this password is one of the most common ones; choose another"
    if email:
        name = email.split("@", 1)[0].lower()
        if len(name) >= 4 and name in lowered and len(lowered) - len(name) < 4:
            return "the password may not be your email name"
    return None
