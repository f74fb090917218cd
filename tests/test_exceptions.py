"""The exception tree: builtins, attributes, pickling, no secrets."""

from __future__ import annotations

import pickle

import pytest

import smskit
from smskit import _exceptions


def all_errors() -> list[type[smskit.SmsKitError]]:
    return [getattr(_exceptions, name) for name in _exceptions.__all__]


def build(cls: type[smskit.SmsKitError]) -> smskit.SmsKitError:
    """Make an instance of any smskit error with every attribute filled in."""
    if issubclass(cls, smskit.RateLimited):
        return cls("slow down", provider="twilio", retry_after=2.5, http_status=429)
    if issubclass(cls, smskit.ProviderError):
        return cls(
            "refused",
            provider="twilio",
            http_status=400,
            provider_code="21211",
            request_id="RQ1",
        )
    factories = {
        smskit.InvalidPhoneNumber: lambda: cls("bad", number="12", reason="too_short"),
        smskit.InvalidSenderId: lambda: cls("bad", sender="x" * 12, reason="too_long"),
        smskit.UnknownStatus: lambda: cls("bad", value="gone"),
        smskit.MessageTooLong: lambda: cls("long", segments=12, max_segments=10),
        smskit.NotSupported: lambda: cls("no", provider="vonage", operation="fetch"),
        smskit.WebhookBodyTooLarge: lambda: cls("too big", limit=65536),
        smskit.DeliveryUnknown: lambda: cls(
            "maybe",
            provider="twilio",
            to="+14155552671",
            client_ref="r1",
            attempts=1,
            http_status=500,
        ),
    }
    for base, factory in factories.items():
        if issubclass(cls, base):
            return factory()
    if issubclass(cls, smskit.TransportError):
        return cls("down", provider="plivo")
    return cls("plain")


@pytest.mark.parametrize("cls", all_errors(), ids=lambda cls: cls.__name__)
def test_every_error_pickles_with_its_attributes(cls: type[smskit.SmsKitError]) -> None:
    error = build(cls)
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 -- our own data
    assert type(error) is type(again)
    assert str(error) == str(again)
    assert vars(error) == vars(again)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (smskit.InvalidPhoneNumber, ValueError),
        (smskit.InvalidSenderId, ValueError),
        (smskit.InvalidMessage, ValueError),
        (smskit.UnknownStatus, ValueError),
        (smskit.MessageTooLong, ValueError),
        (smskit.ConfigurationError, ValueError),
        (smskit.WebhookVerificationError, ValueError),
        (smskit.WebhookPayloadError, ValueError),
        (smskit.WebhookBodyTooLarge, ValueError),
        (smskit.ConnectError, ConnectionError),
        (smskit.TransportTimeout, TimeoutError),
        (smskit.AuthenticationError, PermissionError),
        (smskit.NotFound, LookupError),
    ],
)
def test_errors_also_subclass_their_builtin(
    cls: type[smskit.SmsKitError], builtin: type[Exception]
) -> None:
    assert issubclass(cls, builtin)
    assert issubclass(cls, smskit.SmsKitError)


def test_provider_error_attributes() -> None:
    error = build(smskit.RejectedMessage)
    assert isinstance(error, smskit.ProviderError)
    assert ("twilio", 400, "21211", False, "RQ1") == (
        error.provider,
        error.http_status,
        error.provider_code,
        error.retryable,
        error.request_id,
    )


def test_rate_limited_is_retryable_and_carries_retry_after() -> None:
    error = build(smskit.RateLimited)
    assert isinstance(error, smskit.RateLimited)
    assert error.retryable
    assert 2.5 == error.retry_after


def test_retryable_can_be_overridden() -> None:
    error = smskit.ProviderUnavailable("503", provider="p", retryable=True)
    assert error.retryable
    assert not smskit.ProviderUnavailable("500", provider="p").retryable


def test_tree_is_drawn_in_the_docstring() -> None:
    doc = _exceptions.__doc__ or ""
    for cls in all_errors():
        assert cls.__name__ in doc


def test_all_is_sorted() -> None:
    assert sorted(_exceptions.__all__) == _exceptions.__all__
