"""Log masking helpers."""

from __future__ import annotations

import httpx
import pytest

from smskit._redact import mask_body, mask_phone, safe_url


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+14155552671", "+1415\u2022\u2022\u20222671"),
        ("+447911123456", "+4479\u2022\u2022\u20223456"),
        ("12345", "12\u2022\u2022\u2022"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(number: str | None, masked: str) -> None:
    assert masked == mask_phone(number)


def test_mask_body() -> None:
    assert "<5 characters>" == mask_body("hello")
    assert "" == mask_body(None)


def test_safe_url_drops_credentials_and_query() -> None:
    url = httpx.URL("https://user:pass@api.example.com/a/b?api_secret=x#frag")
    assert "https://api.example.com/a/b" == safe_url(url)
