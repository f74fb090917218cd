"""The emulator's own request and response values, independent of any server.

Dialects turn an `EmulatorRequest` into an `EmulatorResponse` without touching
sockets, so they can be tested (and reused) without starting a server.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Literal
from urllib.parse import parse_qsl

import attrs

__all__ = [
    "MAX_JSON_DEPTH",
    "EmulatorRequest",
    "EmulatorResponse",
    "Params",
    "first",
    "parse_json",
]

Params = dict[str, list[str]]
"""Decoded form or query parameters: each name with all of its values."""

MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects a JSON body may have.

Provider payloads are flat; a deeper body is an attack on the parser.
"""

_FORM = "application/x-www-form-urlencoded"
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(body: bytes) -> Any:
    """Decode a JSON body the emulator can safely store, sign and echo.

    Args:
        body: The raw body (UTF-8, or UTF-16/32 with the JSON detection rules).

    Returns:
        The decoded value.

    Raises:
        ValueError: The body is not JSON, nests deeper than `MAX_JSON_DEPTH`,
            or holds a string with a lone surrogate (a JSON escape such as
            D800 on its own), which no webhook or signature could encode later.
    """
    try:
        value = json.loads(body)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    _check_tree(value)
    return value


def _check_tree(value: Any) -> None:
    """Walk ``value`` without recursion, checking depth and strings."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ValueError("JSON text holds a lone surrogate (not UTF-8 text)")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        children = [*item, *item.values()] if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)


@attrs.frozen(kw_only=True)
class EmulatorRequest:
    """One HTTP request as the emulator received it.

    Attributes:
        method: The HTTP method, upper-case.
        path: The path, without the query string.
        query: The raw query string (without ``?``).
        headers: Header names lower-cased, mapped to their values.
        body: The raw body.
    """

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), if present."""
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased, without parameters."""
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    def query_params(self) -> Params:
        """The query string's parameters."""
        return _decode_pairs(self.query)

    def form(self) -> Params:
        """The body's form parameters (empty unless the body is a form)."""
        if self.content_type != _FORM:
            return {}
        return _decode_pairs(self.body.decode("utf-8", errors="replace"))

    def json(self) -> Any:
        """The body decoded as JSON (see `parse_json`).

        Raises:
            ValueError: The body is not valid JSON, too deep, or holds text
                that cannot be encoded.
        """
        return parse_json(self.body)

    def basic_auth(self) -> tuple[str, str] | None:
        """The username and password of an ``Authorization: Basic`` header."""
        value = self.header("authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, colon, password = decoded.partition(":")
        return (username, password) if colon else None


@attrs.frozen(kw_only=True)
class EmulatorResponse:
    """One HTTP response for the server to write.

    Attributes:
        status: The HTTP status code.
        body: The raw body.
        headers: Extra headers (``Content-Length`` is added by the server).
        drop: Instead of answering, drop the connection: ``"reset"`` resets
            it (a client sees the connection fail), ``"close"`` closes it (a
            client sees it end without an answer). ``None`` answers.
    """

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    drop: Literal["reset", "close"] | None = None

    @classmethod
    def dropped(cls, *, reset: bool) -> EmulatorResponse:
        """No answer: the server resets or closes the connection instead."""
        return cls(status=0, drop="reset" if reset else "close")

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> EmulatorResponse:
        """A JSON response (compact, UTF-8, like the providers send)."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return cls(
            status=status,
            body=body,
            headers=(("Content-Type", "application/json; charset=utf-8"), *headers),
        )


def first(params: Params, name: str) -> str | None:
    """The first value of parameter ``name``, or ``None`` if it is absent."""
    values = params.get(name)
    return values[0] if values else None


def _decode_pairs(text: str) -> Params:
    params: Params = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params
