"""WebhookRequest: what a framework hands smskit, checked on the way in."""

from __future__ import annotations

import pickle

import pytest

from smskit import ArgumentTypeError
from smskit.providers import WebhookReply, WebhookRequest


def test_header_names_ignore_case_and_repeats_are_joined() -> None:
    request = WebhookRequest(
        method="post",
        url="https://example.com/hook",
        headers={"X-Twilio-Signature": "abc", "x-twilio-signature": "def"},
        body=bytearray(b"a=1"),
    )
    assert request.method == "POST"
    assert request.header("X-TWILIO-SIGNATURE") == "abc, def"
    assert request.header("missing") is None
    assert request.body == b"a=1"
    assert isinstance(request.body, bytes)
    assert pickle.loads(pickle.dumps(request)) == request  # noqa: S301 -- our own bytes


def test_headers_are_read_only() -> None:
    request = WebhookRequest(method="GET", url="https://e.com/", headers={"A": "1"})
    with pytest.raises(TypeError):
        request.headers["a"] = "2"  # type: ignore[index]


def test_the_body_is_not_shown_in_the_repr() -> None:
    request = WebhookRequest(method="POST", url="https://e.com/", body=b"Body=secret")
    assert "secret" not in repr(request)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"method": "", "url": "https://e.com/"}, "method must be a non-empty"),
        ({"method": "POST", "url": None}, "url must be a non-empty"),
        ({"method": "POST", "url": "https://e.com/", "body": "a=1"}, "raw bytes"),
        (
            {"method": "POST", "url": "https://e.com/", "headers": [("a", "b")]},
            "mapping",
        ),
        ({"method": "POST", "url": "https://e.com/", "headers": {"a": 1}}, "str names"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(ArgumentTypeError, match=problem):
        WebhookRequest(**arguments)  # type: ignore[arg-type]


def test_reply_defaults_to_an_empty_200() -> None:
    assert WebhookReply() == WebhookReply(status=200, content_type=None, body=b"")
