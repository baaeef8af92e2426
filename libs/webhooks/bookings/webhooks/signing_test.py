import base64
import hashlib
import hmac

import pytest

from bookings.webhooks.signing import (
    SECRET_PREFIX,
    MalformedSecret,
    new_secret,
    secret_key,
    signature,
    signature_header,
)


def test_a_new_secret_is_prefixed_base64_of_enough_random_bytes() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith(SECRET_PREFIX)
        assert len(secret_key(secret)) == 32


@pytest.mark.parametrize("secret", ["abc", "whsec_***", "whsec_YWJj", "whsec_" + "A" * 100])
def test_a_malformed_secret_is_refused(secret: str) -> None:
    with pytest.raises(MalformedSecret):
        secret_key(secret)


def test_the_signature_is_hmac_sha256_over_id_timestamp_and_body() -> None:
    key = b"k" * 32
    body = b'{"type":"booking.created"}'
    expected = hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()

    assert signature(key, "msg_1", 1700000000, body) == "v1," + base64.b64encode(expected).decode()


def test_the_header_holds_one_signature_per_key_space_separated() -> None:
    old, new = b"o" * 32, b"n" * 32
    header = signature_header([new, old], "m", 5, b"{}")
    assert header.split(" ") == [signature(new, "m", 5, b"{}"), signature(old, "m", 5, b"{}")]
