"""The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1).

Everything here is data plus compiled C-speed matchers; no per-character
Python loops. Position 0x1B of the basic table is ESC, the switch to the
extension table, so it is not a character: U+001B typed by a user is *not*
GSM (it would be read as ESC by the receiver).
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from _codecs import _EncodeCharMap

__all__ = [
    "BASIC",
    "DEFAULT_CODEC",
    "ESC_BYTE",
    "BASIC_ASCII_BYTES",
    "EXTENSION",
    "EXTENSION_ASCII_BYTES",
    "EXTENSION_RE",
    "NON_BASIC_RE",
    "NON_GSM_RE",
    "ASCII_SPACE",
    "SeptetCodec",
    "UnitSpace",
    "septet_codec",
    "unit_space",
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


# -- One byte per character, in C ---------------------------------------------
#
# codecs.charmap_encode with a table from codecs.charmap_build (the machinery
# behind every stdlib single-byte codec, such as cp1252) turns a text into one
# byte per character in a single C pass, and fails on the first character the
# alphabet lacks. Byte 0 must decode to NUL for charmap_build to make its fast
# 3-level table; NUL is in no GSM table, so a 0 byte in the output means "not
# encodable". The one-septet characters take bytes 1.., the two-septet ones
# the bytes after them.

ESC_BYTE = 0x1B
_TWO_SEPTET_MARK = b"\x80"
_ESCAPED_MARK = b"\x1b\x80"
_FILLER = b"\xff"


class UnitSpace(NamedTuple):
    """Turns one byte per character into one byte per septet, in C.

    Septet space is what ``_split.cut_parts`` cuts: ESC (0x1B) then 0x80 for
    each two-septet character, 0x00 for each one-septet character.

    Attributes:
        mark: A ``bytes.translate`` table: two-septet bytes to 0x80, every
            other byte to 0x00.
        escape: A ``bytes.translate`` table: two-septet bytes to ESC, every
            other byte to the filler 0xFF.
    """

    mark: bytes
    escape: bytes

    def build(self, data: bytes, pairs: int) -> bytes:
        """Return ``data`` in septet space.

        Args:
            data: One byte per character.
            pairs: How many of them are two-septet characters.

        Returns:
            One byte per septet.
        """
        marks = data.translate(self.mark)
        if 4 * pairs <= len(data):
            # A few pairs: insert ESC before each (bytes.replace pays per match).
            return marks.replace(_TWO_SEPTET_MARK, _ESCAPED_MARK)
        # Many pairs: interleave ESC-or-filler with the marks, drop the fillers.
        units = bytearray(2 * len(data))
        units[0::2] = data.translate(self.escape)
        units[1::2] = marks
        return bytes(units).translate(None, _FILLER)


def unit_space(two_septet_bytes: bytes) -> UnitSpace:
    """Build the septet space tables for the given two-septet bytes.

    Args:
        two_septet_bytes: The bytes that stand for two-septet characters.

    Returns:
        The tables.
    """
    mark, escape = bytearray(256), bytearray(_FILLER * 256)
    for byte in two_septet_bytes:
        mark[byte], escape[byte] = _TWO_SEPTET_MARK[0], ESC_BYTE
    return UnitSpace(bytes(mark), bytes(escape))


# Septet space straight from ASCII text (one byte per character already).
ASCII_SPACE = unit_space(EXTENSION_ASCII_BYTES)


class SeptetCodec(NamedTuple):
    """An alphabet as a charmap: text -> one byte per character, in C.

    Attributes:
        encoding_map: The table for ``codecs.charmap_encode``.
        two_septet_bytes: The bytes that stand for two-septet characters.
        space: Turns those bytes into septet space.
    """

    encoding_map: _EncodeCharMap
    two_septet_bytes: bytes
    space: UnitSpace

    def encode_known(self, text: str) -> bytes:
        """Return one byte per character of a text known to be encodable.

        Raises:
            UnicodeEncodeError: A character is not in the alphabet. (NUL
                encodes to byte 0, which callers must treat as missing.)
        """
        return codecs.charmap_encode(text, "strict", self.encoding_map)[0]

    def septets(self, data: bytes) -> int:
        """Septets of an encoded text: one per byte, two for ESC characters."""
        return 2 * len(data) - len(data.translate(None, self.two_septet_bytes))

    def septet_space(self, data: bytes, septets: int) -> bytes:
        """Return an encoded text in septet space (see :class:`UnitSpace`).

        Args:
            data: The text, from :meth:`encode_known`.
            septets: Its septets, from :meth:`septets`.

        Returns:
            One byte per septet.
        """
        return self.space.build(data, septets - len(data))


def septet_codec(one_septet: str, two_septet: str) -> SeptetCodec:
    """Build the charmap of an alphabet.

    Args:
        one_septet: The characters of the (basic or locking shift) table.
        two_septet: The characters reached only through ESC.

    Returns:
        The codec.
    """
    decoding = "\0" + one_septet + two_septet
    first_two = len(decoding) - len(two_septet)
    # U+FFFE marks an unused byte, as in the stdlib's generated codecs. (No
    # table comes near byte 0xFF, the filler of septet space; a test checks.)
    encoding_map = codecs.charmap_build(decoding + "\ufffe" * (256 - len(decoding)))
    two_bytes = bytes(range(first_two, len(decoding)))
    return SeptetCodec(encoding_map, two_bytes, unit_space(two_bytes))


DEFAULT_CODEC = septet_codec(BASIC, EXTENSION)
