"""GSM-7 alphabets: the default one and national language shift combinations.

A national language *locking* shift table replaces the basic table for the
whole message; a *single* shift table replaces the extension table reached
through ESC (3GPP TS 23.038 §6.2.1.2). Each table in use is announced by a
3-octet information element in the user data header, which costs room.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable

import attrs

from smskit._exceptions import ConfigurationError, OptionTypeError
from smskit.encoding._gsm7 import (
    BASIC,
    EXTENSION,
    SeptetCodec,
    char_class,
    septet_codec,
)
from smskit.encoding._models import NationalLanguage
from smskit.encoding._national_tables import LOCKING_SHIFT, SINGLE_SHIFT
from smskit.encoding._split import single_and_multi

__all__ = ["Alphabet", "candidate_alphabets", "resolve_languages"]


@attrs.frozen(kw_only=True)
class Alphabet:
    """One combination of locking and single shift tables.

    Attributes:
        locking: The locking shift table, or ``None`` for the basic table.
        single: The single shift table, or ``None`` for the extension table.
        chars: Every character the combination can encode.
        codec: Encodes a text to one byte per character, in C.
        two_unit: Matches the characters that cost two septets (reached
            through ESC and not also in the locking table).
        single_capacity: Septets in a lone part.
        multi_capacity: Septets in each concatenated part.
    """

    locking: NationalLanguage | None
    single: NationalLanguage | None
    chars: frozenset[str]
    codec: SeptetCodec
    two_unit: re.Pattern[str]
    single_capacity: int
    multi_capacity: int

    @property
    def tables(self) -> tuple[NationalLanguage | None, NationalLanguage | None]:
        """The locking and single shift tables, as a pair."""
        return self.locking, self.single

    @property
    def shift_ies(self) -> int:
        """How many shift information elements the header carries."""
        return (self.locking is not None) + (self.single is not None)


@functools.cache
def alphabet(
    locking: NationalLanguage | None, single: NationalLanguage | None
) -> Alphabet:
    """Build (once) the alphabet of a table combination.

    Args:
        locking: Locking shift language, or ``None`` for the default table.
        single: Single shift language, or ``None`` for the default table.

    Returns:
        The alphabet.
    """
    one = LOCKING_SHIFT[locking.nli] if locking else BASIC
    shifted = SINGLE_SHIFT[single.nli] if single else EXTENSION
    # A character present in both tables is sent unshifted, for one septet.
    two = "".join(sorted(set(shifted) - set(one)))
    single_capacity, multi_capacity = single_and_multi(
        gsm=True, shift_ies=(locking is not None) + (single is not None)
    )
    return Alphabet(
        locking=locking,
        single=single,
        chars=frozenset(one + shifted),
        codec=septet_codec(one, two),
        two_unit=re.compile(char_class(two)),
        single_capacity=single_capacity,
        multi_capacity=multi_capacity,
    )


_LANGUAGES_TYPE = (
    "national_languages must be a smskit.encoding.NationalLanguage, an ISO 639-1 "
    "code such as 'tr', or an iterable of them; got {}"
)


def resolve_languages(
    languages: Iterable[NationalLanguage | str] | NationalLanguage | str | None,
) -> tuple[NationalLanguage, ...]:
    """Validate the ``national_languages`` option.

    Args:
        languages: ``None``, one language or an iterable of languages, each a
            :class:`NationalLanguage` or its ISO 639-1 code such as ``"tr"``
            (case-insensitive).

    Returns:
        The languages, without duplicates, in the order given.

    Raises:
        OptionTypeError: The option, or one of its values, is of the wrong
            type (such as ``b"tr"`` or ``5``).
        ConfigurationError: A value is not a known language.
    """
    if languages is None:
        return ()
    values: object = (languages,) if isinstance(languages, str) else languages
    # bytes iterate as ints, which would read as unknown languages 116, 114.
    if isinstance(values, (bytes, bytearray)) or not isinstance(values, Iterable):
        raise OptionTypeError(_LANGUAGES_TYPE.format(type(values).__name__))
    resolved: dict[NationalLanguage, None] = {}
    for language in values:
        if not isinstance(language, str):  # NationalLanguage is a str
            raise OptionTypeError(_LANGUAGES_TYPE.format(type(language).__name__))
        try:
            resolved[NationalLanguage(language.lower())] = None
        except ValueError:
            known = ", ".join(repr(member.value) for member in NationalLanguage)
            raise ConfigurationError(
                f"unknown national language {language!r}; use a "
                f"smskit.encoding.NationalLanguage or one of {known}"
            ) from None
    return tuple(resolved)


@functools.lru_cache(maxsize=256)
def candidate_alphabets(
    languages: tuple[NationalLanguage, ...],
) -> tuple[Alphabet, ...]:
    """Return every table combination the languages allow, default first.

    Args:
        languages: Resolved languages (see :func:`resolve_languages`).

    Returns:
        Alphabets ordered by how many shift IEs they need, so that on a tie in
        parts the combination with the smallest header wins.
    """
    lockings = [None, *(lang for lang in languages if lang.nli in LOCKING_SHIFT)]
    singles = [None, *(lang for lang in languages if lang.nli in SINGLE_SHIFT)]
    combos = [
        alphabet(lock, single) for lock, single in itertools.product(lockings, singles)
    ]
    return tuple(sorted(combos, key=lambda combo: combo.shift_ies))
