"""Align a spun text with its original and list what the spinner substituted.

Texts are cut into the benchmark's tokens (:data:`repair.words.TOKEN`, curly quotes and
dashes unified, lower-cased per token, offsets kept). A difflib alignment of the two token lists
gives the substitutions: ``replace`` blocks of at most :data:`MAX_N` tokens a side are kept as they
are, unless both sides have as many tokens: those are cut word for word; a block the spinner *added* ("tips on"
before "how to") is anchored to the next equal token ("tips on how" -> "how").

>>> [(s.spun, s.original) for s in substitutions("The metropolis stated it.", "The city said it.")]
[('metropolis', 'city'), ('stated', 'said')]
>>> kept_phrases("The metropolis stated it.", "The city said it.", 1)["the"]
1
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from repair.words import TOKEN as TOKEN_RE
from repair.words import unify_marks

MAX_N = 3  # longest phrase (in tokens) on either side of a substitution


@dataclass(frozen=True, slots=True)
class Tok:
    norm: str  # lower-cased, quotes and dashes unified
    start: int
    end: int


def tokenize(text: str) -> list[Tok]:
    """The benchmark's tokens of ``text`` with their character offsets.

    >>> [(t.norm, t.start) for t in tokenize("It’s OK.")]
    [("it's", 0), ('ok', 5), ('.', 7)]
    """
    return [Tok(m.group().lower(), m.start(), m.end()) for m in TOKEN_RE.finditer(unify_marks(text))]


def is_word(tok: str) -> bool:
    return bool(tok) and (tok[0].isalnum() or tok[0] == "_")


@dataclass(frozen=True, slots=True)
class Substitution:
    spun: str  # lower-cased tokens joined by one space
    original: str
    left: str  # the token before the spun phrase ("" at the start)
    right: str  # the token after it


def _phrase(toks: list[Tok], i: int, j: int) -> str:
    return " ".join(t.norm for t in toks[i:j])


def _ctx(toks: list[Tok], i: int) -> str:
    return toks[i].norm if 0 <= i < len(toks) else ""


def _blocks(s: list[Tok], o: list[Tok]):
    sm = SequenceMatcher(None, [t.norm for t in s], [t.norm for t in o], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or i1 == i2:
            continue  # nothing spun, or words the spun side lacks (dropped link text)
        if tag == "delete":
            # the spinner added words: anchor them to the next equal token ("tips on" + "how")
            if i2 - i1 < MAX_N and i2 < len(s) and j1 < len(o) and s[i2].norm == o[j1].norm:
                yield i1, i2 + 1, j1, j1 + 1
            continue
        if i2 - i1 != j2 - j1 and i2 - i1 <= MAX_N and j2 - j1 <= MAX_N:
            yield i1, i2, j1, j2
        elif i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                yield i1 + k, i1 + k + 1, j1 + k, j1 + k + 1


def substitutions(spun: str, original: str) -> list[Substitution]:
    """What the spinner replaced in ``original`` to make ``spun``, in text order."""
    s, o = tokenize(spun), tokenize(original)
    out: list[Substitution] = []
    for i1, i2, j1, j2 in _blocks(s, o):
        sp, og = _phrase(s, i1, i2), _phrase(o, j1, j2)
        if not any(is_word(t.norm) for t in s[i1:i2]) or sp == og:
            continue
        out.append(Substitution(sp, og, _ctx(s, i1 - 1), _ctx(s, i2)))
    return out


def aligned_spans(spun: str, original: str) -> list[tuple[int, int, str]]:
    """Character spans of the spun text the spinner changed, with the original phrase there.

    Used to label proposals: a proposal at a span listed here is right if it gives the original
    phrase; a proposal anywhere else changes a word the original also had.
    """
    s, o = tokenize(spun), tokenize(original)
    return [(s[i1].start, s[i2 - 1].end, _phrase(o, j1, j2)) for i1, i2, j1, j2 in _blocks(s, o)]


def _count_ngrams(toks: list[str], n: int, c: Counter) -> None:
    """Add the n-grams of ``toks`` (of 1..n tokens) that hold a word to ``c``."""
    for k in range(1, n + 1):
        for i in range(len(toks) - k + 1):
            g = toks[i:i + k]
            if any(is_word(t) for t in g):
                c[" ".join(g)] += 1


def ngrams(text: str, n: int) -> Counter:
    """Counts of the lower-cased token n-grams of ``text`` (of 1..n tokens) that hold a word."""
    c: Counter = Counter()
    _count_ngrams([t.norm for t in tokenize(text)], n, c)
    return c


def kept_phrases(spun: str, original: str, n: int = MAX_N) -> Counter:
    """n-grams of the spun text lying wholly inside equal blocks: forms the spinner left as they were."""
    s, o = tokenize(spun), tokenize(original)
    sm = SequenceMatcher(None, [t.norm for t in s], [t.norm for t in o], autojunk=False)
    c: Counter = Counter()
    for i, _, size in sm.get_matching_blocks():
        _count_ngrams([t.norm for t in s[i:i + size]], n, c)
    return c


WORD_RE = re.compile(r"\w+")
