"""HEAD answered as GET is, without the content (RFC 9110 §9.3.2), and named wherever GET is.

Litestar routes HEAD only to handlers declared for it, and those may not return content, so
every GET route would need a twin. This wraps the router instead: a HEAD request reaches the
GET handler (with its caching, limits and errors) and its answer goes out without the content,
keeping the headers GET would send, Content-Length included. Every `Allow` header that names
GET names HEAD too. It sits inside the observability wrapper, which logs and counts HEAD.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

_ALLOW = b"allow"


class HeadLikeGet:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # lifespan is typed out
            await self._app(scope, receive, send)
            return
        http_scope = cast(HTTPScope, scope)
        head = http_scope["method"] == "HEAD"

        async def send_for_the_method(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _naming_head_with_get(message.get("headers", ()))
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        if head:
            http_scope["method"] = "GET"  # in place: the router notes the route in this scope
        try:
            await self._app(scope, receive, send_for_the_method)
        finally:
            if head:
                http_scope["method"] = "HEAD"


def _naming_head_with_get(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    named = []
    for name, value in headers:
        if name.lower() == _ALLOW:
            methods = {method.strip() for method in value.decode("latin-1").split(",")}
            methods.discard("")
            if "GET" in methods:
                methods.add("HEAD")
            value = ", ".join(sorted(methods)).encode("latin-1")
        named.append((name, value))
    return named
