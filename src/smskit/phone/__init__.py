"""Phone numbers and sender IDs: E.164 normalization, number facts, destination rules.

This is the only part of smskit that uses the phonenumbers library::

    >>> from smskit import phone
    >>> phone.to_e164("Tel: +1 (415) 555-2671")
    '+14155552671'
"""

from __future__ import annotations

import inspect as _inspect

from ._models import PhoneNumber
from ._normalize import NormalizeResult, normalize_many, parse, to_e164
from ._policy import NumberPolicy
from ._sender import SenderId, SenderIdKind
from ._time import is_quiet_hours, local_time
from ._types import NumberType, PhoneNumberReason, SenderIdReason

__all__ = [
    "NormalizeResult",
    "NumberPolicy",
    "NumberType",
    "PhoneNumber",
    "PhoneNumberReason",
    "SenderId",
    "SenderIdKind",
    "SenderIdReason",
    "is_quiet_hours",
    "local_time",
    "normalize_many",
    "parse",
    "to_e164",
]

# Show the public home in reprs, docs and tracebacks, not the private module.
for _name in __all__:
    _obj = globals()[_name]
    if _inspect.isclass(_obj) or _inspect.isfunction(_obj):
        _obj.__module__ = __name__
del _name, _obj
