"""Verified tokens remembered until they expire: a client sends the same token many times.

Verifying an HS256 token (decode, HMAC, claim checks) costs about as much as the rest of a
cached read; a hit costs a dict lookup and a clock read. Only tokens that passed verification
are kept, with their `exp`, so an expired token is never accepted from the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bookings.auth import Principal, TokenSettings, expiry_of, verify_token

MAX_ENTRIES = 10_000


class VerifiedTokens:
    def __init__(self, settings: TokenSettings, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self._leeway = settings.leeway.total_seconds()
        self._entries: dict[str, tuple[Principal, float]] = {}

    def principal_of(self, token: str) -> Principal:
        """The token's principal, or the AuthError that verify_token raises."""
        entry = self._entries.get(token)
        now = self._clock()
        if entry is not None and now - self._leeway < entry[1]:
            return entry[0]
        principal = verify_token(token, self._settings, now=datetime.fromtimestamp(now, UTC))
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # simplest bound; the working set refills at once
        self._entries[token] = (principal, expiry_of(token))
        return principal
