"""Noisy-channel repair: table proposals judged by a language model, with calibrated confidence.

For each span a table knows as a spun form, the candidates are the originals the table maps it
to. Each candidate is scored by

- the language model's gain: ``log P(candidate + right context | left) - log P(spun + right | left)``
  (nats, a few words of right context), when a model is given; and
- the channel: how often the spinner changed this form (``Entry.p_change``), how often it came
  from this original (``log P(candidate | spun)``) and in how many pairs it was seen.

A logistic model over those features (:class:`Calibration`, fitted leave-one-pair-out on the
training pairs by :mod:`repair.spin.calibrate`) turns them into a confidence: 0.9 means nine in
ten such edits were right. Output: ``repair.model.Change(stage="detect", rule="learned.<family>",
..., applied=False)``; the emit stage applies those at or above its threshold in documents
detected as spun.

>>> from repair.spin.table import spintax_table
>>> t = spintax_table(["metropolis|city"])
>>> [(s.before, s.key) for s in find_spans("The Metropolis grew.", t)]
[('Metropolis', 'metropolis')]
>>> [(c.before, c.after, c.applied) for c in decode("The Metropolis grew.", t)]
[('Metropolis', 'City', False)]
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

import ahocorasick

from repair.model import Change
from repair.words import TOKEN, match_case, unify_marks

from .align import Tok, is_word, tokenize
from .lm import Scorer, ask_many
from .logistic import predict
from .table import RULES_DIR, Entry, Table, TableError

RIGHT_WORDS = 6  # words of right context the model sees after a candidate
LEFT_CHARS = 300  # at most this much left context (from the sentence start, or earlier if short)
MAX_CANDIDATES = 4  # the most frequent originals of a form that the model compares
MIN_P_CHANGE = 0.2  # forms the spinner changed less often than this (smoothed) are not proposed
STRONG_EVIDENCE = 0.5  # repair.spin.classify.STRONG: a form changed at least this often weighs as evidence
STAGE = "detect"
_SENT_END = re.compile(r"[.!?]['\"\u2019\u201d)]*\s+|\n+")


class Span(NamedTuple):
    start: int
    end: int
    before: str
    key: str
    entry: Entry
    first_token: int  # index of the span's first token in the document
    p_change: float = 0.0  # ``entry.p_change``, computed once per form
    log_lr: float = 0.0  # ``entry.log_lr`` over the table's word counts


class Evidence(NamedTuple):
    """What detection needs of a span (:func:`repair.spin.classify.doc_features`)."""

    key: str
    p_change: float
    log_lr: float


def name_like(text: str, start: int) -> bool:
    """A capitalised word inside a sentence: part of a name ("Purple Line", "Metropolis"), which clean
    articles repeat as often as they like, so it is no evidence that a document is spun (it is still
    a repair candidate: the spinner mangles names too).

    >>> name_like("The Purple Line opens.", 4), name_like("Purple trains run.", 0), name_like("It ran. Purple", 8)
    (True, False, False)
    """
    if not text[start:start + 1].isupper():
        return False
    i = start - 1
    while i >= 0 and text[i] in " \t\"'\u201c\u2018(":
        i -= 1
    return i >= 0 and text[i] not in ".!?:\n\u2014-"


class SpanIndex:
    """A table's forms compiled for scanning: one Aho-Corasick automaton over a document's tokens.

    The document's tokens are joined by two spaces (``" state  division "``) and each form the
    same way, so the automaton's leftmost-longest, non-overlapping matches are the token spans
    :func:`find_spans` finds by trying every form length at every token, in one pass in C instead of
    a dictionary lookup per token and length. Build it once per table (a table must not change
    afterwards). One corner case differs: pyahocorasick's ``iter_long`` does not go back for a
    shorter form inside a longer one that failed to match (forms "x a b c", "a b d" and "b" on
    "x a b q": no span here, ``b`` there); with the shipped tables the two agree on every text of the
    benchmark files (244 texts, 26,707 spans).

    >>> from repair.spin.table import spintax_table
    >>> idx = SpanIndex(spintax_table(["metropolis|city", "state division|state department"]))
    >>> [(s.before, s.key) for s in idx.find("The State Division of the Metropolis.")]
    [('State Division', 'state division'), ('Metropolis', 'metropolis')]
    >>> [e.key for e in idx.evidence("Metropolis: the state division of the Metropolis.")]  # not a name
    ['metropolis', 'state division']
    """

    __slots__ = ("_automaton", "_empty")

    def __init__(self, table: Table, *, min_p_change: float = 0.0, weightless: bool = True):
        """``weightless=False`` leaves out of :meth:`find`'s result the spans that weigh nothing as
        evidence and are never proposed (the spinner rarely changes the form and it is no likelier in
        spun text: "the", "to"); they still take their tokens, so the other spans stay the same."""
        a = ahocorasick.Automaton()
        for key, e in table.entries.items():
            parts = key.split(" ")
            if not e.to or not is_word(parts[0]) or "" in parts:
                continue  # a form must start with a word: find_spans starts no span elsewhere
            p = e.p_change
            if min_p_change > 0 and p < min_p_change:
                continue
            lr = e.log_lr(table.spun_words, table.original_words)
            weighs = p >= STRONG_EVIDENCE or lr > 0
            # the hit's value: what find, evidence and located need of the form, worked out once per form
            # (the Evidence too: it is the same for every hit of the form)
            a.add_word(" " + "  ".join(parts) + " ",
                       (key, len(parts), e, p, lr, weightless or weighs or p >= MIN_P_CHANGE,
                        Evidence(key, p, lr) if weighs else None, len(key) + len(parts), p >= MIN_P_CHANGE,
                        _one_sigma(parts[0]), _one_sigma(parts[-1])))
        self._empty = len(a) == 0
        if not self._empty:
            a.make_automaton()
        self._automaton = a

    def _hits(self, sc: Scanned) -> list:
        """The automaton's leftmost-longest matches in ``sc.joined`` (one scan per text, shared by
        :meth:`find` and :meth:`evidence`), as (end, value): the value is (key, tokens, entry, p_change,
        log_lr, kept by find, its Evidence if it weighs else None, len(key) + tokens: the distance from
        the pattern's leading space to its end, proposed: p_change >= MIN_P_CHANGE, its first token and its
        last as :meth:`Scanned.lowered` spells them)."""
        memo = sc.memo
        got = memo.get("hits")
        if got is None or got[0] is not self:
            got = memo["hits"] = (self, list(self._automaton.iter_long(sc.joined)))
        return got[1]

    def _kept(self, sc: Scanned) -> Iterator[tuple[int, int, int, tuple]]:
        """The hits :meth:`find` keeps, as (end, start of the pattern's leading space, tokens before
        it in ``sc.joined``, the pattern's value)."""
        joined = sc.joined
        seen = pos = 0
        for end, value in self._hits(sc):
            if not value[5]:  # keep
                continue
            at = end - value[7]  # the pattern's leading space (its length is len(key) + n + 1)
            seen += joined.count("  ", pos, at + 1)
            pos = at + 1
            yield end, at, seen, value

    def located(self, text: str | Scanned) -> Iterator[tuple[int, int, int, tuple]]:
        """The spans :meth:`find` returns, as (start, end, first token, the pattern's value: see
        :meth:`_hits`), without a :class:`Span` each (the fast path's proposals need few of its fields)."""
        sc = text if isinstance(text, Scanned) else scan(text)
        if self._empty or not sc.text:
            return
        if not sc.raw:  # lower-casing changed a token's length: positions by the tokens' matches
            matches = TOKEN.finditer(sc.unified)
            tok = 0  # tokens the match iterator has passed
            for _, _, seen, value in self._kept(sc):
                first = next(islice(matches, seen - tok, None))
                n = value[1]
                last = first if n == 1 else next(islice(matches, n - 2, None))
                tok = seen + n
                yield first.start(), last.end(), seen, value
            return
        joined, low = sc.joined, sc.lowered()
        seen = pos = 0
        t = c = 0  # the last span's start in the text and the non-space characters before it
        for end, value in self._hits(sc):  # (_kept's walk, inline)
            if not value[5]:  # keep
                continue
            at = end - value[7]  # the pattern's leading space
            seen += joined.count("  ", pos, at + 1)
            pos = at + 1
            n = value[1]
            # the span's first character among the text's non-space ones, and where that is in the text
            c0 = at - 2 * seen
            start = place(low, value[9], c0, t, c)
            t, c = start, c0
            if n == 1:  # one token holds no white space: it ends len(key) (value[7] - 1) characters on
                yield start, start + value[7] - 1, seen, value
            else:  # it ends where its last token does
                last = value[10]
                c1 = end - 2 * (seen + n) - len(last) + 1  # the last token's first character
                yield start, place(low, last, c1, start, c0) + len(last), seen, value

    def walk(self, sc: Scanned) -> tuple[list[Evidence], list[str], list[tuple[int, int, tuple]]]:
        """:meth:`evidence`, and what the no-model path needs of :meth:`located`'s spans, in one walk of the
        hits: the forms of every span (for the family) and the (start, end, the pattern's value) of those
        proposed (``p_change >= MIN_P_CHANGE``). A span is placed in the text only if it is proposed or
        its name-likeness decides whether it is evidence (it weighs and is capitalised)."""
        if self._empty or not sc.text:
            return [], [], []
        if not sc.raw:
            found = list(self.located(sc))
            return (self.evidence(sc), [v[0] for _, _, _, v in found],
                    [(start, end, value) for start, end, _, value in found if value[8]])
        evidence: list[Evidence] = []
        keys: list[str] = []
        out: list[tuple[int, int, tuple]] = []
        text, raw = sc.text, sc.raw
        count, low = sc.joined.count, sc.lowered()
        seen = pos = 0
        t = c = 0  # the last placed span's start in the text and the non-space characters before it
        for end, value in self._hits(sc):  # (located's walk, inline)
            if not value[5]:  # not kept (weighs nothing, never proposed): no span
                continue
            keys.append(value[0])
            at = end - value[7]  # the pattern's leading space
            ev = value[6]
            if ev is None:  # weighs nothing: placed only if proposed
                if not value[8]:
                    continue
                name = False
            elif raw[at + 1].isupper():  # weighs and is capitalised: evidence unless name-like
                name = True
            else:  # weighs, not capitalised: evidence
                evidence.append(ev)
                if not value[8]:
                    continue
                name = False
            seen += count("  ", pos, at + 1)
            pos = at + 1
            c0 = at - 2 * seen
            start = place(low, value[9], c0, t, c)
            t, c = start, c0
            if name and not name_like(text, start):
                evidence.append(ev)
            if not value[8]:
                continue
            n = value[1]
            if n == 1:
                out.append((start, start + value[7] - 1, value))
            else:
                last = value[10]
                out.append((start, place(low, last, end - 2 * (seen + n) - len(last) + 1, start, c0) + len(last),
                            value))
        return evidence, keys, out

    def find(self, text: str | Scanned) -> list[Span]:
        sc = text if isinstance(text, Scanned) else scan(text)
        text = sc.text
        return [Span(s, t, text[s:t], key, e, seen, p, lr) for s, t, seen, (key, _, e, p, lr, *_) in self.located(sc)]

    def evidence(self, text: str | Scanned, *, names: bool = False) -> list[Evidence]:
        """The spans that weigh as evidence, less those :func:`name_like` (unless ``names``): what the
        classifier needs, without a :class:`Span` per hit (the fast path's cost)."""
        sc = text if isinstance(text, Scanned) else scan(text)
        if self._empty or not sc.text:
            return []
        raw, joined = sc.raw, sc.joined
        out: list[Evidence] = []
        matches = None  # without ``raw``: the tokens' matches, for their places
        tok = seen = pos = 0
        low = None  # the text lower-cased (Scanned.lowered), when a capitalised hit is to be placed
        t = c = 0  # the last one's start in the text and the non-space characters before it
        for end, value in self._hits(sc):
            ev = value[6]
            if ev is None:  # weighs nothing (most hits: "the", "to")
                continue
            at = end - value[7]
            if names or (raw and not raw[at + 1].isupper()):
                out.append(ev)  # not capitalised: not name-like
                continue
            seen += joined.count("  ", pos, at + 1)
            pos = at + 1
            if raw:
                if low is None:
                    low = sc.lowered()
                c0 = at - 2 * seen
                start = t = place(low, value[9], c0, t, c)
                c = c0
            else:
                if matches is None:
                    matches = TOKEN.finditer(sc.unified)
                start = next(islice(matches, seen - tok, None)).start()
                tok = seen + 1
            if not name_like(sc.text, start):
                out.append(ev)
        return out


class Scanned(NamedTuple):
    """A text cut into tokens once for every :class:`SpanIndex` that scans it."""

    text: str
    unified: str  # quotes and dashes unified (same length as ``text``)
    raw: str  # the tokens joined by two spaces, padded; "" when lower case changed a length
    joined: str  # the same, lower-cased: what the automata scan
    memo: dict  # what the scans of this text share (its _spaced form, the automaton's matches)

    def lowered(self) -> str:
        """The text lower-cased, every white space a space, one sigma for both (what :func:`place` looks in;
        the same length as the text when ``raw`` is set: every character lower-cased is one)."""
        low = self.memo.get("lowered")
        if low is None:
            low = self.memo["lowered"] = _one_sigma(self.memo["spaced"].lower())
        return low


def _one_sigma(low: str) -> str:
    """``low`` with its final sigmas made the other: str.lower() spells a capital sigma by what stands
    around it, so a token lower-cased in the text ("ΟΔΟΣ.x": "οδοσ.x") and in ``joined`` ("οδος  .  x") may
    differ there, and nowhere else."""
    return low.replace("\u03c2", "\u03c3") if not low.isascii() and "\u03c2" in low else low


def place(low: str, token: str, c: int, t0: int, c0: int) -> int:
    """Where in the text the ``c``-th non-space character is, a token ``token`` starting there (spelt as in
    ``low``, :meth:`Scanned.lowered`), given a place ``t0`` before it with ``c0`` non-space characters
    before that. Every non-space character is in a token (TOKEN never spans white space), so that
    character is the ``c``-th of the tokens joined without spaces: the first place ``token`` stands at with
    ``c - c0`` non-space characters since ``t0``. It is looked for from ``t0 + c - c0`` on (no nearer: that
    many characters lie between) with ``str.find``, and the non-space characters since ``t0`` counted once
    for the place it finds (a place before it, "state" in "restate", has too few; one after, too many). A
    table of the non-space characters before each space-separated piece, searched by bisection, costs more
    to build than a document's spans take to place so."""
    k = c - c0
    t = low.find(token, t0 + k)
    while t >= 0 and t - t0 - low.count(" ", t0, t) != k:
        t = low.find(token, t + 1)
    if t < 0:
        raise LookupError(f"no token {token!r} with {c} non-space characters before it")  # (tokens stand so)
    return t


# the white space other than a space (``[^\S ]``: what str.split() and re's \s split on; a test holds the list to
# them), those of them in ASCII
OTHER_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
               "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_ASCII_OTHER_SPACE = OTHER_SPACE[:9]


def _spaced(text: str) -> str:
    """``text`` with every white space other than a space made a space (same length), by ``str.replace``
    for each such character it holds (a regex substitution visits every character)."""
    for c in _ASCII_OTHER_SPACE if text.isascii() else OTHER_SPACE:
        if c in text:
            text = text.replace(c, " ")
    return text


def scan(text: str) -> Scanned:
    unified = unify_marks(text)
    spaced = _spaced(unified)  # (kept for Scanned.lowered)
    memo = {"spaced": spaced}
    if spaced.isascii():  # (most texts) the tokens joined in bytes, without a string per token
        raw_ascii = _joined_ascii(spaced)
        return Scanned(text, unified, raw_ascii.decode("ascii"), raw_ascii.lower().decode("ascii"), memo)
    toks = tokens(spaced)
    raw = "  ".join(toks)
    low = raw.lower()
    if len(low) != len(raw):  # a character whose lower case is longer ("İ"): lower each token
        return Scanned(text, unified, "", " " + "  ".join(t.lower() for t in toks) + " ", memo)
    return Scanned(text, unified, " " + raw + " ", " " + low + " ", memo)


def _word(c: str) -> bool:
    """``c`` (one character, or "") is a word character (what the regex ``\\w`` matches)."""
    return c.isalnum() or c == "_"


# the characters that are a token of their own (TOKEN's ``[^\w\s]``) in ASCII, each with the spaces that set it
# apart, less the apostrophe (it joins two runs of word characters: "it's"); a test holds the list to the regex
_ASCII_MARKS = tuple((c, f" {c} ") for c in map(chr, range(128)) if c != "'" and not _word(c) and not c.isspace())
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


# the same as bytes, with the mark's code (``in`` looks a byte up by its code; by a bytes object it fails first)
_ASCII_MARK_BYTES = tuple((ord(c), c.encode(), apart.encode()) for c, apart in _ASCII_MARKS)


def _joined_ascii(spaced: str) -> bytes:
    """``" " + "  ".join(tokens(spaced)) + " "`` for an ASCII text whose only white space is spaces, in bytes:
    the marks set apart as :func:`tokens` does, but by ``bytes.replace``, which finds a character with
    ``memchr`` (``str.replace`` first counts it character by character, one pass over the text per mark),
    and the runs of spaces then made two spaces each without cutting the text into a string per token:
    doubled (each run even), then halved (rounded up to even) until none is longer, each pass a replace of
    four spaces by two (a run of 2k spaces becomes one of 2 * ceil(k / 2), fewer while k > 1; a test holds
    it to the join of the tokens).

    >>> _joined_ascii("It's 3.5,  (so) ")
    b" It's  3  .  5  ,  (  so  ) "
    """
    b = _apostrophes(spaced).encode("ascii")
    for code, c, apart in _ASCII_MARK_BYTES:
        if code in b:
            b = b.replace(c, apart)
    b = b.replace(b" ", b"  ")
    while b"    " in b:
        b = b.replace(b"    ", b"  ")
    return b" " + b.strip(b" ") + b" "


def _apostrophes(s: str) -> str:
    """``s`` with each apostrophe not between two word characters set apart by spaces (a token of its own;
    between two, it is inside a token: "don't"). Each apostrophe is found with ``str.find`` and the text is
    copied only when one is to be set apart (most stand inside a word), not cut at every apostrophe.

    >>> _apostrophes("'It's' rock'n'roll''")
    " ' It's '  rock'n'roll '  ' "
    """
    find = s.find
    i = find("'")
    out: list[str] = []
    last = 0  # the text up to here is in ``out``
    while i >= 0:
        if not (i and _word(s[i - 1]) and _word(s[i + 1:i + 2])):
            out += s[last:i], " ' "
            last = i + 1
        i = find("'", i + 1)
    if not out:
        return s
    out.append(s[last:])
    return "".join(out)


def tokens(spaced: str) -> list[str]:
    """``TOKEN.findall(spaced)`` for a text whose only white space is spaces (:func:`_spaced`): each mark
    (a character neither a word character nor white space) set apart by spaces with ``str.replace``, for
    each mark the text holds, and the text then cut at its spaces. TOKEN visits every character in the
    regex engine, and a loop over the space-separated pieces costs a Python step for each; both are about
    twice as slow. A text not all ASCII finds its other marks with one scan for non-ASCII characters."""
    s = _apostrophes(spaced)
    marks = _ASCII_MARKS
    if not s.isascii():
        marks += tuple((c, f" {c} ") for c in set(_NOT_ASCII.findall(s)) if not _word(c))
    for c, apart in marks:
        if c in s:
            s = s.replace(c, apart)
    return s.split()


def find_spans(text: str, table: Table, *, min_p_change: float = 0.0, toks: list[Tok] | None = None,
               max_n: int | None = None) -> list[Span]:
    """Non-overlapping spans whose lower-cased tokens are a spun form of ``table`` (longest first).

    ``max_n`` is ``table.max_n()`` (the longest form, in tokens), given by a caller that scans many
    texts. A caller that scans many texts with one table builds a :class:`SpanIndex` instead (the
    same spans in one pass; this word-by-word lookup is what its property test holds it to).
    """
    toks = tokenize(text) if toks is None else toks
    norms = [t.norm for t in toks]
    if max_n is None:
        max_n = table.max_n()
    out: list[Span] = []
    i = 0
    while i < len(toks):
        hit = None
        if is_word(norms[i]):
            for n in range(min(max_n, len(toks) - i), 0, -1):
                key = " ".join(norms[i:i + n])
                e = table.entries.get(key)
                if e is not None and e.to and (min_p_change <= 0 or e.p_change >= min_p_change):
                    hit = Span(toks[i].start, toks[i + n - 1].end, text[toks[i].start:toks[i + n - 1].end], key, e, i,
                               e.p_change, e.log_lr(table.spun_words, table.original_words))
                    i += n
                    break
        if hit:
            out.append(hit)
        else:
            i += 1
    return out


_NO_SPACE_BEFORE = set(",.;:!?)'%")


def surface(phrase: str) -> str:
    """Tokens joined back into text ("half - time" -> "half-time", "it , too" -> "it, too")."""
    out = ""
    prev = ""
    for tok in phrase.split(" "):
        if out and not (tok[0] in _NO_SPACE_BEFORE or tok == "-" or prev == "-" or prev in "($"):
            out += " "
        out += tok
        prev = tok
    return out


def _left_start(text: str, pos: int) -> int:
    lo = max(0, pos - LEFT_CHARS)
    starts = [m.end() for m in _SENT_END.finditer(text, lo, pos)]
    for s in reversed(starts):
        if pos - s >= 40 or s == starts[0]:
            return s if pos - s >= 1 else lo
    return lo


def _right_end(text: str, toks: list[Tok], after_tok: int) -> int:
    end = toks[after_tok - 1].end if after_tok > 0 else 0
    words = 0
    for t in toks[after_tok:]:
        if t.norm in (".", "!", "?") or text[end:t.start].count("\n"):
            break
        end = t.end
        if is_word(t.norm):
            words += 1
            if words >= RIGHT_WORDS:
                break
    return end


@dataclass(slots=True)
class Scored:
    span: Span
    after: str  # best candidate, cased like the span
    original: str  # best candidate as in the table
    gain: float | None  # LM gain over the spun form (None without a model)
    features: list[float]
    confidence: float = 0.0


FEATURES_LM = ("bias", "gain", "gain_pos", "log_p_change", "log_p_cand", "log_pairs", "spintax", "n_tokens",
               "capital_mid", "gain_over_3", "gain_over_8", "gain_under_-3", "doc_gain", "margin")
FEATURES_NOLM = ("bias", "log_p_change", "log_p_cand", "log_pairs", "spintax", "n_tokens", "capital_mid")


def _channel(e: Entry, cand: str) -> float:
    k = len(e.to)
    return math.log((e.to.get(cand, 0) + 0.5) / (e.changed + 0.5 * k))


_SENTENCE_START = re.compile(r"(^|[.!?:\n]['\"\u2019\u201d]?)\s*$")


def cap_mid(span: Span, text: str) -> float:
    """1.0 for a capitalised span inside a sentence (a feature of the channel), else 0.0."""
    return capital_mid(span.before, span.start, text)


def capital_mid(before: str, start: int, text: str) -> float:
    """:func:`cap_mid` of the span ``before`` at ``start`` (without a :class:`Span`)."""
    return 1.0 if before[:1].isupper() and start > 0 and not _SENTENCE_START.search(
        text[max(0, start - 4):start]) else 0.0


LONE_MARGIN = 5.0  # a candidate with no rival (the table knows one original): as if it beat one by 5 nats


def _clip(nats: float) -> float:
    return max(-20.0, min(20.0, nats))


def _features(span: Span, cand: str, gain: float | None, text: str, doc_gain: float | None = None,
              margin: float = LONE_MARGIN) -> list[float]:
    """The calibration's features of a span and candidate; without a model (``gain`` None) they depend
    on the span's form, its spelling and :func:`cap_mid` alone (:meth:`SpinModel.analyse` keeps them so).

    With a model, besides the gain itself: the gain past 3 and 8 nats and below -3 (a hinge each, so
    the confidence need not grow in a straight line with it), ``doc_gain`` (the mean gain of the same
    form and candidate everywhere in the document: the spinner swaps a word the same way wherever it
    stands, and one clear context speaks for a murky one) and ``margin`` (how far the candidate's gain
    beats the best other candidate's)."""
    e = span.entry
    cap_mid_ = cap_mid(span, text)
    common = [math.log(span.p_change), _channel(e, cand), math.log1p(e.pairs), 1.0 if e.source != "learned" else 0.0,
              float(span.key.count(" ") + 1), cap_mid_]
    if gain is None:
        return [1.0, *common]
    g = _clip(gain)
    return [1.0, g, max(0.0, g), *common, max(0.0, g - 3.0), max(0.0, g - 8.0), min(0.0, g + 3.0),
            _clip(gain if doc_gain is None else doc_gain), _clip(margin)]


def score_spans(text: str, spans: Sequence[Span], scorer: Scorer | None, toks: list[Tok] | None = None) -> list[Scored]:
    """Pick each span's best candidate and its features (model gain and channel); ``toks`` (the
    text's :func:`tokenize`) are needed only with a ``scorer``."""
    if scorer is not None and toks is None:
        toks = tokenize(text)
    out: list[Scored] = []
    if scorer is None:  # the table's most frequent original (a form repeats: look it up once)
        top: dict[str, str] = {}
        for sp in spans:
            cand = top.get(sp.key)
            if cand is None:
                cand = top[sp.key] = sp.entry.best()[0][0]
            out.append(Scored(sp, match_case(sp.before, surface(cand)), cand, None, _features(sp, cand, None, text)))
        return out
    asks, options = [], []
    for sp in spans:
        cands = [c for c, _ in sp.entry.best()[:MAX_CANDIDATES]]
        cased = [match_case(sp.before, surface(c)) for c in cands]
        ls = _left_start(text, sp.start)
        left = text[ls:sp.start]
        stripped = left.rstrip()
        ws = left[len(stripped):]
        n_tok = sp.key.count(" ") + 1
        right = text[sp.end:_right_end(text, toks, sp.first_token + n_tok)]
        asks.append((stripped, [ws + c + right for c in [sp.before, *cased]]))
        options.append((cands, cased))
    picked = []  # (span, best candidate's index, its gain, its margin over the others)
    for sp, (cands, _), lps in zip(spans, options, ask_many(scorer, asks), strict=True):
        gains = [lp - lps[0] for lp in lps[1:]]
        totals = [g + _channel(sp.entry, c) for g, c in zip(gains, cands, strict=False)]
        best = max(range(len(cands)), key=lambda i: totals[i])
        rivals = [g for i, g in enumerate(gains) if i != best]
        picked.append((sp, best, gains[best], gains[best] - max(rivals) if rivals else LONE_MARGIN))
    # the document's mean gain of each (form, candidate): every occurrence speaks for the others
    pooled: dict[tuple[str, str], list[float]] = {}
    for (sp, best, gain, _), (cands, _) in zip(picked, options, strict=True):
        pooled.setdefault((sp.key, cands[best]), []).append(gain)
    for (sp, best, gain, margin), (cands, cased) in zip(picked, options, strict=True):
        same = pooled[(sp.key, cands[best])]
        out.append(Scored(sp, cased[best], cands[best], gain,
                          _features(sp, cands[best], gain, text, sum(same) / len(same), margin)))
    return out


@dataclass(slots=True)
class Calibration:
    """Logistic weights turning features into a calibrated confidence, one set with and one without a model."""

    lm: list[float] = field(default_factory=list)
    nolm: list[float] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def confidence(self, s: Scored) -> float:
        w = self.lm if s.gain is not None else self.nolm
        if not w:
            return _default_confidence(s)
        return predict(w, s.features)

    def to_json(self) -> dict:
        return {"format": "repair.spin-calibration/1", "features_lm": list(FEATURES_LM), "lm": self.lm,
                "features_nolm": list(FEATURES_NOLM), "nolm": self.nolm, "meta": self.meta}

    @classmethod
    def load(cls, path: str | Path = RULES_DIR / "calibration.json") -> "Calibration":
        p = Path(path)
        if not p.is_file():
            return cls()
        d = json.loads(p.read_text(encoding="utf-8"))
        check_features(p, d, FEATURES_LM, FEATURES_NOLM)
        return cls(list(d.get("lm", [])), list(d.get("nolm", [])), dict(d.get("meta", {})))

    def save(self, path: str | Path = RULES_DIR / "calibration.json") -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def check_features(path: Path, fitted: dict, lm: Sequence[str], nolm: Sequence[str]) -> None:
    """Refuse weights fitted over other features than this version computes (a model file from an
    older or newer repair): they would be multiplied with the wrong numbers."""
    for key, names in (("features_lm", lm), ("features_nolm", nolm)):
        if key in fitted and list(fitted[key]) != list(names):
            raise TableError(f"{path}: fitted for other {key} than this version of repair computes; rebuild it "
                             "with python -m repair.spin.calibrate (see docs/spin-model.md)")


def _default_confidence(s: Scored) -> float:
    # uncalibrated fallback: the channel's change rate, lifted by a clear model preference
    p = s.span.entry.p_change
    if s.gain is None:
        return p * 0.6
    return p if s.gain > 2 else p * 0.3


def decode(text: str, table: Table, scorer: Scorer | None = None, calibration: Calibration | None = None, *,
           rule: str | None = None, min_p_change: float = MIN_P_CHANGE) -> list[Change]:
    """Proposals (``applied=False``) for every span the table knows, with calibrated confidence."""
    cal = calibration or Calibration()
    toks = tokenize(text)
    spans = find_spans(text, table, min_p_change=min_p_change, toks=toks)
    rule = rule or f"learned.{table.family}"
    out = []
    for s in score_spans(text, spans, scorer, toks):
        s.confidence = cal.confidence(s)
        if s.after == s.span.before:
            continue
        out.append(Change(STAGE, rule, s.span.start, s.span.end, s.span.before, s.after, round(s.confidence, 4),
                          False))
    return out


def choose(changes: Sequence[Change], threshold: float) -> list[Change]:
    """Mark the proposals at or above ``threshold`` applied (spans do not overlap by construction)."""
    return [c.with_applied(c.confidence >= threshold) for c in changes]
