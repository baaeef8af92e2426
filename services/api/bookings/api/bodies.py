"""JSON request bodies: which media types are read, and how strictly they are decoded.

Litestar decodes a body into plain JSON values and then converts them to the route's Struct in
its lax mode, which also turns numbers into datetimes (epoch seconds) and lets a body that is
not UTF-8 escape as a 500. Here a body route's body is decoded once, straight into its Struct,
in msgspec's strict mode: times are ISO-8601 strings only, and every failure is a 4xx.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    ClientException,
    InternalServerException,
    SerializationException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Empty

from bookings.api.schemas import InvalidFields

_UNSUPPORTED_MEDIA_TYPE = 415
_BODY_PARAMETER = "data"
_PATTERN_MISMATCH = "Expected `str` matching regex"
# "Expected `str`, got `int` - at `$.title`": the message, then the path of the value.
_ERROR_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.DOTALL)


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or a `+json` type (RFC 6839), in UTF-8 (RFC 8259 §8.1) if a charset
    is named at all."""
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return False
    return True


async def requires_json_body(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard of the routes that take a JSON body: anything else is 415, before it is read.

    Async though it awaits nothing: Litestar runs a synchronous guard in a thread, which would
    cost a thread hop on every request."""
    if not is_json_media_type(connection.headers.get("content-type", "")):
        raise ClientException(
            status_code=_UNSUPPORTED_MEDIA_TYPE,
            detail="the body must be JSON: Content-Type application/json (UTF-8)",
        )


class StrictJsonRequest(Request[Any, Any, Any]):
    """The app's request class: bodies decoded strictly into the route's `data` type."""

    async def body(self) -> bytes:
        try:
            return await super().body()
        except InternalServerException:
            # Litestar's "client disconnected prematurely", its one 500 here: the server said
            # the body stopped short. granian says so for a malformed chunked body too, whose
            # sender is still waiting for an answer.
            raise ClientException("the body ended before it was complete") from None

    async def json(self) -> Any:
        target = _body_type(self.route_handler)
        if target is None:
            return await super().json()
        body = await self.body()
        try:
            data = _decoder_for(target).decode(body)
            json.loads(body, object_pairs_hook=_refuse_repeated_names)
            return data
        except RepeatedName as error:
            raise SerializationException(str(error)) from None
        except UnicodeDecodeError:
            # msgspec checks UTF-8 inside strings only as it reads them, and raises this
            # rather than a DecodeError.
            raise SerializationException("the body is not valid UTF-8") from None
        except msgspec.ValidationError as error:
            raise ValidationException(extra=[_field_error(str(error))]) from None
        except InvalidFields as error:
            extra = [{"key": field, "message": text} for field, text in error.messages.items()]
            raise ValidationException(extra=extra) from None
        except msgspec.DecodeError as error:
            raise SerializationException(str(error)) from None


class RepeatedName(ValueError):
    """An object of the body names a member twice."""


def _refuse_repeated_names(members: list[tuple[str, Any]]) -> None:
    """Called for each object of a body that decoded: RFC 8259 leaves an object with a name
    twice to each parser (msgspec keeps the last value, others the first), so a proxy that
    checked one value could pass another on. Such a body is refused."""
    names = [name for name, _ in members]
    if len(set(names)) != len(names):
        repeated = next(name for name in names if names.count(name) > 1)
        raise RepeatedName(f"the body names {repeated!r} twice in one object")


_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decoder_for(target: type[Any]) -> msgspec.json.Decoder[Any]:
    decoder = _decoders.get(target)
    if decoder is None:
        decoder = _decoders[target] = msgspec.json.Decoder(target)
    return decoder


def _body_type(handler: BaseRouteHandler) -> type[Any] | None:
    parameter = handler.parsed_fn_signature.parameters.get(_BODY_PARAMETER)
    if parameter is None or parameter.annotation is Empty:
        return None
    annotation: type[Any] = parameter.annotation
    return annotation


def _field_error(text: str) -> dict[str, str]:
    match = _ERROR_AT.match(text)
    if match is None:  # the pattern matches any text; kept for the type checker
        return {"key": "body", "message": text}
    message = match["message"]
    if message.startswith(_PATTERN_MISMATCH):
        # The regex itself (a title's spans the whole Unicode space class) helps nobody.
        message = "Expected `str` matching the pattern in the OpenAPI document"
    return {"key": match["path"] or "body", "message": message}
