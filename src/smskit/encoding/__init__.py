r"""GSM-7 / UCS-2 encoding and segment analysis.

How many SMS parts a text costs, exactly as 3GPP TS 23.038/23.040 define it:

>>> from smskit.encoding import analyze
>>> info = analyze("Meet me at 5 o\u2019clock")
>>> info.encoding, info.segment_count
(<Encoding.UCS2: 'UCS-2'>, 1)
>>> info.non_gsm_characters[0].name
'RIGHT SINGLE QUOTATION MARK'
"""

from __future__ import annotations

from smskit.encoding._analyze import (
    DEFAULT_MAX_SEGMENTS,
    analyze,
    check_length,
    segment_count,
)
from smskit.encoding._models import (
    Encoding,
    NationalLanguage,
    NonGsmCharacter,
    Segment,
    SegmentInfo,
    SmartEncodingResult,
)
from smskit.encoding._smart import smart_encode

__all__ = [
    "DEFAULT_MAX_SEGMENTS",
    "Encoding",
    "NationalLanguage",
    "NonGsmCharacter",
    "Segment",
    "SegmentInfo",
    "SmartEncodingResult",
    "analyze",
    "check_length",
    "segment_count",
    "smart_encode",
]

# Present every public object as smskit.encoding.X in reprs, tracebacks and docs.
for _name in __all__:
    _obj = globals()[_name]
    if hasattr(_obj, "__module__"):  # the int constants have none
        _obj.__module__ = __name__
del _name, _obj
