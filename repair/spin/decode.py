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
from pathlib import Path
from typing import Sequence

from repair.model import Change
from repair.words import match_case

from .align import Tok, is_word, tokenize
from .lm import Scorer
from .logistic import predict
from .table import RULES_DIR, Entry, Table

RIGHT_WORDS = 3  # words of right context the model sees after a candidate
LEFT_CHARS = 300  # at most this much left context (from the sentence start, or earlier if short)
MAX_CANDIDATES = 4  # the most frequent originals of a form that the model compares
MIN_P_CHANGE = 0.2  # forms the spinner changed less often than this (smoothed) are not proposed
STAGE = "detect"
_SENT_END = re.compile(r"[.!?]['\"\u2019\u201d)]*\s+|\n+")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    before: str
    key: str
    entry: Entry
    first_token: int  # index of the span's first token in the document


def find_spans(text: str, table: Table, *, min_p_change: float = 0.0, toks: list[Tok] | None = None,
               max_n: int | None = None) -> list[Span]:
    """Non-overlapping spans whose lower-cased tokens are a spun form of ``table`` (longest first).

    ``max_n`` is ``table.max_n()`` (the longest form, in tokens), given by a caller that scans many texts.
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
                    hit = Span(toks[i].start, toks[i + n - 1].end, text[toks[i].start:toks[i + n - 1].end], key, e, i)
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
               "capital_mid")
FEATURES_NOLM = ("bias", "log_p_change", "log_p_cand", "log_pairs", "spintax", "n_tokens", "capital_mid")


def _channel(e: Entry, cand: str) -> float:
    k = len(e.to)
    return math.log((e.to.get(cand, 0) + 0.5) / (e.changed + 0.5 * k))


def _features(span: Span, cand: str, gain: float | None, text: str) -> list[float]:
    e = span.entry
    cap_mid = 1.0 if span.before[:1].isupper() and span.start > 0 and not re.search(
        r"(^|[.!?:\n]['\"\u2019\u201d]?)\s*$", text[max(0, span.start - 4):span.start]) else 0.0
    common = [math.log(e.p_change), _channel(e, cand), math.log1p(e.pairs), 1.0 if e.source != "learned" else 0.0,
              float(span.key.count(" ") + 1), cap_mid]
    if gain is None:
        return [1.0, *common]
    return [1.0, max(-20.0, min(20.0, gain)), max(0.0, min(20.0, gain)), *common]


def score_spans(text: str, spans: Sequence[Span], scorer: Scorer | None, toks: list[Tok] | None = None) -> list[Scored]:
    """Pick each span's best candidate and its features (model gain and channel)."""
    toks = tokenize(text) if toks is None else toks
    out: list[Scored] = []
    for sp in spans:
        cands = [c for c, _ in sp.entry.best()[:MAX_CANDIDATES]]
        cased = [match_case(sp.before, surface(c)) for c in cands]
        gain: float | None = None
        if scorer is not None:
            ls = _left_start(text, sp.start)
            left = text[ls:sp.start]
            stripped = left.rstrip()
            ws = left[len(stripped):]
            n_tok = sp.key.count(" ") + 1
            right = text[sp.end:_right_end(text, toks, sp.first_token + n_tok)]
            conts = [ws + c + right for c in [sp.before, *cased]]
            lps = scorer.score(stripped, conts)
            base = lps[0]
            totals = [lp - base + _channel(sp.entry, c) for lp, c in zip(lps[1:], cands, strict=False)]
            best = max(range(len(cands)), key=lambda i: totals[i])
            gain = lps[1 + best] - base
        else:
            best = max(range(len(cands)), key=lambda i: (sp.entry.to[cands[i]], -i))
        out.append(Scored(sp, cased[best], cands[best], gain, _features(sp, cands[best], gain, text)))
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
        return cls(list(d.get("lm", [])), list(d.get("nolm", [])), dict(d.get("meta", {})))

    def save(self, path: str | Path = RULES_DIR / "calibration.json") -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


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
