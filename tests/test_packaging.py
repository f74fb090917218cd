"""What users get from the package index: the built wheel and sdist.

Both are built offline from this checkout (``python -m build --no-isolation``,
with hatchling from the dev dependency group) and read back.
"""

from __future__ import annotations

import email.parser
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(  # noqa: S603 -- this interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def wheel_metadata(dist: Path) -> email.message.Message:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_the_distribution_name_is_free_of_the_unrelated_smskit(dist: Path) -> None:
    metadata = wheel_metadata(dist)
    assert "smskit-sdk" == metadata["Name"]
    (wheel,) = dist.glob("*.whl")
    assert wheel.name.startswith("smskit_sdk-")
    with zipfile.ZipFile(wheel) as archive:
        assert "smskit/__init__.py" in archive.namelist()
        assert "smskit/py.typed" in archive.namelist()


def test_the_license_ships_in_wheel_and_sdist(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert any(
            n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist()
        )
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert any(n.endswith("/LICENSE") for n in archive.getnames())
    assert "MIT" == wheel_metadata(dist)["License-Expression"]


def test_the_sdist_leaves_ci_out(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not [n for n in names if "/.ci/" in n or n.endswith("/.ci")]
    assert not [n for n in names if "/.git/" in n]
    assert any(n.endswith("/src/smskit/__init__.py") for n in names)


def test_project_urls_and_readme(dist: Path) -> None:
    metadata = wheel_metadata(dist)
    urls = {value.split(",")[0] for value in metadata.get_all("Project-URL") or []}
    assert {"Source", "Issues", "Documentation", "Changelog"} <= urls
    body = metadata.get_payload()
    assert isinstance(body, str)
    assert "pip install smskit-sdk" in body


def test_developer_tool_pins_are_not_an_extra(dist: Path) -> None:
    extras = set(wheel_metadata(dist).get_all("Provides-Extra") or [])
    assert {"aiohttp", "cli", "graphemes", "http2", "redis"} == extras
