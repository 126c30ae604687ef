"""Words: the one word count, the one token list and the one capitalisation rule every figure uses.

A *word* is a run of word characters, joined across an apostrophe between word characters
("don't", "rock’n’roll" are one word each). Every per-1,000-words figure (detection's evidence
density, the gate's figures, the grammar score) divides by :func:`count`.

*Tokens* are what the quality metrics compare (``repair bench``, ``repair learn``): words and
single punctuation marks, lower-cased, with curly quotes and dashes unified.

>>> count("It's a rock’n’roll 'hit' -- isn't it?")
6
>>> tokens("It’s the State Division — said.")
["it's", 'the', 'state', 'division', '-', 'said', '.']
>>> match_case("Stated", "said"), match_case("STATED", "said"), match_case("stated", "said")
('Said', 'SAID', 'said')
"""

from __future__ import annotations

import re

from repair.scan.utf8 import utf8_and_others

WORD = re.compile(r"\w+(?:['’]\w+)*")
_RUN = re.compile(r"\w+")
TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")

UNIFY_TABLE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
})


def count(text: str) -> int:
    """``len(WORD.findall(text))``, counted faster: each match is a run of word characters joined
    to the next by an apostrophe between word characters, so the count is the runs less those
    joins.

    Most news text is Latin script whose other characters are not word characters (curly quotes,
    dashes, no-break spaces): it is counted on its one-byte-per-character Latin-1 form (those
    others become ``?``), with bytes operations (a table marks the word characters, ``bytes.count``
    finds the starts of runs), some ten times sooner than anything that visits the text a
    character at a time in Python or the regex engine. Any other text is counted by
    :func:`_count_tokens`.

    >>> t = "It's a rock’n’roll 'hit' -- isn't it?"
    >>> count(t) == len(WORD.findall(t)), count(""), count("Mr. Smith, 3 o'clock"), count("café—naïve")
    (True, 0, 4, 2)
    """
    split = utf8_and_others(text)
    if split is None:  # a lone surrogate
        return _count_tokens(text)
    raw, others = split
    # the characters beyond Latin-1 must not be word characters: they all become "?"
    if others is None or any(c > "\xff" and c.isalnum() for c in others):
        return _count_tokens(text)
    cells = text.encode("latin-1", "replace") if others else raw  # one byte per character, at the same offsets
    cells = cells.translate(_WORD_CELLS)  # word characters "a", all others " "
    n = cells.count(b" a") + cells.startswith(b"a")  # the starts of runs
    for q in "'’":
        i = text.find(q, 1)
        while i >= 0:
            if cells[i - 1:i + 2:2] == b"aa":  # a word character on either side (a short slice at the end)
                n -= 1
            i = text.find(q, i + 1)
    return n


_WORD_CELLS = bytes(b"a"[0] if (chr(b).isalnum() or chr(b) == "_") else b" "[0] for b in range(256))


def _count_tokens(text: str) -> int:
    """:func:`count` for any text: runs of word characters never span white space, so a
    whitespace-separated token that is all letters and digits is one run (most are); the others are
    counted by the regex, in one call over them joined by spaces (which join no runs)."""
    toks = text.split()
    odd = [t for t in toks if not t.isalnum()]
    n = len(toks) - len(odd) + len(_RUN.findall(" ".join(odd))) if odd else len(toks)
    for q in "'’":
        i = text.find(q, 1)
        while i >= 0:
            if i + 1 < len(text) and _RUN.match(text, i - 1, i) and _RUN.match(text, i + 1, i + 2):
                n -= 1
            i = text.find(q, i + 1)
    return n


_MARK_TO = {chr(k): v for k, v in UNIFY_TABLE.items()}
_MARK_PAIRS = tuple(_MARK_TO.items())
_ASCII_MARKS = tuple((a, b) for a, b in _MARK_PAIRS if a.isascii())


def unify_marks(text: str) -> str:
    """``text.translate(UNIFY_TABLE)``: curly quotes and dashes to their ASCII forms (same length), by
    ``str.replace`` for each mark the text holds (``str.translate`` looks every character up in the
    table, a regex substitution calls back per mark: both several times slower; the marks map one
    character to one, so the order of the replacements does not matter).

    >>> print(unify_marks("It’s “done” — 1–2"))
    It's "done" - 1-2
    """
    for a, b in _ASCII_MARKS if text.isascii() else _MARK_PAIRS:
        if a in text:
            text = text.replace(a, b)
    return text


def unify(text: str) -> str:
    """Lower-case and map curly quotes and dashes to their ASCII forms (same length)."""
    return unify_marks(text).lower()


def tokens(text: str) -> list[str]:
    """The tokens the quality metrics compare: words and punctuation marks of :func:`unify`'d text."""
    return TOKEN.findall(unify(text))


def match_case(before: str, after: str) -> str:
    """Give ``after`` the capitalisation of ``before`` (as written in a case-folded rule)."""
    if not after or not before:
        return after
    if before[0].isalpha() and not before[0].isupper():
        return after  # "stated": neither capitalised nor all capitals (the common case, decided at once)
    letters = [c for c in before if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return after.upper()
    if before[0].isupper() and after[0].islower():
        return after[0].upper() + after[1:]
    return after
