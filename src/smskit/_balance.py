"""`Balance`: the money left on a provider account."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from smskit import _fields
from smskit._exceptions import ArgumentTypeError, InvalidMessage

__all__ = ["Balance"]

_CURRENCY = re.compile(r"[A-Z]{3}")


def _to_amount(value: Decimal | float | str) -> Decimal:
    """Turn a provider's balance (a string, a float or an integer) into a `Decimal`."""
    # bool is an int, but True is no amount of money.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str, float)):
        message = (
            f"amount must be a Decimal, int, str or float, not {type(value).__name__}"
        )
        raise ArgumentTypeError(message)
    try:
        # str() first so a float keeps the digits it prints (0.1, not 0.1000…055).
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidMessage(f"amount {value!r} is not a number") from None
    if not amount.is_finite():
        raise InvalidMessage(f"amount must be a finite number, not {value!r}")
    return amount


def _currency_code(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        message = f"{attribute.name} must be a str, not {type(value).__name__}"
        raise ArgumentTypeError(message)
    if not _CURRENCY.fullmatch(value):
        message = (
            f"{attribute.name} {value!r} is not an ISO 4217 code "
            "(three upper-case letters, such as 'USD')"
        )
        raise InvalidMessage(message)


def _provider_name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        message = f"{attribute.name} must be a str, not {type(value).__name__}"
        raise ArgumentTypeError(message)


@attrs.frozen(kw_only=True)
class Balance:
    """The money left on a provider account, as ``client.balance()`` reports it.

    ``to_dict()`` / ``from_dict()`` round-trip through JSON and instances
    pickle. The amount is a `Decimal`, never a float, so it adds up exactly.

    Attributes:
        amount: The balance; negative on an account that runs on credit.
            A `Decimal`, `int`, or a `str` or `float` (read through
            ``Decimal(str(x))``, as providers send either) is accepted.
        currency: The ISO 4217 code of ``amount``, such as ``"USD"``.
        provider: The name of the provider that reported it (``""`` when
            built by hand).
    """

    amount: Decimal = attrs.field(converter=_to_amount)
    currency: str = attrs.field(validator=_currency_code)
    provider: str = attrs.field(default="", validator=_provider_name)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict that `from_dict` turns back into ``self``."""
        return _fields.to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Balance:
        """Build a balance from the output of `to_dict`.

        Fields it does not know, such as those a newer smskit adds, are
        ignored.

        Raises:
            ArgumentTypeError: ``data`` is not a mapping, or a field has the
                wrong type.
            InvalidMessage: A field is missing or invalid.
        """
        return _fields.from_dict(cls, data)
