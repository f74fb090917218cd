"""The smskit.phone namespace and its documented vocabularies."""

from __future__ import annotations

import inspect
import pathlib
import typing

import pytest

from smskit import phone

DOCS = pathlib.Path(__file__).parents[2] / "docs" / "phone-numbers.md"


def test_public_objects_present_themselves_as_smskit_phone() -> None:
    for name in phone.__all__:
        value = getattr(phone, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert "smskit.phone" == value.__module__, name


@pytest.mark.parametrize(
    "vocabulary",
    [phone.PhoneNumberReason, phone.SenderIdReason],
    ids=["phone", "sender"],
)
def test_every_reason_is_documented_in_the_guide(vocabulary: object) -> None:
    guide = DOCS.read_text(encoding="utf-8")

    for reason in typing.get_args(vocabulary):
        assert f"`{reason}`" in guide, reason


def test_only_smskit_phone_imports_phonenumbers() -> None:
    """The issue makes smskit.phone the single door to phonenumbers."""
    package = pathlib.Path(phone.__file__).parents[1]
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "phonenumbers" in path.read_text(encoding="utf-8")
        and path.parent.name != "phone"
    ]

    assert [] == offenders
