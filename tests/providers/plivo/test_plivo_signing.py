"""Plivo's V3 and V2 signatures against every Plivo vector in providers.md §3.6."""

from __future__ import annotations

import pytest

from smskit.providers.plivo._signing import (
    Method,
    v2_signature,
    v3_base,
    v3_signature,
)

URL = "https://example.com/plivo/status/"
PARAMS = {"MessageUUID": "u1", "Status": "delivered"}


def test_v3_post_vector() -> None:
    """V3 over URL?sorted-params.nonce for a POST."""
    assert "https://example.com/plivo/status/?MessageUUIDu1Statusdelivered" == (
        v3_base(URL, PARAMS)
    )
    assert "CHxMHqlcKLzQS1mUhDOu7CmPyMnPefB4epubbfkNpoM=" == v3_signature(
        "token", URL, "12345", PARAMS
    )


def test_v3_get_vector() -> None:
    """V3 for a GET covers the sorted query, wherever the parameters are."""
    assert "JU4KZJEp8UlzIQxMo5wDqGZm/2qMBmvq45gqvLen6Po=" == v3_signature(
        "token", URL, "12345", PARAMS, method="GET"
    )
    query_url = URL + "?Status=delivered&MessageUUID=u1"
    assert v3_signature("token", query_url, "12345", method="GET") == v3_signature(
        "token", URL, "12345", PARAMS, method="GET"
    )


def test_v2_vector() -> None:
    """V2 covers only scheme://host/path + nonce."""
    assert "fZa4xjRNlFw3r0F8JqlHF3SCeY8e5CC52C1z3IuPr2U=" == v2_signature(
        "token", URL, "12345"
    )
    assert v2_signature("token", URL + "?a=1", "12345") == (
        v2_signature("token", URL, "12345")
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
    url: str, params: dict[str, str | list[str]] | None, method: Method, expected: str
) -> None:
    """The V3 string follows plivo-python's construct_*_url for each shape."""
    assert expected == v3_base(url, params, method=method)
