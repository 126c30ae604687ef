"""Candidate substitutions from aligned spun/original pairs, counted, and looked up in clean text:
the first half of ``repair learn``'s phrase-rule proposer (:mod:`repair.authoring.learn`)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Iterable, Iterator

import ahocorasick

from repair.authoring.benchmark import Pair
from repair.words import TOKEN, unify_marks

CONTEXT_WIDTHS = (4, 2, 1, 0)  # tokens of context around a positive example, widest first


@dataclass(frozen=True, slots=True)
class _Tok:
    norm: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    # the benchmark's tokens, with their offsets (unify maps one character to one; lower-case per token)
    return [_Tok(m.group().lower(), m.start(), m.end()) for m in TOKEN.finditer(unify_marks(text))]


def _is_word(t: str) -> bool:
    return t[0].isalnum() or t[0] == "_"


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def bounded(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is not part of a longer word on either side."""
    if start > 0 and _word_char(text[start - 1]) and _word_char(text[start]):
        return False
    if end < len(text) and _word_char(text[end]) and _word_char(text[end - 1]):
        return False
    return True


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", unify_marks(s).lower()).strip("-")[:28].strip("-") or "x"


@dataclass(slots=True)
class Candidate:
    spun: str
    original: str
    context: str = ""  # "" for the bare substitution, "left"/"right" for a context variant
    bare: tuple[str, str] | None = None  # the bare candidate a context variant extends
    count: int = 0
    pair_ids: set[str] = field(default_factory=set)
    families: Counter = field(default_factory=Counter)
    # (spun snippets, widest context first; original snippet) from the first pairs it was seen in
    examples: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    clean_hits: int = 0
    clean_example: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.spun, self.original

    @property
    def words(self) -> int:
        return sum(1 for t in _tokens(self.spun) if _is_word(t.norm))


def _span(text: str, toks: list[_Tok], i: int, j: int) -> str:
    return text[toks[i].start:toks[j - 1].end]


def _snippet(text: str, toks: list[_Tok], i: int, j: int, width: int = CONTEXT_WIDTHS[0]) -> str:
    """``width`` tokens around toks[i:j], not crossing a line break."""
    a, b = max(0, i - width), min(len(toks), j + width)
    lo = text.rfind("\n", 0, toks[i].start if i < len(toks) else len(text)) + 1
    end_ref = toks[j - 1].end if j > 0 else 0
    hi = text.find("\n", end_ref)
    hi = len(text) if hi < 0 else hi
    start = max(lo, toks[a].start) if a < len(toks) else lo
    end = min(hi, toks[b - 1].end) if b > 0 else hi
    return text[start:end].strip()


