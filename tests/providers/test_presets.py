"""RateLimit.preset reads each provider's published throughput."""

from __future__ import annotations

from types import ModuleType
from typing import get_args

import pytest

import smskit
from smskit._core._ratelimit import RateLimitPreset
from smskit._presets import PRESETS
from smskit.providers.plivo import _wire as plivo
from smskit.providers.twilio import _wire as twilio
from smskit.providers.vonage import _wire as vonage


def test_every_preset_name_is_typed() -> None:
    """The Literal users type against names exactly the presets there are."""
    assert set(get_args(RateLimitPreset)) == set(PRESETS)


@pytest.mark.parametrize(
    ("module", "prefix"), [(twilio, "twilio"), (vonage, "vonage"), (plivo, "plivo")]
)
def test_each_provider_names_its_own_presets(module: ModuleType, prefix: str) -> None:
    names = set(module.THROUGHPUT)
    assert names
    assert all(name.startswith(prefix) for name in names)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_is_the_providers_numbers(name: str) -> None:
    numbers = {**twilio.THROUGHPUT, **vonage.THROUGHPUT, **plivo.THROUGHPUT}[name]
    limit = smskit.RateLimit.preset(name)  # type: ignore[arg-type]  # names come from PRESETS
    assert numbers._asdict() == {
        "rate": limit.rate,
        "burst": limit.burst,
        "per": limit.per,
        "cost": limit.cost,
    }
