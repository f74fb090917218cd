"""Vonage's SMS API (``rest.nexmo.com/sms/json``): the provider's facts.

``_wire`` (hosts, paths, parameter names, status words, dates, environment
variables, throughput), ``_errors`` (send statuses, DLR error codes, the
throttle hint) and ``_signing`` (``sig``) are plain data and pure functions,
shared by the driver, webhook verification and the local emulator. Nothing
is public yet.
"""

from __future__ import annotations

__all__: list[str] = []
