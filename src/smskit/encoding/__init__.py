"""GSM-7 / UCS-2 encoding and segment analysis."""

from __future__ import annotations

import enum

__all__ = ["Encoding"]


class Encoding(str, enum.Enum):
    """The character encoding an SMS is sent in."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"

    def __str__(self) -> str:
        return self.value
