"""The examples in docs/phone-numbers.md run and print what they show."""

from __future__ import annotations

import doctest
import pathlib

GUIDE = pathlib.Path(__file__).parents[2] / "docs" / "phone-numbers.md"


def test_user_guide_examples() -> None:
    results = doctest.testfile(
        str(GUIDE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )

    assert results.attempted > 20
    assert 0 == results.failed


def test_docstring_examples() -> None:
    """The public objects present themselves as smskit.phone, so look there."""
    from smskit import phone

    results = doctest.testmod(phone, raise_on_error=False)

    assert results.attempted >= 6
    assert 0 == results.failed
