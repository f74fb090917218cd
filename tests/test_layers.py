"""smskit's layers, checked by reading every import statement in src/smskit.

The rules (issue 12, design note "provider-layout"):

* a provider (``smskit.providers.**``) never imports the engine
  (``smskit._core``) or the emulator (``smskit._emulator``);
* the engine never imports providers, the client or the emulator;
* the emulator imports a provider's facts (``_wire``, ``_errors``,
  ``_signing``), ``providers._common`` and the sandbox's state, never a
  provider's behaviour (request builders, webhook code, the package faces);
* no module inside the package imports the package's face: ``import smskit``
  or ``from smskit import X`` where X is not a submodule.

Every import counts, in functions and under ``TYPE_CHECKING`` too: a type
is a dependency as well.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "smskit"

# What the emulator may take from the providers: each provider's facts, the
# shared helpers, and the sandbox's state (its records and magic numbers),
# never the sandbox's own HTTP API (_server, _wire, _api).
_EMULATOR_MAY_IMPORT = re.compile(
    r"smskit\.providers\.("
    r"_common"
    r"|(?!sandbox\.)[a-z]+\.(_wire|_errors|_signing)"
    r"|sandbox\.(_state|_record|_magic)"
    r")"
)

# Offenders in files owned elsewhere, each with the change that fixes it.
# The test fails when one of these no longer offends, so the list only shrinks.
PENDING: dict[tuple[str, str], str] = {}


@attrs.frozen
class Import:
    """One module one import statement brings in."""

    importer: str
    target: str
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        where = self.path.relative_to(SRC.parent)
        return (
            f"{where}:{self.line}: {self.importer} imports {self.target}: {self.text}"
        )


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module or package inside src (not an attribute)."""
    base = SRC.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _absolute(node: ast.ImportFrom, importer: str, path: Path) -> str:
    """The module a ``from … import`` names, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _targets(node: ast.AST, importer: str, path: Path) -> Iterator[str]:
    """The modules an import statement brings in.

    ``from P import a, b`` brings in ``P.a`` and ``P.b`` when they are
    submodules, and ``P`` itself for every name that is not.
    """
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        module = _absolute(node, importer, path)
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            yield submodule if _is_module(submodule) else module


def _statement(lines: list[str], node: ast.stmt) -> str:
    """The statement's source on one line."""
    end = node.end_lineno or node.lineno
    return " ".join(" ".join(lines[node.lineno - 1 : end]).split())


