"""The URL a provider signed, rebuilt from what your server received.

Behind a proxy, a load balancer or a tunnel, your server sees
``http://10.0.0.5:8000/hooks/sms`` while the provider signed
``https://hooks.example.com/hooks/sms``: every signature then fails. The two
fixes are both explicit:

* a public base URL: the scheme and host (and a path prefix) of the received
  URL are replaced by yours;
* a list of trusted proxies: ``X-Forwarded-Proto``, ``X-Forwarded-Host``,
  ``X-Forwarded-Port`` and ``Forwarded`` (RFC 7239) are believed only when the
  peer that connected (``request.remote_addr``) is one of them.

Forwarded headers are never believed by default: anyone can send them, and
believing them from anyone lets a caller pick the URL the signature is
checked against.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Iterable, Sequence

import attrs

from smskit import _checks as checks
from smskit._exceptions import ConfigurationError, WebhookVerificationError
from smskit.providers._protocol import WebhookRequest

__all__ = ["PublicUrl", "display_url"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# A host as it may appear in a URL: a name, an IPv4 address or a bracketed
# IPv6 address, with an optional port. Anything else (a slash, an "@", a
# space) in a forwarded host would let a header rewrite more than the host.
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
    r"|\[[0-9A-Fa-f:.]+\])"
    r"(?::[0-9]{1,5})?"
)
_PORT = re.compile(r"[0-9]{1,5}")
_SCHEMES = ("http", "https")


def display_url(url: str) -> str:
    """``url`` fit for an error message: no credentials, no query values.

    A webhook URL may carry basic-auth credentials (``https://user:pass@…``)
    or a token in its query string; neither belongs in a log.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


@attrs.frozen
class _Forwarded:
    """What one proxy said about the request it forwarded."""

    proto: str | None = None
    host: str | None = None
    port: str | None = None
    client: str | None = None  # the "for=" of RFC 7239: that proxy's peer


class PublicUrl:
    """How to rebuild the URL a provider signed from the URL your server saw.

    Give either ``base`` or ``trusted_proxies``:

    * ``PublicUrl("https://hooks.example.com")``: the scheme and host (and
      port) of every received URL are replaced by the base's; its path, if
      any, is put before the received path (for a proxy that strips a
      prefix). The received path and query are kept.
    * ``PublicUrl(trusted_proxies=["10.0.0.0/8"])``: forwarded headers are
      believed when ``request.remote_addr`` is in one of these networks.
      With a chain of proxies, the rule is the one used for client
      addresses: starting from the nearest proxy, step back one hop while
      the ``for=`` address that hop reported is itself a trusted proxy; the
      values of the outermost trusted proxy reached are used, since they
      describe the request as it came from outside. ``X-Forwarded-*`` lists
      are read the same way, hop by hop from the right of
      ``X-Forwarded-For``; a header with one value is used as it is.
      ``Forwarded`` wins over ``X-Forwarded-*`` when both are present.

    Args:
        base: The public scheme and host, such as
            ``"https://hooks.example.com"`` or ``"https://example.com:8443/app"``.
        trusted_proxies: IP addresses or CIDR networks of your proxies.

    Raises:
        ConfigurationError: ``base`` is not an http(s) URL with a host and
            nothing but a path, a proxy is not an IP address or network, or
            both or neither were given.
        OptionTypeError: An argument has the wrong type.
    """

    __slots__ = ("_base", "_networks")

    def __init__(
        self, base: str | None = None, *, trusted_proxies: Iterable[str] = ()
    ) -> None:
        if isinstance(trusted_proxies, str):
            # One address given bare would otherwise be read character by character.
            trusted_proxies = (trusted_proxies,)
        networks = tuple(_network(entry) for entry in trusted_proxies)
        if base is not None and networks:
            message = (
                "PublicUrl takes base or trusted_proxies, not both: with a base, "
                "forwarded headers are never read"
            )
            raise ConfigurationError(message)
        if base is None and not networks:
            message = (
                "PublicUrl needs base= (your public https://host) or "
                "trusted_proxies= (the addresses of your proxies)"
            )
            raise ConfigurationError(message)
        self._base = _check_base(base) if base is not None else None
        self._networks = networks

    def __repr__(self) -> str:
        if self._base is not None:
            return f"PublicUrl({urllib.parse.urlunsplit(self._base)!r})"
        proxies = [str(network) for network in self._networks]
        return f"PublicUrl(trusted_proxies={proxies!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicUrl):
            return NotImplemented
        return (self._base, self._networks) == (other._base, other._networks)

    def __hash__(self) -> int:
        return hash((self._base, self._networks))

    @property
    def base(self) -> str | None:
        """The public base URL, or ``None`` when proxies are trusted instead."""
        return urllib.parse.urlunsplit(self._base) if self._base else None

    @property
    def trusted_proxies(self) -> tuple[str, ...]:
        """The trusted proxies' networks, as given (normalised)."""
        return tuple(str(network) for network in self._networks)

    def describe(self) -> str:
        """How this rebuilds URLs, in words for an error message."""
        if self._base is not None:
            return f"public_url base {display_url(urllib.parse.urlunsplit(self._base))}"
        return f"forwarded headers of trusted proxies {list(self.trusted_proxies)}"

    def rebuild(self, request: WebhookRequest) -> str:
        """The URL the provider signed, for ``request``.

        Args:
            request: The request as your server received it.

        Returns:
            The received URL with its scheme and host replaced by the base's,
            or by what a trusted proxy forwarded (the received URL as it is
            when the peer is not a trusted proxy).

        Raises:
            WebhookVerificationError: A trusted proxy forwarded a scheme or
                host that cannot be part of a URL.
        """
        received = urllib.parse.urlsplit(request.url)
        if self._base is not None:
            scheme, netloc, prefix, _, _ = self._base
            path = prefix.rstrip("/") + received.path if prefix else received.path
            return urllib.parse.urlunsplit(
                (scheme, netloc, path, received.query, received.fragment)
            )
        if not self.trusts(request.remote_addr):
            return request.url
        forwarded = self._outermost(request)
        return urllib.parse.urlunsplit(
            (*_scheme_and_netloc(received, forwarded), *received[2:])
        )

    def trusts(self, address: str | None) -> bool:
        """Whether ``address`` (a peer address) is one of the trusted proxies."""
        parsed = _address(address)
        return parsed is not None and any(
            parsed in network for network in self._networks
        )

    def _outermost(self, request: WebhookRequest) -> _Forwarded:
        """What the outermost trusted proxy of the chain forwarded."""
        header = request.header("forwarded")
        hops = _parse_forwarded(header) if header is not None else _x_forwarded(request)
        if not hops:
            return _Forwarded()
        index = len(hops) - 1  # added by remote_addr, a trusted proxy
        while index > 0 and self.trusts(hops[index].client):
            index -= 1
        return hops[index]


def _network(entry: object) -> _Network:
    if not isinstance(entry, str):
        checks.instance("PublicUrl trusted_proxies entry", entry, str)
        raise AssertionError  # unreachable: instance() raised
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        message = (
            f"PublicUrl trusted_proxies entry {checks.quote(entry)} is not an IP "
            "address or network (such as '10.0.0.1' or '10.0.0.0/8')"
        )
        raise ConfigurationError(message) from None


def _check_base(base: object) -> urllib.parse.SplitResult:
    if not isinstance(base, str):
        checks.instance("PublicUrl base", base, str)
        raise AssertionError  # unreachable: instance() raised
    parts = urllib.parse.urlsplit(base.strip())
    problem = None
    if parts.scheme not in _SCHEMES:
        problem = "must start with https:// or http://"
    elif not parts.hostname or not _HOST.fullmatch(parts.netloc):
        problem = "must name a host (and no user or password)"
    elif parts.query or parts.fragment:
        problem = "must not have a query or fragment (the received ones are kept)"
    if problem is not None:
        # Shown without the value: a mistyped base may hold a password.
        raise ConfigurationError(f"PublicUrl base {problem}")
    return parts


def _address(value: str | None) -> _Address | None:
    """An IP address from a peer address or a ``for=`` value, else ``None``."""
    if not value:
        return None
    text = value.strip().strip('"')
    if text.startswith("["):  # "[2001:db8::1]:4711"
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:  # "192.0.2.1:4711"
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None  # "unknown", "_hidden", or not an address at all


def _parse_forwarded(header: str) -> list[_Forwarded]:
    """The hops of an RFC 7239 ``Forwarded`` header, nearest last."""
    hops = []
    for element in _split_outside_quotes(header, ","):
        pairs: dict[str, str] = {}
        for pair in _split_outside_quotes(element, ";"):
            name, sign, value = pair.partition("=")
            if sign:
                pairs[name.strip().lower()] = _unquote(value.strip())
        # RFC 7239's host= carries the port too, as the Host header does.
        hops.append(
            _Forwarded(
                proto=pairs.get("proto"),
                host=pairs.get("host"),
                client=pairs.get("for"),
            )
        )
    return hops


def _x_forwarded(request: WebhookRequest) -> list[_Forwarded]:
    """The hops of the ``X-Forwarded-*`` headers, nearest last.

    Each proxy appends its peer to ``X-Forwarded-For``; proxies that append
    to the other headers too give lists of the same length, and those that
    overwrite them give one value, which is then every hop's.
    """
    clients = _values(request.header("x-forwarded-for"))
    protos = _values(request.header("x-forwarded-proto"))
    hosts = _values(request.header("x-forwarded-host"))
    ports = _values(request.header("x-forwarded-port"))
    count = max(len(clients), len(protos), len(hosts), len(ports))
    return [
        _Forwarded(
            proto=_hop(protos, index, count),
            host=_hop(hosts, index, count),
            port=_hop(ports, index, count),
            client=_hop(clients, index, count),
        )
        for index in range(count)
    ]


def _hop(values: Sequence[str], index: int, count: int) -> str | None:
    """The value hop ``index`` of ``count`` added, aligned from the right."""
    if len(values) == 1:
        return values[0]
    position = index - (count - len(values))
    return values[position] if position >= 0 else None


def _values(header: str | None) -> list[str]:
    if header is None:
        return []
    return [value.strip() for value in header.split(",") if value.strip()]


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _scheme_and_netloc(
    received: urllib.parse.SplitResult, forwarded: _Forwarded
) -> tuple[str, str]:
    scheme = received.scheme
    if forwarded.proto is not None:
        scheme = forwarded.proto.lower()
        if scheme not in _SCHEMES:
            message = (
                "a trusted proxy forwarded the scheme "
                f"{checks.quote(forwarded.proto)}, which is not http or https"
            )
            raise WebhookVerificationError(message)
    netloc = received.netloc.rpartition("@")[2]
    if forwarded.host is not None:
        if not _HOST.fullmatch(forwarded.host):
            message = (
                f"a trusted proxy forwarded the host {checks.quote(forwarded.host)}, "
                "which is not a host name or address"
            )
            raise WebhookVerificationError(message)
        netloc = forwarded.host
    if forwarded.port is not None:
        if not _PORT.fullmatch(forwarded.port) or not 0 < int(forwarded.port) < 65536:
            message = (
                f"a trusted proxy forwarded the port {checks.quote(forwarded.port)}, "
                "which is not a port number"
            )
            raise WebhookVerificationError(message)
        netloc = f"{_without_port(netloc)}:{forwarded.port}"
    return scheme, netloc


def _without_port(netloc: str) -> str:
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1]
    return netloc.partition(":")[0]
