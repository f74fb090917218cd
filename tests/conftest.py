"""Shared test configuration."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings

import smskit
from client_helpers import Both, MakeClient, client_of_kind

# CI runs more examples; local runs stay quick.
settings.register_profile(
    "default", max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=500, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test on asyncio and on trio."""
    return str(request.param)


@pytest.fixture
def requests() -> list[httpx.Request]:
    """Every request the engine builds for the clients of `make_client`."""
    return []


@pytest.fixture(params=["sync", "async"])
def make_client(
    request: pytest.FixtureRequest, requests: list[httpx.Request]
) -> MakeClient:
    """Make a sync or an async client (both run) that records its requests."""

    def make(provider: Any, **options: Any) -> Both:
        options.setdefault("hooks", smskit.Hooks(on_request=requests.append))
        return client_of_kind(request.param, provider, **options)

    return make
