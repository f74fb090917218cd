"""X-Twilio-Signature against every Twilio test vector in providers.md §1.7."""

from __future__ import annotations

from smskit.providers.twilio._signing import body_url, signature, signature_base

URL = "https://example.com/sms/status?x=1"
PARAMS = {
    "MessageSid": "SM1",
    "MessageStatus": "delivered",
    "To": "+14155550100",
}


def test_hmac_sha1_vector() -> None:
    """Vector 1: Auth Token signature over URL + sorted params."""
    assert "VMY5NVInciJTicRFVsg4Hg0VgFk=" == signature("12345", URL, PARAMS)


def test_hmac_sha256_vector() -> None:
    """Vector 2: shared-key (HMAC_SHA256) signature."""
    assert "mvOBpLcgQMU7e/b/xqJ9I/ttY084bvrCCWtzSCp8Zfs=" == signature(
        "12345", URL, PARAMS, algorithm="HMAC_SHA256"
    )


def test_json_body_vector() -> None:
    """Vector 3: a JSON body is signed through bodySHA256 in the URL."""
    url = body_url("https://example.com/hook", b'{"a":1}')
    assert (
        "https://example.com/hook?bodySHA256="
        "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
    ) == url
    assert "2e7mH/NA6FwzvUqLZxhsETU/4bw=" == signature("12345", url)


def test_body_url_keeps_an_existing_query() -> None:
    """bodySHA256 is appended with & when the URL has a query."""
    assert body_url("https://e.com/h?x=1", b"").startswith("https://e.com/h?x=1&")


def test_base_sorts_names_and_dedupes_values() -> None:
    """Names sort by code point; repeated values are sorted and de-duplicated."""
    params = {"b": ["2", "1", "2"], "B": "x", "a": ""}
    assert "https://e.com/Bxab1b2" == signature_base("https://e.com/", params)


def test_get_signs_the_url_only() -> None:
    """Without parameters the base is the URL."""
    assert "https://e.com/?a=1" == signature_base("https://e.com/?a=1")
