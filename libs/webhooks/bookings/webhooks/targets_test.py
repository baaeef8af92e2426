import ipaddress

import pytest

from bookings.webhooks.targets import ForbiddenTarget, check_target, is_public


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/hook",
        "/relative",
        "ftp://example.com/",
        "javascript:alert(1)",
        "http:///no-host",
        "https://exa mple.com/",
        "https://example.com/\nx",
        "https://example.com:99999/",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_anything_but_an_absolute_http_url_with_a_host_is_refused(url: str) -> None:
    with pytest.raises(ForbiddenTarget):
        check_target(url, production=False)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://localhost/x", "https://[::1]:9000/"]
)
def test_development_allows_any_host(url: str) -> None:
    assert check_target(url, production=False).hostname


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hook",  # a public address, but not https
        "https://127.0.0.1/",
        "https://localhost/",
        "https://10.0.0.7/",
        "https://172.16.3.4/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.100.100.200/",
        "https://[::1]/",
        "https://[fd00:ec2::254]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://name.invalid/",
    ],
)
def test_production_refuses_plain_http_and_internal_or_unresolvable_hosts(url: str) -> None:
    with pytest.raises(ForbiddenTarget):
        check_target(url, production=True)


def test_production_allows_https_to_a_public_address_literal() -> None:
    assert check_target("https://93.184.215.14:8443/hook", production=True).port == 8443


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("198.18.0.1", False),
        ("240.0.0.1", False),
    ],
)
def test_public_means_globally_routable_unicast(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public