def _blocks(s: list[_Tok], o: list[_Tok]) -> Iterator[tuple[int, int, int, int, str]]:
    """Aligned differing blocks, inserts/deletes widened by one neighbouring equal token."""
    ops = SequenceMatcher(None, [t.norm for t in s], [t.norm for t in o], autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        if tag in ("delete", "insert"):
            if i2 < len(s) and j2 < len(o) and s[i2].norm == o[j2].norm:
                i2, j2 = i2 + 1, j2 + 1
            elif i1 > 0 and j1 > 0 and s[i1 - 1].norm == o[j1 - 1].norm:
                i1, j1 = i1 - 1, j1 - 1
            else:
                yield i1, i2, j1, j2, "unanchored"
                continue
        yield i1, i2, j1, j2, ""


def extract(pairs: Iterable[Pair], *, max_ngram: int = 4, dropped: Counter | None = None,
            originals: list[str] | None = None) -> tuple[dict[tuple[str, str], Candidate], int]:
    """Candidates (bare and with one token of context) from every pair; returns them and the pair count."""
    cands: dict[tuple[str, str], Candidate] = {}
    dropped = dropped if dropped is not None else Counter()
    n = 0

    def add(pair: Pair, s: list[_Tok], o: list[_Tok], i1: int, i2: int, j1: int, j2: int, ctx: str,
            bare: tuple[str, str] | None) -> None:
        sp, orig = _span(pair.spun, s, i1, i2), _span(pair.original, o, j1, j2)
        if "\n" in sp or "\n" in orig:
            return
        c = cands.get((sp, orig))
        if c is None:
            c = cands[(sp, orig)] = Candidate(sp, orig, ctx, bare)
        c.count += 1
        c.pair_ids.add(pair.id)
        c.families[pair.family] += 1
        if len(c.examples) < 3:
            snips = tuple(dict.fromkeys(_snippet(pair.spun, s, i1, i2, w) for w in CONTEXT_WIDTHS))
            c.examples.append((snips, _snippet(pair.original, o, j1, j2)))

    for pair in pairs:
        n += 1
        if originals is not None:
            originals.append(pair.original)
        s, o = _tokens(pair.spun), _tokens(pair.original)
        for i1, i2, j1, j2, problem in _blocks(s, o):
            if problem:
                dropped[problem] += 1
                continue
            if not (1 <= i2 - i1 <= max_ngram + 1 and 1 <= j2 - j1 <= max_ngram + 1) or \
                    (i2 - i1 > max_ngram and j2 - j1 > max_ngram):
                dropped["too-long"] += 1
                continue
            sp, orig = _span(pair.spun, s, i1, i2), _span(pair.original, o, j1, j2)
            if "\n" in sp or "\n" in orig:
                dropped["crosses-line"] += 1
                continue
            if not any(_is_word(t.norm) for t in s[i1:i2]):
                dropped["punctuation-only"] += 1
                continue
            if [t.norm for t in s[i1:i2]] == [t.norm for t in o[j1:j2]]:
                dropped["same-words"] += 1
                continue
            if len(sp.lower()) != len(sp):
                dropped["case-folding"] += 1  # detect cannot look for it
                continue
            add(pair, s, o, i1, i2, j1, j2, "", None)
            bare = (sp, orig)
            if i1 > 0 and j1 > 0 and s[i1 - 1].norm == o[j1 - 1].norm and _is_word(s[i1 - 1].norm):
                add(pair, s, o, i1 - 1, i2, j1 - 1, j2, "left", bare)
            if i2 < len(s) and j2 < len(o) and s[i2].norm == o[j2].norm and _is_word(s[i2].norm):
                add(pair, s, o, i1, i2 + 1, j1, j2 + 1, "right", bare)
    return cands, n


def count_clean(cands: Iterable[Candidate], texts: Iterable[str]) -> tuple[int, int]:
    """Count word-bounded occurrences of each candidate's spun side in clean texts.

    Returns the number of documents and of words searched."""
    # matched as detect does: a lower-case phrase in any case, a phrase with capitals exactly
    by_phrase: dict[str, list[Candidate]] = defaultdict(list)
    for c in cands:
        by_phrase[c.spun.lower()].append(c)
    docs = words = 0
    if not by_phrase:
        for text in texts:
            docs += 1
            words += len(text.split())
        return docs, words
    auto = ahocorasick.Automaton()
    for p in by_phrase:
        auto.add_word(p, p)
    auto.make_automaton()
    for text in texts:
        docs += 1
        words += len(text.split())
        folded = text.lower() if len(text.lower()) == len(text) else "".join(ch.lower()[0] for ch in text)
        for end, p in auto.iter(folded):
            start = end - len(p) + 1
            if not bounded(text, start, end + 1):
                continue
            span = text[start:end + 1]
            hit = [c for c in by_phrase[p] if c.spun == c.spun.lower() or c.spun == span]
            if not hit:
                continue
            lo = text.rfind("\n", 0, start) + 1
            hi = text.find("\n", end + 1)
            hi = len(text) if hi < 0 else hi
            # a short snippet around the occurrence, cut at word boundaries
            a = max(lo, start - 40)
            while a > lo and _word_char(text[a - 1]):
                a -= 1
            b = min(hi, end + 1 + 40)
            while b < hi and _word_char(text[b]):
                b += 1
            for c in hit:
                c.clean_hits += 1
                if c.clean_example is None:
                    c.clean_example = text[a:b].strip()
    return docs, words
