"""Conditional GET: does a request's `If-None-Match` name the representation we would send?

When it does, the answer is a bodiless 304 (RFC 9110 13.1.2), which is what lets calendar apps
poll a feed cheaply. The header comes from the client: anything malformed simply does not match,
so the full response goes out.
"""

from __future__ import annotations

import re

# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, where etagc is any visible
# character but DQUOTE, or obs-text; commas are allowed inside the quotes.
_OPAQUE_TAG = '"[\x21\x23-\x7e\x80-\xff]*+"'
_ENTITY_TAG = f"(?:W/)?+{_OPAQUE_TAG}"
_OWS = "[ \t]*+"
_SEPARATOR = f"{_OWS}(?:,{_OWS})++"
# 1#entity-tag (RFC 9110 5.6.1), once trimmed: a comma-separated list of at least one entity
# tag, where recipients accept empty elements too. Possessive quantifiers never backtrack, so
# checking stays linear in the header's length, whatever it holds.
_TAG_LIST = re.compile(
    f"(?:,{_OWS})*+{_ENTITY_TAG}(?:{_SEPARATOR}{_ENTITY_TAG})*+(?:{_SEPARATOR})?+"
)
_OPAQUE_TAGS = re.compile(_OPAQUE_TAG)


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` value matches `etag` (strong `"…"` or weak `W/"…"`).

    `*` matches any representation; otherwise the comparison is weak (RFC 9110 8.8.3.2), as
    If-None-Match requires: `W/"x"` and `"x"` match each other.
    """
    if if_none_match is None:
        return False
    value = if_none_match.strip(" \t")
    if value == "*":
        return True
    if _TAG_LIST.fullmatch(value) is None:
        return False
    opaque = etag.removeprefix("W/")
    # The list is well formed: every quoted string in it is the opaque part of one entity tag.
    return any(tag == opaque for tag in _OPAQUE_TAGS.findall(value))
