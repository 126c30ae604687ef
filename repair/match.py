"""match: resolve spun names and set phrases to canonical terms.

Candidate windows are found by looking up spinner substitution words (``kind = "substitution"``
rules in the match stage, e.g. Division -> Department) with one regex; each window of capitalised
words around a hit is mapped back word by word and compared with the canonical terms
(``kind = "terms"`` rules) with rapidfuzz. Only candidate windows are scored.

>>> from repair.rules import load_rules
>>> [(c.before, c.after) for c in match("Officials at the State Division said.", load_rules()).changes]
[('State Division', 'State Department')]
>>> match("Officials at the State Department said.", load_rules()).changes
()
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .errors import RuleError
from .model import Change, StageResult
from .rules import RuleSet

STAGE = "match"


@dataclass(slots=True)
class _Gazetteer:
    terms: list[str]
    term_rule: dict[str, str]
    subs: dict[str, tuple[str, str, float]]  # spun word -> (canonical word, rule id, confidence)
    trigger: re.Pattern[str] | None


def compile_rules(rules: RuleSet) -> _Gazetteer:
    terms: list[str] = []
    term_rule: dict[str, str] = {}
    subs: dict[str, tuple[str, str, float]] = {}
    for r in rules.for_stage(STAGE):
        kind = r.get("kind")
        if kind == "terms":
            items = r.data.get("terms")
            if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
                raise RuleError(f"{r.where()}: a terms rule needs 'terms', a list of strings")
            for t in items:
                terms.append(t)
                term_rule[t] = r.id
        elif kind == "substitution":
            spun, canon = r.data.get("spun"), r.data.get("canonical")
            if not isinstance(spun, str) or not isinstance(canon, str):
                raise RuleError(f"{r.where()}: a substitution rule needs string 'spun' and 'canonical'")
            subs[spun] = (canon, r.id, float(r.get("confidence", 0.9)))
        else:
            raise RuleError(f"{r.where()}: kind {kind!r} is not one of terms, substitution")
    trigger = None
    if subs:
        trigger = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in sorted(subs, key=len, reverse=True)) + r")\b")
    return _Gazetteer(terms, term_rule, subs, trigger)


_CAP_WORD = re.compile(r"[A-Z][\w'’-]*")


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) over neighbouring capitalised words (at most three each side)."""
    s, e = start, end
    for _ in range(3):
        m = re.search(r"([A-Z][\w'’.-]*)\s+$", text[max(0, s - 40):s])
        if not m:
            break
        s = s - (len(text[max(0, s - 40):s]) - m.start(1))
    for _ in range(3):
        m = re.match(r"\s+([A-Z][\w'’-]*)", text[e:e + 40])
        if not m:
            break
        e = e + m.end(1)
    return s, e


def match(text: str, rules: RuleSet, *, min_score: float = 92.0) -> StageResult:
    g = rules.compiled(STAGE, compile_rules)
    if g.trigger is None or not g.terms or not text:
        return StageResult(text, ())
    out: list[Change] = []
    taken_until = -1
    for m in g.trigger.finditer(text):
        if m.start() < taken_until:
            continue
        ws, we = _window(text, m.start(), m.end())
        window = text[ws:we]
        # map each spun word back, then try every sub-window that contains the trigger
        words = [(w.start() + ws, w.end() + ws, w.group(0)) for w in re.finditer(r"\S+", window)]
        best = None
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                s, e = words[i][0], words[j - 1][1]
                if not (s <= m.start() and m.end() <= e):
                    continue
                spun = text[s:e]
                restored = " ".join(g.subs.get(w, (w,))[0] for _, _, w in words[i:j])
                if restored == spun:
                    continue
                hit = process.extractOne(restored, g.terms, scorer=fuzz.ratio, score_cutoff=min_score)
                if hit and (best is None or hit[1] > best[0] or (hit[1] == best[0] and e - s > best[2] - best[1])):
                    best = (hit[1], s, e, hit[0], spun)
        if best:
            score, s, e, term, spun = best
            word_conf = min(g.subs.get(w, ("", "", 1.0))[2] for w in spun.split())
            rid = g.term_rule[term]
            out.append(Change(STAGE, rid, s, e, spun, term, round(min(1.0, word_conf * score / 100.0 + 0.05), 4), False))
            taken_until = e
    return StageResult(text, tuple(out))
