import hashlib
import hmac

import pytest

from storefront.orders.signing import signature_header, verify

SECRET = "whsec_test"
BODY = b'{"type":"order.paid"}'


def test_the_header_is_an_hmac_sha256_over_timestamp_dot_payload():
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_a_receiver_verifies_it():
    assert verify(SECRET, signature_header(SECRET, 1700000000, BODY), BODY, now=1700000100)


@pytest.mark.parametrize(("secret", "body", "now"), [
    ("whsec_other", BODY, 1700000000),          # another secret
    (SECRET, BODY + b" ", 1700000000),          # another body
    (SECRET, BODY, 1700000000 + 301),           # too old: a replay
])
def test_anything_else_fails(secret, body, now):
    assert not verify(secret, signature_header(SECRET, 1700000000, BODY), body, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=x,v1=abc", "t=1,t=2,v1=abc"])
def test_malformed_headers_fail(header):
    assert not verify(SECRET, header, BODY, now=1)
