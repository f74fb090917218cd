"""Every Twilio test runs without the developer's own Twilio variables."""

from __future__ import annotations

import pytest

VARIABLES = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_REGION",
    "TWILIO_EDGE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and hosts come only from what each test sets."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