@functools.cache
def imports() -> tuple[Import, ...]:
    """Every smskit module imported anywhere in src/smskit."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        importer = _module_name(path)
        for node in ast.walk(ast.parse(source, str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            text = _statement(lines, node)
            for target in dict.fromkeys(_targets(node, importer, path)):
                if target == "smskit" or target.startswith("smskit."):
                    found.append(Import(importer, target, path, node.lineno, text))
    return tuple(found)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def broken_rule(item: Import) -> str | None:
    """The layer rule ``item`` breaks, or ``None``."""
    importer, target = item.importer, item.target
    if target == "smskit" and importer != "smskit":
        return "imports the package's face; import the submodule that defines it"
    if _within(importer, "smskit.providers") and (
        _within(target, "smskit._core") or _within(target, "smskit._emulator")
    ):
        return "a provider imports the engine or the emulator"
    if _within(importer, "smskit._core"):
        for layer in ("smskit.providers", "smskit._client", "smskit._emulator"):
            if _within(target, layer):
                return "the engine imports providers, the client or the emulator"
    if (
        _within(importer, "smskit._emulator")
        and _within(target, "smskit.providers")
        and not _EMULATOR_MAY_IMPORT.fullmatch(target)
    ):
        return "the emulator imports provider behaviour, not provider facts"
    return None


def violations() -> list[tuple[Import, str]]:
    return [(item, rule) for item in imports() if (rule := broken_rule(item))]


def test_the_layers_hold() -> None:
    """No import crosses a layer, except the pending ones listed above."""
    broken = [
        f"{item}\n    -> {rule}"
        for item, rule in violations()
        if (item.importer, item.target) not in PENDING
    ]
    assert not broken, "layer rules broken:\n" + "\n".join(broken)


def test_pending_offenders_still_offend() -> None:
    """A pending entry that was fixed must leave the list."""
    offending = {(item.importer, item.target) for item, _ in violations()}
    assert set() == set(PENDING) - offending


def test_the_scan_sees_the_tree() -> None:
    """The scanner finds the imports it must judge (a scan of nothing passes)."""
    found = {(item.importer, item.target) for item in imports()}
    assert ("smskit._emulator._twilio", "smskit.providers.twilio._wire") in found
    assert ("smskit._core._flow", "smskit._core._policy") in found
    # A lazy import inside a function counts too.
    assert ("smskit._core._ratelimit", "smskit._presets") in found


def _judge(importer: str, statement: str, path: str = "x.py") -> list[str]:
    """The rules a made-up import statement in module ``importer`` breaks."""
    node = ast.parse(statement).body[0]
    file = PACKAGE / path
    return [
        rule
        for target in _targets(node, importer, file)
        if (rule := broken_rule(Import(importer, target, file, 1, statement)))
    ]


@pytest.mark.parametrize(
    ("importer", "statement"),
    [
        (
            "smskit.providers.twilio._api",
            "from smskit._core._policy import RetryPolicy",
        ),
        ("smskit.providers.sandbox._api", "import smskit._emulator._common"),
        ("smskit._core._flow", "from smskit.providers._protocol import Provider"),
        ("smskit._core._sync", "from smskit import _client"),
        ("smskit._core._flow", "from smskit._client import Client"),
        ("smskit._emulator._twilio", "from smskit.providers.twilio import _api"),
        ("smskit._emulator._twilio", "from smskit.providers.twilio._webhooks import x"),
        ("smskit._emulator._plivo", "from smskit.providers import Sandbox"),
        ("smskit._emulator._plivo", "import smskit.providers.sandbox._api"),
        ("smskit._emulator._control", "from smskit.providers.sandbox import _server"),
        ("smskit._emulator._control", "from smskit.providers.sandbox._wire import x"),
        ("smskit._models", "import smskit"),
        ("smskit.encoding._analyze", "from smskit import Status"),
    ],
)
def test_each_rule_catches_its_offence(importer: str, statement: str) -> None:
    assert _judge(importer, statement)


@pytest.mark.parametrize(
    ("importer", "statement"),
    [
        ("smskit._emulator._twilio", "from smskit.providers.twilio import _wire"),
        ("smskit._emulator._vonage", "from smskit.providers.vonage._errors import x"),
        ("smskit._emulator._plivo", "import smskit.providers.plivo._signing"),
        ("smskit._emulator._server", "from smskit.providers.sandbox._state import S"),
        ("smskit._emulator._vonage", "from smskit.providers._common import utc"),
        ("smskit._core._ratelimit", "from smskit import _checks"),
        ("smskit._client", "from smskit import encoding, phone"),
        ("smskit.providers.twilio._wire", "from smskit._models import Status"),
        ("smskit", "from smskit import providers as providers"),
    ],
)
def test_allowed_imports_pass(importer: str, statement: str) -> None:
    assert [] == _judge(importer, statement)


def test_relative_imports_are_resolved() -> None:
    """``from .. import x`` inside providers/twilio is smskit.providers.x."""
    rules = _judge(
        "smskit.providers.twilio._api",
        "from ..._core import _policy",
        path="providers/twilio/_api.py",
    )
    assert ["a provider imports the engine or the emulator"] == rules


def test_a_message_names_the_module_and_line() -> None:
    item = Import(
        "smskit._models", "smskit", PACKAGE / "_models.py", 7, "import smskit"
    )
    assert "src/smskit/_models.py:7: smskit._models imports smskit: import smskit" == (
        str(item)
    )
