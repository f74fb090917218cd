"""`AiohttpClient`: an `httpx.AsyncClient` whose requests go over aiohttp's pool.

httpx's own async pool costs several times the CPU of aiohttp's under many
concurrent sends (``benchmarks/bench_send.py``). This transport keeps httpx's
interface (requests, responses, errors, timeouts, proxies, TLS options) and
lets aiohttp carry the bytes. It is smskit's own, lean bridge: an SMS API
answers with a small JSON document, so each response is read whole inside
aiohttp and handed to httpx as bytes, instead of being streamed chunk by
chunk through two layers of async iterators; and httpx's percent-encoded URL
goes to aiohttp as it is, instead of being parsed and quoted again.

aiohttp speaks HTTP/1.1 only and runs on asyncio only. httpx's timeouts map
onto aiohttp's as httpx-aiohttp maps them: connect to ``sock_connect``, read
to ``sock_read``, pool to ``connect`` (which includes waiting for a free
connection); aiohttp has no write timeout.
"""

from __future__ import annotations

import asyncio
import ssl
from base64 import b64encode
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
import yarl

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["AiohttpClient", "AiohttpTransport"]

# aiohttp's errors -> httpx's, looked up by the error's most derived class, so
# they mean to smskit what httpx's own pool would raise: only a failure to
# connect says the request never left ("not sent"); a server that hung up
# mid-request, a reset or a read timeout leaves it possibly delivered.
_ERRORS: dict[type[BaseException], type[httpx.TransportError]] = {
    aiohttp.ClientProxyConnectionError: httpx.ProxyError,
    aiohttp.ClientHttpProxyError: httpx.ProxyError,
    aiohttp.ClientConnectorError: httpx.ConnectError,
    aiohttp.ConnectionTimeoutError: httpx.ConnectTimeout,
    aiohttp.SocketTimeoutError: httpx.ReadTimeout,
    aiohttp.ServerTimeoutError: httpx.TimeoutException,
    aiohttp.ServerDisconnectedError: httpx.RemoteProtocolError,
    aiohttp.ClientPayloadError: httpx.ReadError,
    aiohttp.ClientResponseError: httpx.RemoteProtocolError,
    aiohttp.NonHttpUrlClientError: httpx.UnsupportedProtocol,
    aiohttp.InvalidUrlClientError: httpx.UnsupportedProtocol,
    aiohttp.ClientConnectionError: httpx.ReadError,
    asyncio.TimeoutError: httpx.TimeoutException,
}
_HTTP_11 = b"HTTP/1.1"


def _httpx_error(error: BaseException) -> httpx.TransportError | None:
    """The httpx error for an aiohttp one, or ``None`` if it has none."""
    for kind in type(error).__mro__:
        target = _ERRORS.get(kind)
        if target is not None:
            return target(str(error) or type(error).__name__)
    return None


