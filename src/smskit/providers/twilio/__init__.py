"""Twilio Programmable Messaging (REST API 2010-04-01): the provider's facts.

``_wire`` (paths, parameter names, status words, dates, environment
variables, throughput), ``_errors`` (error codes) and ``_signing``
(``X-Twilio-Signature``) are plain data and pure functions, shared by the
driver, webhook verification and the local emulator. Nothing is public yet.
"""

from __future__ import annotations

__all__: list[str] = []
