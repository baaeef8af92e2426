"""If-None-Match: weak comparison against a list of entity tags; malformed headers never match."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.api.etags import none_match

ETAG = '"0123456789abcdef0123456789abcdef"'
OTHER = '"fedcba9876543210fedcba9876543210"'


@pytest.mark.parametrize(
    "header",
    [
        ETAG,
        f"W/{ETAG}",
        f"  {ETAG}\t",
        f"{OTHER}, {ETAG}",
        f"{OTHER},{ETAG}",
        f"{ETAG} ,{OTHER}",
        f'W/"x", W/{ETAG}',
        f'"a,b", {ETAG}',
        f", ,{ETAG},,",
        "*",
        " * ",
    ],
)
def test_matches(header: str) -> None:
    assert none_match(header, ETAG)


def test_a_weak_etag_of_ours_matches_too() -> None:
    assert none_match(ETAG, f"W/{ETAG}")
    assert none_match(f"W/{ETAG}", f"W/{ETAG}")


@pytest.mark.parametrize(
    "header",
    [
        None,
        OTHER,
        f"W/{OTHER}",
        f"{OTHER}, W/{OTHER}",
        '"a,b"',
        ETAG[:-1],  # unbalanced quotes
        ETAG[1:],
        ETAG.strip('"'),  # not quoted at all
        f"w/{ETAG}",  # W/ is case-sensitive
        f"W/ {ETAG}",
        f"{ETAG} {OTHER}",  # no comma between them
        f"{ETAG};q=1",
        f'"{ETAG}"',
        f"{ETAG}, garbage",
        f"*, {ETAG}",  # * stands alone
        "**",
        "",
        " ",
        ",",
        ", ,",
        '""',
        '"0123456789abcdef 0123456789abcdef"',
        '"\x7f"',
        "\x00",
        '"' + "\u0100" + '"',  # beyond Latin-1: no header carries it
    ],
)
def test_does_not_match(header: str | None) -> None:
    assert not none_match(header, ETAG)


def test_an_empty_entity_tag_matches_only_itself() -> None:
    assert none_match('"x", ""', '""')
    assert not none_match('"x"', '""')


@pytest.mark.parametrize(
    "header",
    [
        '"' * 100_001,
        '"a",' * 20_000 + "x",
        ", " * 50_000 + "x",
        " " * 100_000 + '"',
        "W/" * 50_000,
        '"' + "a" * 100_000,
        f"{OTHER}, " * 10_000 + ETAG,
    ],
)
def test_huge_headers_are_handled_in_linear_time(header: str) -> None:
    # A backtracking pattern would take minutes here; these take milliseconds.
    assert none_match(header, ETAG) == header.endswith(ETAG)


# What an opaque tag may hold (RFC 9110 8.8.3): visible ASCII but DQUOTE, and obs-text.
ETAGC = st.characters(codec="latin-1", min_codepoint=0x21, exclude_characters='"\x7f')
OWS = st.text(st.sampled_from(" \t"), max_size=2)


@st.composite
def tag_lists(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A well-formed If-None-Match list, with the opaque tags it names."""
    tags = draw(st.lists(st.text(ETAGC, max_size=8).map(lambda t: f'"{t}"'), min_size=1))
    elements = [draw(st.sampled_from(["", "W/"])) + tag for tag in tags]
    elements += draw(st.lists(st.just(""), max_size=2))  # empty elements are allowed
    elements = draw(st.permutations(elements))
    header = ",".join(draw(OWS) + element + draw(OWS) for element in elements)
    return header, tags


@given(tag_lists(), st.text(ETAGC, max_size=8))
def test_a_well_formed_list_matches_exactly_the_tags_it_names(
    header_and_tags: tuple[str, list[str]], candidate: str
) -> None:
    header, tags = header_and_tags
    assert none_match(header, f'"{candidate}"') == (f'"{candidate}"' in tags)
    for tag in tags:
        assert none_match(header, tag)
        assert none_match(header, f"W/{tag}")


@given(st.text(max_size=50))
def test_any_text_gets_an_answer(header: str) -> None:
    assert isinstance(none_match(header, ETAG), bool)
