"""Masking for logs and reprs: phone numbers and message bodies stay private.

`mask_phone` follows one rule, documented in the models guide
(docs/models.md, "Masked numbers"):

- An alphanumeric sender ID (1 to 11 ASCII letters, digits or spaces, at least
  one of them a letter) is a brand name, not personal data: it is shown whole.
- An international number (a ``+`` before its first digit) keeps its country
  code. Of the digits after it, the national significant number, at most the
  last four are shown, and at least half of them, and never fewer than three,
  are hidden: ``+14155552671`` → ``+1•••2671``, ``+2906677`` → ``+290•••7``.
- Any other value with digits (a national number, a short code, Vonage's
  digits without ``+``) cannot be split into country code, trunk prefix and
  subscriber number, so its first digit is counted as a possible trunk prefix
  and the same rule applies to the digits after it:
  ``07911123456`` → ``•••3456``, ``12345`` → ``•••5``.
- Anything else shows only the mask.

The mask itself is always three bullets, whatever the number of digits hidden,
so a masked number does not reveal its length either.
"""

from __future__ import annotations

import re

import httpx

__all__ = ["MASK", "mask_body", "mask_phone", "safe_url"]

MASK = "\u2022\u2022\u2022"  # •••

_MAX_SHOWN = 4
"""The most trailing digits `mask_phone` ever shows."""
_MIN_HIDDEN = 3
"""The fewest digits `mask_phone` hides (all of them when there are fewer)."""

# Every assigned country calling code (ITU-T E.164), one world zone a line.
# Country codes are prefix-free, so the first 1-3 digits that are one of these
# are the code. A static table keeps smskit.phone the one door to the
# phone-number library and costs no parsing; tests/test_redact.py checks it
# against that library's table. A code missing here fails safe: the number is
# masked without showing any country.
_WORLD_ZONES = (
    "1",  # North America
    "20 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 "
    "233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 "
    "252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 27 290 "
    "291 297 298 299",  # mostly Africa
    "30 31 32 33 34 350 351 352 353 354 355 356 357 358 359 36 370 371 372 373 "
    "374 375 376 377 378 380 381 382 383 385 386 387 389 39",  # Europe
    "40 41 420 421 423 43 44 45 46 47 48 49",  # Europe
    "500 501 502 503 504 505 506 507 508 509 51 52 53 54 55 56 57 58 590 591 592 "
    "593 594 595 596 597 598 599",  # Central and South America
    "60 61 62 63 64 65 66 670 672 673 674 675 676 677 678 679 680 681 682 683 685 "
    "686 687 688 689 690 691 692",  # South-East Asia and Oceania
    "7",  # Russia and Kazakhstan
    # East Asia, and non-geographic services such as 800 and 882
    "800 808 81 82 84 850 852 853 855 856 86 870 878 880 881 882 883 886 888",
    "90 91 92 93 94 95 960 961 962 963 964 965 966 967 968 970 971 972 973 974 "
    "975 976 977 979 98 992 993 994 995 996 998",  # West, South, Central Asia
)
_COUNTRY_CODES = frozenset(code for zone in _WORLD_ZONES for code in zone.split())
_PLUS_SIGNS = frozenset("+\uff0b")  # ASCII and full-width, as smskit.phone reads
# What sender IDs may be (see smskit.phone.SenderId): never a number, since a
# letter is required.
_ALPHANUMERIC_ID = re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_BEFORE_FIRST_DIGIT = re.compile(r"\D*")  # \D: not a Unicode decimal digit


def mask_phone(number: str | None) -> str:
    """Mask a phone number for a log line or a repr.

    Enough stays visible to tell numbers apart and to see the country, never
    enough to call anyone; the rule is in this module's docstring. The
    common case, an E.164 string, takes a few dictionary lookups and no
    parsing.

    Args:
        number: An E.164 number, a number in any other spelling, a short code
            or an alphanumeric sender ID; ``None`` or ``""`` for none.

    Returns:
        The masked value; ``""`` for ``None`` or ``""``.

    Examples:
        >>> mask_phone("+14155552671")
        '+1•••2671'
        >>> mask_phone("ACME")
        'ACME'
    """
    if not number:
        return ""
    if number[0] == "+" and number.isascii() and number[1:].isdigit():
        return _mask_international(number[1:])
    if _ALPHANUMERIC_ID.fullmatch(number):
        return number
    return _mask_other(number)


def _mask_international(digits: str) -> str:
    """Mask the ASCII digits that followed a ``+``."""
    for length in (1, 2, 3):
        code = digits[:length]
        if code in _COUNTRY_CODES:
            return f"+{code}{MASK}{_tail(digits[length:])}"
    # An unknown country code: nothing can be shown as "the country".
    return f"+{MASK}{_tail(digits)}"


def _mask_other(text: str) -> str:
    """Mask anything but a plain E.164 string or an alphanumeric sender ID."""
    # Unicode digits (Arabic-Indic, full-width, ...) count as digits, as they
    # do in smskit.phone; int() turns each into its ASCII digit.
    digits = "".join(str(int(char)) for char in text if char.isdecimal())
    prefix = _BEFORE_FIRST_DIGIT.match(text)
    if prefix is not None and not _PLUS_SIGNS.isdisjoint(prefix.group()):
        return _mask_international(digits)
    # The first digit may be a trunk prefix (the 0 of 07911 123456), which is
    # not part of the national significant number whose digits the rule counts.
    return f"{MASK}{digits[len(digits) - _shown(len(digits) - 1) :]}"


def _tail(digits: str) -> str:
    """The last digits of a national significant number that may be shown."""
    return digits[len(digits) - _shown(len(digits)) :]


def _shown(count: int) -> int:
    """How many trailing digits of ``count`` may be shown.

    At most `_MAX_SHOWN`, at most half, and never so many that fewer than
    `_MIN_HIDDEN` stay hidden.
    """
    return max(0, min(_MAX_SHOWN, count // 2, count - _MIN_HIDDEN))


def mask_body(body: str | None) -> str:
    """Replace a body by its length: ``"<42 characters>"``."""
    return "" if body is None else f"<{len(body)} characters>"


def safe_url(url: httpx.URL) -> str:
    """The URL without its query string or user info, which may carry credentials."""
    return str(url.copy_with(query=None, fragment=None, username=None, password=None))
