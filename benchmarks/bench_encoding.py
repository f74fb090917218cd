"""Throughput of smskit.encoding against the PyPI peers smsutil and sms-counter.

Run with ``scripts/bench`` (it installs the peers into ``.venv-bench`` only);
a peer that is not installed is reported and skipped. Prints strings/s and
characters/s per function on a seeded corpus, and how often each peer's
segment count disagrees with smskit's.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Callable
from typing import Any

from smskit.encoding import analyze, segment_count

SEED = 20240229
GSM_WORDS = [
    "your",
    "order",
    "has",
    "shipped",
    "and",
    "will",
    "arrive",
    "tomorrow",
    "between",
    "9",
    "and",
    "12",
    "reply",
    "STOP",
    "to",
    "opt",
    "out",
    "code",
    "verification",
    "appointment",
    "Dr.",
    "Smith",
    "confirmed",
    "Tuesday",
    "call",
    "us",
    "at",
    "555-0100",
    "thanks!",
    "see",
    "you",
    "soon",
    "@",
    "10:30",
    "£5",
    "off",
    "€",
]
EXTENSION = "{}[]~|^\\€"
EMOJI = "😀😂👍🏽🎉❤️🇺🇸👨‍👩‍👧🔥✅🙏"
CJK = "你好我们的订单已经发货明天到达请回复验证码是感谢您的耐心等待"
ARABIC = "مرحبا طلبك في الطريق وسيصل غدا رمز التحقق شكرا لك"
MIXED = (
    "Café \u201cquoted\u201d \u2014 naïve façade Ωmega ж ç \u2019 \u2026 "
    + EMOJI[:4]
    + CJK[:4]
)


def words(rng: random.Random, length: int, extra: str = "", rate: float = 0.0) -> str:
    """Random GSM words up to ``length``, sprinkling characters of ``extra``."""
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(GSM_WORDS)
        if extra and rng.random() < rate:
            word += rng.choice(extra)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:length]


def from_alphabet(rng: random.Random, length: int, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


# The kinds of text in the mixed corpus, in the order corpus() cycles through.
KINDS = (
    "GSM words",
    "GSM words + escapes",
    "all escapes",
    "words + emoji",
    "all emoji",
    "CJK",
    "Latin words, Arabic letter",
    "Arabic",
    "mixed scripts",
)


def corpus(size: int) -> list[str]:
    """Seeded realistic and adversarial texts of 0 to 1600 characters.

    Text ``i`` is of kind ``KINDS[i % len(KINDS)]``.
    """
    rng = random.Random(SEED)
    makers: list[Callable[[int], str]] = [
        lambda n: words(rng, n),
        lambda n: words(rng, n, EXTENSION, 0.3),
        lambda n: from_alphabet(rng, n, EXTENSION),  # adversarial: all escapes
        lambda n: words(rng, n, EMOJI, 0.3),
        lambda n: from_alphabet(rng, n // 2, EMOJI),  # adversarial: all pairs
        lambda n: from_alphabet(rng, n, CJK),
        lambda n: words(rng, n, ARABIC, 0.0).replace("e", "\u0647"),
        lambda n: from_alphabet(rng, n, ARABIC),
        lambda n: words(rng, n, MIXED, 0.2),
    ]
    texts = []
    for index in range(size):
        # Most real messages are short; keep a tail up to Twilio's 1600 limit.
        length = rng.choice((0, 1, 70, 160, 161)) if index % 10 == 0 else 0
        length = length or min(1600, int(rng.expovariate(1 / 200)))
        texts.append(makers[index % len(makers)](length))
    return texts


def realistic(size: int) -> list[str]:
    """About 180-character messages, mostly GSM, as a sender's traffic."""
    rng = random.Random(SEED + 1)
    makers = [
        lambda: words(rng, 180),
        lambda: words(rng, 180),
        lambda: words(rng, 180, EXTENSION, 0.1),
        lambda: words(rng, 180, "\u2019\u201c\u201d\u2026", 0.05),
        lambda: words(rng, 180, EMOJI, 0.05),
    ]
    return [makers[index % len(makers)]() for index in range(size)]


def rates(
    functions: dict[str, Callable[[str], Any]], texts: list[str], seconds: float
) -> dict[str, float]:
    """Strings/s of each function: the sum of its best time on each chunk.

    The corpus is cut into chunks of 100 texts. Each chunk is timed in
    rounds, every function once per round in turn, so that a slow spell of a
    shared machine hits all of them alike, and each function keeps its best
    (least disturbed) time per chunk, as ``timeit`` advises. Each timing
    follows an untimed pass of the same function over the same chunk: without
    it, whichever function ran after another paid for the caches that one
    left behind, about 6 % on this corpus, so the order of ``functions``
    changed the ratios. The rounds are as many as fit in about ``seconds``
    per function, and at least 5.
    """
    chunks = [texts[start : start + 100] for start in range(0, len(texts), 100)]
    one_round = sum(_timed(function, texts) for function in functions.values())
    rounds = max(5, int(seconds * len(functions) / (2 * one_round)))
    total = dict.fromkeys(functions, 0.0)
    for chunk in chunks:
        best = dict.fromkeys(functions, float("inf"))
        for _ in range(rounds):
            for name, function in functions.items():
                _timed(function, chunk)  # warm up
                best[name] = min(best[name], _timed(function, chunk))
        for name in functions:
            total[name] += best[name]
    return {name: len(texts) / elapsed for name, elapsed in total.items()}


