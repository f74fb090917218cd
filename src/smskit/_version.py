"""smskit's name on the package index, and its installed version."""

from __future__ import annotations

import importlib.metadata

__all__ = ["DISTRIBUTION", "installed_version"]

DISTRIBUTION = "smskit-sdk"
"""smskit's name on the package index (``pip install smskit-sdk``)."""


def installed_version() -> str:
    """The version of the installed distribution, from its metadata."""
    return importlib.metadata.version(DISTRIBUTION)
