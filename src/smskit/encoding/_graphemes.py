r"""Extended grapheme clusters (Unicode UAX #29), via the optional ``regex``.

The standard library has no grapheme segmentation and ``unicodedata`` does not
expose the Grapheme_Cluster_Break, Extended_Pictographic or
Indic_Conjunct_Break properties it needs; ``regex`` implements ``\X`` in C
and follows each new Unicode version, so smskit uses it as the ``graphemes``
extra instead of shipping and maintaining property tables of its own.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Protocol, cast

from smskit._exceptions import ConfigurationError

__all__ = ["grapheme_bounds"]


class _Pattern(Protocol):
    def findall(self, string: str) -> list[str]: ...  # pragma: no cover


@functools.lru_cache(maxsize=1)
def _cluster_pattern() -> _Pattern:
    r"""Compile ``\X`` once, or explain how to install ``regex``."""
    try:
        regex = importlib.import_module("regex")
    except ImportError:
        raise ConfigurationError(
            "split='graphemes' needs the 'regex' package for Unicode grapheme "
            "clusters; install it with: pip install 'smskit-sdk[graphemes]'"
        ) from None
    return cast("_Pattern", regex.compile(r"\X"))


def grapheme_bounds(
    text: str, two_unit: re.Pattern[str], multi: int
) -> list[tuple[int, int]] | None:
    """Cut a text into parts without breaking grapheme clusters where possible.

    Each cluster goes whole into the current part if it fits, else whole into
    a new part. A cluster larger than a whole part cannot stay together: it
    fills the current part and continues in the next, cut between code points
    (never inside a two-unit character), instead of overfilling a part.

    Args:
        text: The text, already known to need more than one part.
        two_unit: Matches the characters that cost two units.
        multi: Capacity of each concatenated part.

    Returns:
        ``[(0, 0), ..., (len(text), total units)]`` as (character index, unit
        offset) pairs; ``None`` when every cluster is one code point, so the
        plain 3GPP split gives the same parts.

    Raises:
        ConfigurationError: ``regex`` is not installed.
    """
    clusters = _cluster_pattern().findall(text)
    if len(clusters) == len(text):
        return None
    bounds = [(0, 0)]
    index = unit = used = 0
    for cluster in clusters:
        cost = len(cluster) + len(two_unit.findall(cluster))
        if used + cost <= multi:
            used += cost
        elif cost <= multi:
            bounds.append((index, unit))
            used = cost
        else:
            # Larger than a part: fill this part, continue in the next ones.
            for char in cluster:
                char_cost = 2 if two_unit.match(char) else 1
                if used + char_cost > multi:
                    bounds.append((index, unit))
                    used = 0
                used += char_cost
                index += 1
                unit += char_cost
            continue
        index += len(cluster)
        unit += cost
    bounds.append((index, unit))
    return bounds