def _headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    """The request's headers with their names as given (httpx lower-cases)."""
    encoding = headers.encoding
    return [(k.decode(encoding), v.decode(encoding)) for k, v in headers.raw]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests over one `aiohttp.ClientSession`.

    The session (and its connection pool) is created on the first request,
    inside the running event loop, and closed by `aclose`.

    Args:
        ssl_context: TLS settings, from `httpx.create_ssl_context`.
        limits: ``max_connections`` caps the pool; ``keepalive_expiry`` is how
            long an idle connection is kept.
        proxy: Send every request through this HTTP proxy.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
        proxy: httpx.Proxy | None = None,
    ) -> None:
        self._ssl_context = ssl_context
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._proxy: dict[str, Any] = {}
        # What a plain-HTTP request adds for the proxy, which reads it; an
        # HTTPS one tunnels through CONNECT, which carries them instead.
        self._forward_headers: list[tuple[str, str]] = []
        if proxy is not None:
            headers = _headers(proxy.headers)
            if proxy.auth is not None:
                # As httpx's own pool sends it (aiohttp's BasicAuth is deprecated,
                # and its proxy_headers reach only a CONNECT).
                pair = ":".join(proxy.auth).encode("utf-8")
                headers.append(
                    ("Proxy-Authorization", f"Basic {b64encode(pair).decode()}")
                )
            self._forward_headers = headers
            self._proxy = {
                "proxy": yarl.URL(str(proxy.url), encoded=True),
                "proxy_headers": headers,
            }
        # One ClientTimeout per distinct httpx timeout (there is usually one).
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        limit = self._limits.max_connections
        connector = aiohttp.TCPConnector(
            ssl=self._ssl_context,
            keepalive_timeout=self._limits.keepalive_expiry,
            limit=0 if limit is None else limit,
        )
        # httpx keeps the cookies (if any) itself; a second jar in aiohttp
        # would send them twice and cost a lookup per request.
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,  # httpx decodes, as for its own pool
        )
        return self._session

    def _timeout(self, given: Mapping[str, float | None]) -> aiohttp.ClientTimeout:
        key = (given.get("connect"), given.get("read"), given.get("pool"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            # aiohttp's "connect" includes waiting for a free connection.
            timeout = aiohttp.ClientTimeout(
                sock_connect=key[0], sock_read=key[1], connect=key[2]
            )
            if len(self._timeouts) < 16:
                self._timeouts[key] = timeout
        return timeout

    def _request_headers(self, request: httpx.Request) -> list[tuple[str, str]]:
        headers = _headers(request.headers)
        if self._forward_headers and request.url.scheme == "http":
            headers.extend(self._forward_headers)
        return headers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and return the whole response.

        Raises:
            httpx.TransportError: The matching httpx error for aiohttp's.
        """
        session = self._session or self._open()
        try:
            data: bytes | httpx.AsyncByteStream | None = request.content or None
        except httpx.RequestNotRead:
            data = request.stream  # type: ignore[assignment]
            request.headers.pop("transfer-encoding", None)  # aiohttp chunks
        try:
            async with session.request(
                request.method,
                # httpx has already percent-encoded the URL: no second pass.
                yarl.URL(str(request.url), encoded=True),
                headers=self._request_headers(request),
                data=data,
                allow_redirects=False,
                compress=False,
                timeout=self._timeout(request.extensions.get("timeout", {})),
                server_hostname=request.extensions.get("sni_hostname"),
                **self._proxy,
            ) as answer:
                content = await answer.read()
        except Exception as error:
            mapped = _httpx_error(error)
            if mapped is None:
                raise
            raise mapped from error
        extensions: dict[str, Any] = {"http_version": _HTTP_11}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode()
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=httpx.ByteStream(content),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class _SetCookiesOnly(httpx.Cookies):
    """httpx's cookie store, passing over answers that set no cookie.

    httpx hands every response to the standard library's cookie jar, which
    builds a request and a header message for it first (~15 % of the client's
    own work per request here); an answer without ``Set-Cookie`` adds nothing
    to the jar, so skipping it changes nothing.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class AiohttpClient(httpx.AsyncClient):
    """`httpx.AsyncClient` over `AiohttpTransport`, proxies included.

    It takes `httpx.AsyncClient`'s arguments; ``http2`` is refused.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.cookies = self._cookies

    @property
    def cookies(self) -> httpx.Cookies:
        """Cookies the servers set, sent back with later requests."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: httpx._types.CookieTypes) -> None:
        self._cookies = _SetCookiesOnly(cookies)

    def _init_transport(  # noqa: PLR0917 -- httpx's signature
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(),  # noqa: B008 -- httpx's default
        transport: httpx.AsyncBaseTransport | None = None,
        **_: Any,
    ) -> httpx.AsyncBaseTransport:
        if transport is not None:
            return transport
        return AiohttpTransport(
            ssl_context=httpx.create_ssl_context(
                verify=verify, cert=cert, trust_env=trust_env
            ),
            limits=limits,
        )

    def _init_proxy_transport(  # noqa: PLR0917 -- httpx's signature
        self,
        proxy: httpx.Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(),  # noqa: B008 -- httpx's default
        **_: Any,
    ) -> httpx.AsyncBaseTransport:
        return AiohttpTransport(
            ssl_context=httpx.create_ssl_context(
                verify=verify, cert=cert, trust_env=trust_env
            ),
            limits=limits,
            proxy=proxy,
        )
