"""The examples in the encoding guide and docstrings run and print what they say."""

from __future__ import annotations

import doctest
import pathlib

import smskit.encoding

GUIDE = pathlib.Path(__file__).parents[2] / "docs" / "encoding.md"


def test_guide_examples() -> None:
    result = doctest.testfile(str(GUIDE), module_relative=False)
    assert (0, True) == (result.failed, result.attempted > 20)


def test_docstring_examples() -> None:
    result = doctest.testmod(smskit.encoding)
    assert (0, True) == (result.failed, result.attempted > 5)
