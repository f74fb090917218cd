"""The public surface: one door, sorted and complete, presenting as smskit.X."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import types

import pytest

import smskit

PUBLIC_MODULES = [
    "smskit",
    "smskit.encoding",
    "smskit.phone",
    "smskit.providers",
    "smskit.testing",
    "smskit.webhooks",
]


def public_names(module: types.ModuleType) -> set[str]:
    """Names a module defines or imports that do not start with an underscore."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and name not in {"annotations", "Any", "TYPE_CHECKING"}
    }


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == list(module.__all__)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_matches_what_is_exported(name: str) -> None:
    """A public name missing from __all__ (or listed but absent) fails here."""
    module = importlib.import_module(name)
    # smskit imports most of its names on first use: touch every listed name
    # (one listed but absent raises AttributeError here).
    for listed in module.__all__:
        getattr(module, listed)
    assert public_names(module) == set(module.__all__)


def test_private_objects_present_themselves_as_smskit() -> None:
    for name in smskit.__all__:
        value = getattr(smskit, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith("smskit"), name
            assert not value.__module__.startswith("smskit._"), name


def test_providers_present_themselves_as_smskit_providers() -> None:
    assert "smskit.providers" == smskit.providers.Sandbox.__module__


def test_version_comes_from_package_metadata() -> None:
    assert importlib.metadata.version("smskit-sdk") == smskit.__version__


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = smskit.nope  # type: ignore[attr-defined]


def test_py_typed_is_shipped() -> None:
    files = importlib.metadata.files("smskit-sdk") or []
    names = {file.name for file in files}
    # An editable install lists only its .pth; then check the source tree.
    if "py.typed" not in names:
        from pathlib import Path

        assert (Path(smskit.__file__).parent / "py.typed").is_file()
