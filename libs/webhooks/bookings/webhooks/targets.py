"""Which URLs a webhook endpoint may target.

Everywhere: an absolute `http` or `https` URL with a host, at most 2,000 characters. In
production only `https`, and only hosts whose every address is public: no loopback, private,
link-local (cloud metadata services live there), shared (CGNAT), multicast or reserved address,
whether written as a literal or resolved from a name. Delivery checks the addresses again when
it connects (`public_addresses`), so a name that later resolves to an internal address is not
reached.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Final
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH: Final = 2000
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenTarget(ValueError):
    """A URL that an endpoint may not target; the message says why, for a 422."""


def check_target(url: str, *, production: bool) -> SplitResult:
    """The parsed URL if an endpoint may target it (production: resolving its host)."""
    parts = _parse(url)
    if production:
        if parts.scheme != "https":
            raise ForbiddenTarget("must use https")
        public_addresses(parts)
    return parts


def public_addresses(parts: SplitResult) -> list[IpAddress]:
    """Every address the URL's host resolves to; ForbiddenTarget if any is not public or the
    host does not resolve."""
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ForbiddenTarget(f"host {host!r} does not resolve") from error
    addresses = list(dict.fromkeys(_address(str(info[4][0])) for info in infos))
    for address in addresses:
        if not is_public(address):
            raise ForbiddenTarget(f"host {host!r} resolves to a non-public address")
    return addresses


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _parse(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise ForbiddenTarget(f"must be at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise ForbiddenTarget("must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
    except ValueError as error:
        raise ForbiddenTarget("is not a valid URL") from error
    if parts.scheme not in _DEFAULT_PORTS:
        raise ForbiddenTarget("must be an absolute http or https URL")
    if not parts.hostname:
        raise ForbiddenTarget("must name a host")
    return parts


def _address(text: str) -> IpAddress:
    return ipaddress.ip_address(text.partition("%")[0])  # an IPv6 scope id is not part of it
