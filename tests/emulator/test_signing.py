"""The signing functions against every test vector in providers.md."""

from __future__ import annotations

import pytest

from smskit._emulator._signing import (
    plivo_v2_signature,
    plivo_v3_base,
    plivo_v3_signature,
    twilio_body_url,
    twilio_signature,
    twilio_signature_base,
    vonage_signature,
    vonage_signature_base,
)

TWILIO_URL = "https://example.com/sms/status?x=1"
TWILIO_PARAMS = {
    "MessageSid": "SM1",
    "MessageStatus": "delivered",
    "To": "+14155550100",
}
VONAGE_PARAMS = {
    "api-key": "abcd1234",
    "messageId": "X1",
    "status": "delivered",
    "text": "a=b&c",
    "timestamp": "1748779202",
    "nonce": "n1",
}
PLIVO_URL = "https://example.com/plivo/status/"
PLIVO_PARAMS = {"MessageUUID": "u1", "Status": "delivered"}


class TestTwilio:
    def test_hmac_sha1_vector(self) -> None:
        """§1.7 vector 1: Auth Token signature over URL + sorted params."""
        assert "VMY5NVInciJTicRFVsg4Hg0VgFk=" == twilio_signature(
            "12345", TWILIO_URL, TWILIO_PARAMS
        )

    def test_hmac_sha256_vector(self) -> None:
        """§1.7 vector 2: shared-key (HMAC_SHA256) signature."""
        assert "mvOBpLcgQMU7e/b/xqJ9I/ttY084bvrCCWtzSCp8Zfs=" == twilio_signature(
            "12345", TWILIO_URL, TWILIO_PARAMS, algorithm="HMAC_SHA256"
        )

    def test_json_body_vector(self) -> None:
        """§1.7 vector 3: a JSON body is signed through bodySHA256 in the URL."""
        url = twilio_body_url("https://example.com/hook", b'{"a":1}')
        assert (
            "https://example.com/hook?bodySHA256="
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
        ) == url
        assert "2e7mH/NA6FwzvUqLZxhsETU/4bw=" == twilio_signature("12345", url)

    def test_body_url_keeps_an_existing_query(self) -> None:
        """bodySHA256 is appended with & when the URL has a query."""
        assert twilio_body_url("https://e.com/h?x=1", b"").startswith(
            "https://e.com/h?x=1&"
        )

    def test_base_sorts_names_and_dedupes_values(self) -> None:
        """Names sort by code point; repeated values are sorted and de-duplicated."""
        params = {"b": ["2", "1", "2"], "B": "x", "a": ""}
        assert "https://e.com/Bxab1b2" == twilio_signature_base(
            "https://e.com/", params
        )

    def test_get_signs_the_url_only(self) -> None:
        """Without parameters the base is the URL."""
        assert "https://e.com/?a=1" == twilio_signature_base("https://e.com/?a=1")


class TestVonage:
    def test_base_string(self) -> None:
        """§2.6: sorted &k=v with & and = in values replaced by _."""
        expected = (
            "&api-key=abcd1234&messageId=X1&nonce=n1&status=delivered"
            "&text=a_b_c&timestamp=1748779202"
        )
        assert expected == vonage_signature_base(VONAGE_PARAMS)
        assert expected == vonage_signature_base({**VONAGE_PARAMS, "sig": "ignored"})

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
    def test_vectors(self, method: str, expected: str) -> None:
        """§2.6 vectors: HMAC-MD5, HMAC-SHA256 and the MD5-hash scheme."""
        assert expected == vonage_signature("secret", VONAGE_PARAMS, method=method)  # type: ignore[arg-type]

    def test_md5hash_is_the_default(self) -> None:
        """The dashboard's default scheme is the default here too."""
        assert vonage_signature("secret", VONAGE_PARAMS) == vonage_signature(
            "secret", VONAGE_PARAMS, method="md5hash"
        )


class TestPlivo:
    def test_v3_post_vector(self) -> None:
        """§3.6: V3 over URL?sorted-params.nonce for a POST."""
        assert "https://example.com/plivo/status/?MessageUUIDu1Statusdelivered" == (
            plivo_v3_base(PLIVO_URL, PLIVO_PARAMS)
        )
        assert "CHxMHqlcKLzQS1mUhDOu7CmPyMnPefB4epubbfkNpoM=" == plivo_v3_signature(
            "token", PLIVO_URL, "12345", PLIVO_PARAMS
        )

    def test_v3_get_vector(self) -> None:
        """§3.6: V3 for a GET covers the sorted query."""
        assert "JU4KZJEp8UlzIQxMo5wDqGZm/2qMBmvq45gqvLen6Po=" == plivo_v3_signature(
            "token", PLIVO_URL, "12345", PLIVO_PARAMS, method="GET"
        )
        query_url = PLIVO_URL + "?Status=delivered&MessageUUID=u1"
        assert plivo_v3_signature(
            "token", query_url, "12345", method="GET"
        ) == plivo_v3_signature("token", PLIVO_URL, "12345", PLIVO_PARAMS, method="GET")

    def test_v2_vector(self) -> None:
        """§3.6: V2 covers only scheme://host/path + nonce."""
        assert "fZa4xjRNlFw3r0F8JqlHF3SCeY8e5CC52C1z3IuPr2U=" == plivo_v2_signature(
            "token", PLIVO_URL, "12345"
        )
        assert plivo_v2_signature("token", PLIVO_URL + "?a=1", "12345") == (
            plivo_v2_signature("token", PLIVO_URL, "12345")
        )

    @pytest.mark.parametrize(
        ("url", "params", "method", "expected"),
        [
            pytest.param(
                "https://e.com/p/?b=2&a=1",
                {"X": "1"},
                "POST",
                "https://e.com/p/?a=1&b=2.X1",
                id="post-with-query",
            ),
            pytest.param(
                "https://e.com/p/?b=2",
                None,
                "POST",
                "https://e.com/p/?b=2",
                id="post-query-no-body",
            ),
            pytest.param(
                "https://e.com/p/", None, "POST", "https://e.com/p/", id="post-bare"
            ),
            pytest.param(
                "https://e.com/p/", None, "GET", "https://e.com/p/", id="get-bare"
            ),
            pytest.param(
                "https://e.com/p/",
                {"k": ["2", "1"]},
                "POST",
                "https://e.com/p/?k1k2",
                id="post-list",
            ),
            pytest.param(
                "https://e.com/p/",
                {"k": ["2", "1"]},
                "GET",
                "https://e.com/p/?k=1&k=2",
                id="get-list",
            ),
        ],
    )
    def test_v3_base_shapes(
        self, url: str, params: dict | None, method: str, expected: str
    ) -> None:
        """The V3 string follows plivo-python's construct_*_url for each shape."""
        assert expected == plivo_v3_base(url, params, method=method)  # type: ignore[arg-type]
