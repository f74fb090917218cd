"""`smskit.RateLimit.preset`'s table, built from each provider's published rates.

The numbers are provider facts and live in ``providers/<name>/_wire.py``
(``THROUGHPUT``). The engine must not import providers, so `RateLimit.preset`
(in ``smskit._core``) reads this table through a call-time import of this
module, which sits above both layers.
"""

from __future__ import annotations

from smskit._core._ratelimit import RateLimit
from smskit.providers.plivo import _wire as plivo
from smskit.providers.twilio import _wire as twilio
from smskit.providers.vonage import _wire as vonage

__all__ = ["PRESETS"]

PRESETS: dict[str, RateLimit] = {
    name: RateLimit(
        rate=numbers.rate, burst=numbers.burst, per=numbers.per, cost=numbers.cost
    )
    for table in (twilio.THROUGHPUT, vonage.THROUGHPUT, plivo.THROUGHPUT)
    for name, numbers in table.items()
}
"""Every preset name -> its `RateLimit`."""
