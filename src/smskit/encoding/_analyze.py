"""analyze(), segment_count() and check_length(): the public entry points."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from smskit._exceptions import ConfigurationError, MessageTooLong, OptionTypeError
from smskit.encoding._check import require_text
from smskit.encoding._engine import (
    choose,
    default_count,
    default_info,
    default_septets,
    segments_for,
)
from smskit.encoding._gsm7 import NON_GSM_RE
from smskit.encoding._models import (
    Encoding,
    NationalLanguage,
    SegmentInfo,
    SmartEncodingResult,
    character_name,
)
from smskit.encoding._national import candidate_alphabets, resolve_languages
from smskit.encoding._smart import smart_encode

__all__ = [
    "DEFAULT_MAX_SEGMENTS",
    "Languages",
    "Split",
    "analyze",
    "check_length",
    "segment_count",
]

DEFAULT_MAX_SEGMENTS = 10
"""Parts a message may need before :func:`check_length` rejects it."""

# The concatenation header numbers parts in one octet (TS 23.040).
_MAX_PARTS = 255

Split = Literal["3gpp", "graphemes"]
Languages = Iterable[NationalLanguage | str] | NationalLanguage | str | None

_GSM7, _UCS2 = Encoding.GSM7, Encoding.UCS2


def _split_mode(split: str) -> bool:
    """Validate ``split``; return whether it asks for grapheme clusters."""
    if split == "graphemes":
        return True
    if split == "3gpp":
        return False
    if not isinstance(split, str):
        raise OptionTypeError(
            f"split must be '3gpp' or 'graphemes', not {type(split).__name__}"
        )
    raise ConfigurationError(f"split must be '3gpp' or 'graphemes', not {split!r}")


def analyze(
    text: str,
    *,
    smart_encoding: bool = False,
    national_languages: Languages = None,
    split: Split = "3gpp",
) -> SegmentInfo:
    r"""Work out how a text is encoded and cut into SMS parts.

    Follows 3GPP TS 23.038/23.040 exactly: GSM-7 when every character is in
    the GSM alphabet (an extension character such as ``€`` or ``{`` costs two
    septets), else UCS-2 for the whole message (an emoji costs two UTF-16
    units). A lone part holds 160 septets or 70 units; concatenated parts hold
    153 or 67. An escape sequence or surrogate pair is never split across
    parts, and an empty text is one (empty) part.

    Never raises on any ``str`` (or subclass of it). Surrogate code points
    that are not part of a character (``"\ud800"``, or text decoded with
    ``surrogateescape``) cannot be encoded in a real SMS; each is counted as
    one UCS-2 unit, treated as a character on its own (never paired with a
    neighbour) and listed in :attr:`SegmentInfo.non_gsm_characters` as
    ``<surrogate-D800>``.

    Example:
        >>> info = analyze("Hello {name}, your code is 1234")
        >>> info.encoding, info.segment_count, info.total_units
        (<Encoding.GSM7: 'GSM-7'>, 1, 33)

    Args:
        text: The message body.
        smart_encoding: Replace Unicode look-alikes (curly quotes, dashes, …)
            with GSM characters, as Twilio's Smart Encoding does, but only
            when that makes the whole text GSM-7 without adding a part (a tab
            becomes seven spaces, so a replacement can cost more parts than
            it saves); see :attr:`SegmentInfo.smart_encoding` for both
            outcomes.
        national_languages: National language shift tables the recipients
            support (opt-in; see :class:`NationalLanguage`). The combination
            needing the fewest parts is chosen, the default alphabet winning
            ties.
        split: ``"3gpp"`` cuts between any two characters. ``"graphemes"``
            keeps each extended grapheme cluster (an emoji with modifiers, a
            letter with its accents) inside one part when it fits, as Twilio
            does; it needs ``pip install 'smskit-sdk[graphemes]'``.

    Returns:
        The encoding and parts.

    Raises:
        ArgumentTypeError: ``text`` is not a ``str`` (such as ``bytes``).
        ConfigurationError: An option is invalid, or ``split="graphemes"``
            without the ``regex`` package.
    """
    if not smart_encoding and not national_languages and split == "3gpp":
        try:
            return default_info(text)  # the hot path
        except TypeError:
            # default_info() fails at once on a non-str; checking the type
            # only here keeps the check off the hot path.
            require_text(text)
            raise
    require_text(text)
    graphemes = _split_mode(split)
    alphabets = candidate_alphabets(resolve_languages(national_languages))
    info = segments_for(text, choose(text, alphabets), graphemes=graphemes)
    if not smart_encoding:
        return info
    encoded = smart_encode(text)
    if encoded == text:
        return info
    other = segments_for(encoded, choose(encoded, alphabets), graphemes=graphemes)
    # Never raise the bill: a tab becomes seven spaces, "…" three dots.
    applied = (
        info.encoding is _UCS2
        and other.encoding is _GSM7
        and other.segment_count <= info.segment_count
    )
    outcome = SmartEncodingResult(
        text=encoded,
        applied=applied,
        encoding=other.encoding,
        segment_count=other.segment_count,
        original_segment_count=info.segment_count,
    )
    return (other if applied else info)._replace(smart_encoding=outcome)


def segment_count(
    text: str,
    *,
    smart_encoding: bool = False,
    national_languages: Languages = None,
    split: Split = "3gpp",
) -> int:
    """Return how many parts a text needs: ``analyze(...).segment_count``, faster.

    With the default options this skips building the parts (hundreds of
    thousands of calls per second), for rate limiting and bulk previews.

    Example:
        >>> segment_count("a" * 161), segment_count("😀" * 35)
        (2, 1)

    Args:
        text: The message body.
        smart_encoding: As for :func:`analyze`.
        national_languages: As for :func:`analyze`.
        split: As for :func:`analyze`.

    Returns:
        The number of parts; 1 for an empty text.

    Raises:
        ArgumentTypeError: ``text`` is not a ``str`` (such as ``bytes``).
        ConfigurationError: An option is invalid, or ``split="graphemes"``
            without the ``regex`` package.
    """
    if national_languages or split != "3gpp":
        return analyze(
            text,
            smart_encoding=smart_encoding,
            national_languages=national_languages,
            split=split,
        ).segment_count
    try:
        count = default_count(text)
    except TypeError:
        require_text(text)  # as in analyze(): off the hot path
        raise
    if smart_encoding and default_septets(text) < 0:
        encoded = smart_encode(text)
        if default_septets(encoded) >= 0:
            # analyze() applies a GSM-7 replacement unless it adds parts.
            return min(count, default_count(encoded))
    return count


def check_length(
    text: str | SegmentInfo,
    *,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
    smart_encoding: bool = False,
    national_languages: Languages = None,
    split: Split = "3gpp",
) -> SegmentInfo:
    """Raise :exc:`~smskit.MessageTooLong` if a text needs too many parts.

    Example:
        >>> from smskit import MessageTooLong
        >>> try:
        ...     check_length("x" * 2000)
        ... except MessageTooLong as error:
        ...     print(error.segments, error.max_segments)
        14 10

    Args:
        text: The message body, or the result of :func:`analyze` (the
            remaining options are then ignored).
        max_segments: The most parts allowed, from 1 to 255.
        smart_encoding: As for :func:`analyze`.
        national_languages: As for :func:`analyze`.
        split: As for :func:`analyze`.

    Returns:
        The analysis, for reuse.

    Raises:
        MessageTooLong: The text needs more than ``max_segments`` parts.
        ArgumentTypeError: ``text`` is neither a ``str`` nor a
            :class:`SegmentInfo`.
        OptionTypeError: ``max_segments`` is not an int.
        ConfigurationError: ``max_segments`` is not from 1 to 255, or another
            option is invalid.
    """
    _check_max_segments(max_segments)
    if isinstance(text, SegmentInfo):
        info = text
    else:
        require_text(text, "a str or a SegmentInfo")
        info = analyze(
            text,
            smart_encoding=smart_encoding,
            national_languages=national_languages,
            split=split,
        )
    if info.segment_count > max_segments:
        raise MessageTooLong(
            _too_long_message(info, max_segments),
            segments=info.segment_count,
            max_segments=max_segments,
        )
    return info


def _check_max_segments(max_segments: object) -> None:
    """Refuse a ``max_segments`` that is not an int from 1 to 255."""
    expected = f"max_segments must be an int from 1 to {_MAX_PARTS}"
    if isinstance(max_segments, bool) or not isinstance(max_segments, int):
        raise OptionTypeError(f"{expected}, not {type(max_segments).__name__}")
    if not 1 <= max_segments <= _MAX_PARTS:
        raise ConfigurationError(f"{expected}, not {max_segments!r}")


def _too_long_message(info: SegmentInfo, max_segments: int) -> str:
    units = "septets" if info.encoding is _GSM7 else "UTF-16 units"
    message = (
        f"the message needs {info.segment_count} SMS segments "
        f"({info.total_units} {units}, {info.encoding}) but at most "
        f"{max_segments} are allowed"
    )
    culprit = NON_GSM_RE.search(info.text) if info.encoding is _UCS2 else None
    if culprit is not None:
        # The usual surprise: one curly quote makes the whole text UCS-2.
        char = culprit.group()
        message += (
            f"; it is UCS-2 because of {char!r} ({character_name(char)}) at "
            f"index {culprit.start()}"
        )
    return message
