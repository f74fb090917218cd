"""The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1).

Everything here is data plus compiled C-speed matchers; no per-character
Python loops. Position 0x1B of the basic table is ESC, the switch to the
extension table, so it is not a character: U+001B typed by a user is *not*
GSM (it would be read as ESC by the receiver).
"""

from __future__ import annotations

import re

__all__ = [
    "BASIC",
    "BASIC_ASCII_BYTES",
    "EXTENSION",
    "EXTENSION_ASCII_BYTES",
    "EXTENSION_RE",
    "NON_BASIC_RE",
    "NON_GSM_RE",
]

# The 128 positions of the basic table in septet order, ESC (0x1B) excluded.
# Position 0x09 is capital Ç (U+00C7): small ç (U+00E7) is not GSM.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00-0x0F
    "Δ_ΦΓΛΩΠΨΣΘΞ"  # 0x10-0x1A
    "ÆæßÉ"  # 0x1C-0x1F (0x1B is ESC)
    " !\"#¤%&'()*+,-./"  # 0x20-0x2F
    "0123456789:;<=>?"  # 0x30-0x3F
    "¡ABCDEFGHIJKLMNO"  # 0x40-0x4F
    "PQRSTUVWXYZÄÖÑÜ§"  # 0x50-0x5F
    "¿abcdefghijklmno"  # 0x60-0x6F
    "pqrstuvwxyzäöñüà"  # 0x70-0x7F
)

# The ten characters of the extension table; each costs ESC + code = 2 septets.
EXTENSION = "\f^{}\\[~]|€"


def char_class(chars: str, *, negate: bool = False) -> str:
    """Return a regex character class matching exactly ``chars``.

    Args:
        chars: The characters of the class.
        negate: Match every character *not* in ``chars`` instead.

    Returns:
        The pattern text, such as ``[^ab]``.
    """
    # re.escape on each character keeps "]", "\\", "^" and "-" literal.
    body = "".join(re.escape(char) for char in sorted(set(chars)))
    return f"[{'^' if negate else ''}{body}]"


NON_BASIC_RE = re.compile(char_class(BASIC, negate=True))
NON_GSM_RE = re.compile(char_class(BASIC + EXTENSION, negate=True))
EXTENSION_RE = re.compile(char_class(EXTENSION))

# ASCII text is checked with bytes.translate(None, delete), which is several
# times faster than a regex scan: deleting the basic characters leaves exactly
# the characters that are not one-septet GSM.
BASIC_ASCII_BYTES = bytes(sorted(ord(c) for c in BASIC if c.isascii()))
EXTENSION_ASCII_BYTES = bytes(sorted(ord(c) for c in EXTENSION if c.isascii()))
