"""Opt-out, opt-in and help keywords in inbound messages.

Carriers and providers act on a message that *is* one of these words, so a
keyword is recognised only when it is the whole message once surrounding
whitespace and punctuation are removed, in any case: ``" Stop! "`` opts out,
``"stop sending me these"`` does not (Twilio and the US carriers' CTIA
handbook behave the same way).
"""

from __future__ import annotations

import string
from typing import Literal

__all__ = [
    "HELP_KEYWORDS",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "Intent",
    "intent_of",
    "keyword_of",
]

Intent = Literal["opt_out", "opt_in", "help"]
"""What an inbound keyword asks for."""

OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
"""Words that opt the sender out (the issue's list plus Twilio's REVOKE, OPTOUT)."""
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
"""Words that opt the sender back in."""
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
"""Words that ask for help."""

_INTENTS: dict[str, Intent] = {
    **dict.fromkeys(OPT_OUT_KEYWORDS, "opt_out"),
    **dict.fromkeys(OPT_IN_KEYWORDS, "opt_in"),
    **dict.fromkeys(HELP_KEYWORDS, "help"),
}
# Whitespace (Unicode included, via str.strip()) and ASCII plus common
# typographic punctuation that phones add around a word.
_PUNCTUATION = (
    string.punctuation + "\u00a1\u00bf\u2018\u2019\u201c\u201d\u2026\u3002\uff01\uff1f"
)


def keyword_of(body: str) -> str | None:
    """The keyword ``body`` consists of, upper-cased, or ``None``.

    Args:
        body: The inbound text.

    Returns:
        ``"STOP"``, ``"START"``, ``"HELP"``, … when the whole message, without
        surrounding whitespace and punctuation, is that word in any case.
    """
    word = body.strip().strip(_PUNCTUATION).strip().upper()
    return word if word in _INTENTS else None


def intent_of(body: str) -> Intent | None:
    """``"opt_out"``, ``"opt_in"`` or ``"help"`` for a keyword message, or ``None``."""
    keyword = keyword_of(body)
    return None if keyword is None else _INTENTS[keyword]
