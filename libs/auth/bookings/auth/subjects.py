"""What a principal's id (`sub`) may be, for every service that stores it or keys on it.

The id becomes a provider id and an idempotency-key owner in PostgreSQL (text columns under
b-tree indexes, which refuse NUL and rows over about 2.7 kB), a Redis key and a log field. A
signed token can still carry anything JSON can spell, including lone UTF-16 surrogates, which
neither UTF-8 nor PostgreSQL can represent, so the id is checked here rather than failing there.
"""

from __future__ import annotations

from typing import Final

# The API's limit for a `providerId`, which a provider's `sub` is; 200 characters of up to 4
# UTF-8 bytes each stay well inside an index row.
MAX_SUBJECT_LENGTH: Final = 200


def subject_problem(sub: object) -> str | None:
    """Why `sub` cannot name a principal, or None when it can."""
    if not isinstance(sub, str) or not sub.strip():
        return "must be a non-empty string"
    if len(sub) > MAX_SUBJECT_LENGTH:
        return f"must be at most {MAX_SUBJECT_LENGTH} characters"
    if "\x00" in sub:
        return "must not contain NUL characters"
    try:
        sub.encode()
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None
