"""Endpoint secrets and message signatures (Standard Webhooks v1.0.0).

A secret is `whsec_` + base64 of random bytes; the key is those bytes. A message is signed over
`{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256, and the `webhook-signature` header
holds `v1,<base64 signature>`, one per valid secret, separated by spaces (while a secret is
being rotated, the old and the new one both sign, so a receiver that still knows the old secret
keeps verifying).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Final

SECRET_PREFIX: Final = "whsec_"
SECRET_BYTES: Final = 32
KEY_LENGTHS: Final = range(24, 65)  # what the specification allows


class MalformedSecret(ValueError):
    pass


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The key bytes of a `whsec_` secret."""
    if not secret.startswith(SECRET_PREFIX):
        raise MalformedSecret(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError as error:
        raise MalformedSecret("a webhook secret is base64 after its prefix") from error
    if len(key) not in KEY_LENGTHS:
        raise MalformedSecret("a webhook secret holds 24 to 64 bytes")
    return key


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{message_id}.{timestamp}.{body}">`."""
    signed = b"%s.%d.%s" % (message_id.encode(), timestamp, body)
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(keys: Iterable[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per key, space-separated."""
    return " ".join(signature(key, message_id, timestamp, body) for key in keys)
