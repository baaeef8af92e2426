"""Calendar feed bodies kept by their ETag, the most recently used first, within a byte budget.

Calendar apps poll without If-None-Match as often as with it; a feed that has not changed
since it was last rendered is then sent again as it was, at the cost of the one statement
that tells its ETag. A body larger than the whole budget is never kept.
"""

from __future__ import annotations

from collections import OrderedDict


class RenderedFeeds:
    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, etag: str) -> bytes | None:
        body = self._bodies.get(etag)
        if body is not None:
            self._bodies.move_to_end(etag)
        return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self._max_bytes or etag in self._bodies:
            return
        self._bodies[etag] = body
        self._bytes += len(body)
        while self._bytes > self._max_bytes:
            _, evicted = self._bodies.popitem(last=False)
            self._bytes -= len(evicted)