def _timed(function: Callable[[str], Any], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)
    return time.perf_counter() - start


def peers() -> dict[str, tuple[Callable[[str], Any], Callable[[str], int]]]:
    """The installed peers: name -> (function to time, segment count)."""
    found: dict[str, tuple[Callable[[str], Any], Callable[[str], int]]] = {}
    try:
        import smsutil
    except ImportError:
        print("smsutil: not installed (run scripts/bench)")
    else:
        found["smsutil.split"] = (smsutil.split, lambda t: len(smsutil.split(t).parts))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from sms.counter import SMSCounter
    except ImportError:
        print("sms-counter: not installed (run scripts/bench)")
    else:
        counter = SMSCounter()
        found["sms-counter count"] = (counter.count, lambda t: counter.count(t).segment)
    return found


def report(name: str, per_second: float, chars: float, baseline: float | None) -> None:
    ratio = f"{per_second / baseline:8.1f}x" if baseline else ""
    print(
        f"  {name:<28} {per_second:>12,.0f} strings/s "
        f"{per_second * chars:>14,.0f} chars/s {ratio}"
    )


# Cases from the design note where the rules are easy to get wrong:
# (name, text, parts required by 3GPP TS 23.038/23.040).
KNOWN_CASES = [
    ("empty text", "", 1),
    ("U+001B is not GSM", "\x1b" * 100, 2),
    ("153 x ']' (escape at 153)", "]" * 153, 3),
    ("67 emoji (pair at 67)", "\U0001f600" * 67, 3),
    ("35 emoji", "\U0001f600" * 35, 1),
    ("152 a + euro + 7 a", "a" * 152 + "\u20ac" + "a" * 7, 2),
    ("80 a + CRLF + 79 a", "a" * 80 + "\r\n" + "a" * 79, 2),
]


def known_cases(
    found: dict[str, tuple[Callable[[str], Any], Callable[[str], int]]],
) -> None:
    print("\nknown cases (parts: expected / smskit / peers)")
    for name, text, expected in KNOWN_CASES:
        got = [segment_count(text)] + [count(text) for _, count in found.values()]
        marks = " ".join(f"{n}{'' if n == expected else '!'}" for n in got)
        print(f"  {name:<28} {expected:>3} / {marks}")
    print(f"  (peer order: {', '.join(found)}; '!' marks a wrong count)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=2000, help="corpus size")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per function")
    parser.add_argument(
        "--by-kind",
        action="store_true",
        help="also time analyze() against the fastest peer on each kind of text",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # sms-counter uses deprecated pydantic APIs

    found = peers()
    known_cases(found)
    for title, texts in (
        (f"mixed corpus: {args.size} texts of 0-1600 chars", corpus(args.size)),
        ("realistic ~180-char messages", realistic(1000)),
    ):
        chars = sum(map(len, texts)) / len(texts)
        print(f"\n{title} (mean {chars:.0f} chars, seed {SEED})")
        measured = rates(
            {
                "smskit analyze": analyze,
                "smskit segment_count": segment_count,
                **{name: function for name, (function, _) in found.items()},
            },
            texts,
            args.seconds,
        )
        fastest = max((measured[name] for name in found), default=None)
        for name, per_second in measured.items():
            report(name, per_second, chars, fastest)
        if fastest:
            print("  (ratios are against the fastest peer)")
        for name, (_, count) in found.items():
            wrong = sum(count(text) != segment_count(text) for text in texts)
            print(
                f"  {name}: segment count differs from smskit on {wrong}/{len(texts)}"
            )
    if args.by_kind and found:
        by_kind(corpus(args.size), found, args.seconds)


def by_kind(
    texts: list[str],
    found: dict[str, tuple[Callable[[str], Any], Callable[[str], int]]],
    seconds: float,
) -> None:
    """Print analyze() against the fastest peer for each kind of mixed text."""
    print("\nanalyze() by kind of text (mixed corpus)")
    for index, kind in enumerate(KINDS):
        subset = texts[index :: len(KINDS)]
        measured = rates(
            {"analyze": analyze, **{name: fn for name, (fn, _) in found.items()}},
            subset,
            seconds / len(KINDS),
        )
        fastest = max(measured[name] for name in found)
        chars = sum(map(len, subset)) / len(subset)
        print(
            f"  {kind:<28} mean {chars:5.0f} chars "
            f"{measured['analyze']:>10,.0f} /s {measured['analyze'] / fastest:6.1f}x"
        )


if __name__ == "__main__":
    main()
