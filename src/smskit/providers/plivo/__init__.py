"""Plivo's Message API (v1): the provider's facts.

``_wire`` (paths, parameter names, message states, dates, environment
variables, throughput), ``_errors`` (HTTP statuses and delivery error codes)
and ``_signing`` (V3 and V2 signatures) are plain data and pure functions,
shared by the driver, webhook verification and the local emulator. Nothing
is public yet.
"""

from __future__ import annotations

__all__: list[str] = []
