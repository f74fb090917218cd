"""Vonage's sig against every Vonage test vector in providers.md §2.6."""

from __future__ import annotations

import pytest

from smskit.providers.vonage._signing import (
    SignatureMethod,
    signature,
    signature_base,
)

PARAMS = {
    "api-key": "abcd1234",
    "messageId": "X1",
    "status": "delivered",
    "text": "a=b&c",
    "timestamp": "1748779202",
    "nonce": "n1",
}


def test_base_string() -> None:
    """Sorted &k=v with & and = in values replaced by _; sig is left out."""
    expected = (
        "&api-key=abcd1234&messageId=X1&nonce=n1&status=delivered"
        "&text=a_b_c&timestamp=1748779202"
    )
    assert expected == signature_base(PARAMS)
    assert expected == signature_base({**PARAMS, "sig": "ignored"})


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("md5", "581b2a2afc704052f33bcb073319fd6f"),
        (
            "sha256",
            "a9bb95683d1d52a611491f64ee45d79628cd935956e283f72c4131ef47fd871e",
        ),
        ("md5hash", "f7f8d15bb7a47ef1cb05dc0038142648"),
    ],
)
def test_vectors(method: SignatureMethod, expected: str) -> None:
    """HMAC-MD5, HMAC-SHA256 and the MD5-hash scheme."""
    assert expected == signature("secret", PARAMS, method=method)


def test_md5hash_is_the_default() -> None:
    """The dashboard's default scheme is the default here too."""
    assert signature("secret", PARAMS) == signature("secret", PARAMS, method="md5hash")
