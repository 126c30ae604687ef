"""Number and letter spellings the "okay" spinner produces, repaired in code.

The spinner reads ``1990s`` as "Nineteen Nineties" and the letter K as the word "Okay" (``ISIS-K``
becomes ``ISIS-Okay``, ``K-pop`` becomes ``Okay-pop``, ``U.K.`` becomes ``U.Okay.``). These
functions find such spellings and give the span and its repair; they never touch "okay" used as a
word. Rules of ``kind = "builtin"`` in ``rules/spin/`` name them (with id, confidence, examples).

>>> list(decades("in the Nineteen Nineties and the mid-Nineteen Eighties"))
[(7, 24, '1990s'), (37, 54, '1980s')]
>>> [(s, e, a) for s, e, a in letter_k("ISIS-Okay and Okay-pop, okay?")]
[(5, 9, 'K'), (14, 18, 'K')]
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

_TENS = {"tens": 1, "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6,
         "seventies": 7, "eighties": 8, "nineties": 9}
_CENTURY = {"seventeen": 17, "eighteen": 18, "nineteen": 19}
_DECADE = re.compile(r"\b(Seventeen|Eighteen|Nineteen)[ -](Tens|Twenties|Thirties|Forties|Fifties|Sixties|Seventies|"
                     r"Eighties|Nineties)\b", re.IGNORECASE)

Span = tuple[int, int, str]


def decades(text: str) -> Iterator[Span]:
    """Decades spelled as words: "Nineteen Nineties" -> "1990s"."""
    for m in _decade_matches(text):
        c = _CENTURY[m.group(1).lower()]
        d = _TENS[m.group(2).lower()]
        yield m.start(), m.end(), f"{c}{d}0s"


def _decade_matches(text: str) -> Iterator[re.Match[str]]:
    """``_DECADE.finditer(text)``, tried only where a century word's "teen" is.

    Every match holds "teen" once, 5 (Seventeen) or 4 (Eighteen, Nineteen) characters after its
    start, and no character but T, E and N matches those letters case-blind: the lower-cased
    text shows every place a match can start (unless lower-casing moved the offsets).
    """
    low = text.lower()
    if len(low) != len(text):
        yield from _DECADE.finditer(text)
        return
    p = low.find("teen")
    while p >= 0:
        m = _DECADE.match(text, p - 5) if p >= 5 else None
        m = m or (_DECADE.match(text, p - 4) if p >= 4 else None)
        if m:
            yield m
        p = low.find("teen", p + 4)


# "Okay" standing for the letter K: glued to a hyphenated name or acronym, to digits, or an initial.
_OKAY = re.compile(r"Okay")
_K_BEFORE = re.compile(r"(?:[A-Za-z0-9]-|\d|\b[A-Z]\.|[A-Z]|\b[A-Z][a-z]{1,15} |\bVitamin )\Z")
_K_AFTER = re.compile(r"-[A-Za-z0-9]|[A-Z]{1,4}\b")
_K_AFTER_WORD_END = re.compile(r"(?!\w)")


def letter_k(text: str) -> Iterator[Span]:
    """The letter K written as "Okay" inside names, acronyms and numbers: "ISIS-Okay" -> "ISIS-K"."""
    for m in _OKAY.finditer(text):
        s, e = m.start(), m.end()
        lo = max(0, s - 20)
        glued_after = bool(_K_AFTER.match(text, e))  # Okay-pop, OkayFC
        if glued_after and (s == 0 or not (text[s - 1].isalnum() and text[s - 1].islower())):
            yield s, e, "K"
            continue
        if _K_BEFORE.search(text, lo, s) and _K_AFTER_WORD_END.match(text, e):
            before = text[lo:s]
            if before.endswith("-") or before[-1:].isdigit() or before[-1:].isupper() or before.endswith("."):
                yield s, e, "K"
            elif before.endswith("Vitamin "):
                yield s, e, "K"
            elif re.match(r"\. [A-Z][a-z]", text[e:e + 4]):  # Mary Okay. Smith: a middle initial
                yield s, e, "K"


BUILTINS: dict[str, Callable[[str], Iterator[Span]]] = {
    "decades": decades,
    "letter-k": letter_k,
}
# Every span a builtin yields is a match of its regex here: detect skips the builtin on a text
# without the regex's literals ("nineteen", "Okay"). A builtin missing here runs on every text.
SPANS_MATCH: dict[str, re.Pattern[str]] = {
    "decades": _DECADE,
    "letter-k": _OKAY,
}
