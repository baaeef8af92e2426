from bookings.api.rendered_feeds import RenderedFeeds


def test_bodies_are_kept_by_etag() -> None:
    feeds = RenderedFeeds(max_bytes=100)
    feeds.put('"a"', b"A" * 10)
    assert feeds.get('"a"') == b"A" * 10
    assert feeds.get('"b"') is None


def test_the_least_recently_used_go_first_when_the_budget_is_spent() -> None:
    feeds = RenderedFeeds(max_bytes=30)
    for tag in "abc":
        feeds.put(tag, tag.encode() * 10)
    feeds.get("a")  # a is used again: b is now the oldest
    feeds.put("d", b"d" * 10)
    assert feeds.get("b") is None
    assert [feeds.get(tag) is not None for tag in "acd"] == [True, True, True]


def test_a_body_over_the_whole_budget_is_not_kept() -> None:
    feeds = RenderedFeeds(max_bytes=30)
    feeds.put("a", b"a" * 10)
    feeds.put("huge", b"h" * 31)
    assert feeds.get("huge") is None
    assert feeds.get("a") == b"a" * 10
