"""Drive the sync and the async client with the same test code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import smskit


class Both:
    """Call the sync or the async client with the same code."""

    def __init__(self, client: smskit.Client | smskit.AsyncClient) -> None:
        self.client = client

    async def send(self, **kwargs: Any) -> smskit.Message:
        result = self.client.send(**kwargs)
        return await result if isinstance(result, Awaitable) else result

    async def fetch(self, message_id: Any) -> smskit.Message:
        result = self.client.fetch(message_id)
        return await result if isinstance(result, Awaitable) else result

    async def send_many(self, messages: Any, **kwargs: Any) -> list[smskit.BulkResult]:
        """Every result of `send_many`, in the order they came."""
        if isinstance(self.client, smskit.AsyncClient):
            async with self.client.send_many(messages, **kwargs) as results:
                return [result async for result in results]
        return list(self.client.send_many(messages, **kwargs))

    async def preview(self, **kwargs: Any) -> smskit.Preview:
        result = self.client.preview(**kwargs)
        return await result if isinstance(result, Awaitable) else result

    async def close(self) -> None:
        if isinstance(self.client, smskit.AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()


MakeClient = Callable[..., Both]


def client_of_kind(kind: str, provider: Any, **options: Any) -> Both:
    """A sync (``kind == "sync"``) or async client, wrapped in `Both`."""
    if kind == "sync":
        return Both(smskit.Client(provider, **options))
    return Both(smskit.AsyncClient(provider, **options))


class RecordingLimiter(smskit.LocalLimiter):
    """A local limiter that also records the cost of every reservation."""

    def __init__(self, limit: smskit.RateLimit) -> None:
        super().__init__(limit)
        self.reserved: list[float] = []

    def reserve(self, key: str, cost: float) -> float:
        self.reserved.append(cost)
        return super().reserve(key, cost)
