"""detect: find spun passages, score how spun a document is, propose inverse substitutions.

The text is not changed; detect *proposes* changes with a confidence and gives the document a
``spin_score`` in [0, 1] (0.5 = "spun") and the spinner ``family`` the evidence points to.

How it decides, in two passes over the text:

1. **Candidates.** One Aho-Corasick automaton holds every ``phrase`` rule and every entry of every
   ``lexicon`` rule (lower-cased; a phrase with capitals must match exactly). ``pattern`` rules
   (regexes for things like ``5 p.c`` or ``a couple of week``), ``signal`` rules (evidence
   without a repair, such as "an" before a consonant) and ``builtin`` rules (spelled-out decades,
   the letter K spelled "Okay") add theirs. The same automaton holds the literals a pattern
   ``needs`` and those every match of it contains (derived from the regex): a pattern runs only
   when they occur, and one with short matches is tried only near them (see ``_finditer``).
   Each candidate is checked against its rule's context conditions
   (``before``/``after``/``not_before``/``not_after`` regexes next to the match).
   A text without any candidate costs one automaton scan and a handful of regex scans.
2. **Evidence, then confidence.** Every surviving candidate adds its rule's ``weight`` to its
   family (one weight per span; a rule, or a lexicon entry, counts at most three times per
   document, so one common word cannot make a document "spun"; nothing inside a protected set
   phrase counts). The weighted tells, scaled to a 200-word text (``(200 / words) ** 0.7`` for
   longer texts), give ``spin_score = 1 - exp(-tells / TAU)``, 0.5 at 4 tells; the family with
   the most weight is the ``family`` ("spin", evidence shared by several spinners, never is). Then each proposal's confidence is decided by its rule's
   ``gate``: ``none`` (a tell precise enough on its own: keep the rule's confidence), ``spun``
   (the document must score >= 0.5) or ``family`` (the document must be spun *and* point to the
   rule's family). A proposal whose gate is not met is kept with a confidence below the emit
   threshold: it is flagged for review, never applied.

A caller that knows the document-level decision already (a rule example's ``context``) passes it
as ``assume``: the gates then use it instead of the evidence (the score and evidence are still
reported as measured).

>>> from repair.rules import load_rules
>>> d = detect("Fighters of ISIS-Okay struck.", load_rules())
>>> [(c.before, c.after, c.rule) for c in d.changes]
[('Okay', 'K', 'okay.letter-k')]
>>> detect("Nothing to see here.", load_rules()).changes
()
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterator, NamedTuple

import ahocorasick

from repair.tells import signals

from repair.tells import spelling
from repair.errors import RuleError
from repair.scan.prefilter import folded, literal_cover, match_width, tried as _tried

from repair.model import Change, StageResult
from repair.words import count as count_words, match_case
from repair.rules import Rule, RuleSet

STAGE = "detect"
SPUN = 0.5  # the tool's own "spun" threshold on spin_score
FLAG_CAP = 0.55  # confidence given to a proposal whose gate is not met (below any sensible threshold)
# a family gate needs one of the family's tells (an entry of at least this weight) in the text:
# ordinary spinner words (weight < 1) must not vouch for their own family when shared signals alone
# make a text look spun (otherwise repairing a document's tells could change its family on a re-run)
TELL_WEIGHT = 1.0
PER_RULE_CAP = 3  # a rule (a lexicon: each of its entries) adds its weight at most this many times per document
SCALE_WORDS = 200.0  # evidence is counted per this many words (short texts count as this long)
TAU = 4.0 / math.log(2.0)  # 4 weighted tells per 200 words give spin_score 0.5
LENGTH_EXPONENT = 0.7  # a longer text with the same density of tells is stronger evidence, but less than linearly
GATES = ("none", "spun", "family")
SHARED = "spin"  # evidence shared by several spinners: counts towards the score, never names the family
_CONTEXT_KEYS = ("before", "after", "not_before", "not_after")


@dataclass(frozen=True, slots=True)
class Detection:
    text: str
    changes: tuple[Change, ...]
    spin_score: float
    family: str | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def result(self) -> StageResult:
        return StageResult(self.text, self.changes)


class Assume(NamedTuple):
    """The document-level decision the gates use, fixed by the caller instead of taken from the evidence.

    ``Assume(True, "okay")``: a document detected spun, by the "okay" spinner (a rule example's
    ``context = { spun = "okay" }``); ``Assume(False)``: a document not detected spun.
    """

    spun: bool
    family: str | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    not_before: re.Pattern[str] | None = None
    not_after: re.Pattern[str] | None = None

    def ok(self, text: str, start: int, end: int) -> bool:
        if self.before is not None and not self.before.search(text, max(0, start - 80), start):
            return False
        if self.not_before is not None and self.not_before.search(text, max(0, start - 80), start):
            return False
        if self.after is not None and not self.after.match(text, end):
            return False
        if self.not_after is not None and self.not_after.match(text, end):
            return False
        return True


@dataclass(frozen=True, slots=True)
class _Entry:
    """One thing to look for: the rule it comes from, what to replace it with, how sure."""

    rule: str
    family: str
    phrase: str  # as written in the rule
    replace: str | None  # None: evidence only
    confidence: float
    weight: float
    gate: str
    families: tuple[str, ...]  # gate "family": the document families the repair applies in
    exact: bool  # match case exactly (the phrase has capitals) rather than folding case
    context: _Context | None  # None: no context condition (most entries), nothing to check
    template: bool = False  # a pattern's ``replace`` holds a backslash: expand it per match (else it is literal)


@dataclass(frozen=True, slots=True)
class _Gate:
    """When a pattern or builtin rule is worth running on a text (every test is a necessary condition)."""

    needs: bool = False  # the rule lists ``needs``: it runs only if one of them occurs
    cover: bool = False  # every match contains one of some literals (derived from the regex): run only near them
    folded: bool = False  # those literals are compared case-blind (no use on text with odd case characters)
    width: int | None = None  # the longest match, when bounded and never empty: try only close to a literal


class _Key(NamedTuple):  # a tuple: some 8,000 are made per rule set
    """What one (lower-case) string in the automaton stands for."""

    length: int
    entries: tuple[_Entry, ...] = ()  # phrase and lexicon entries spelled so
    needed_by: tuple[int, ...] = ()  # scans (indexes) that list it in ``needs``
    covers: tuple[int, ...] = ()  # scans whose every match contains it


@dataclass(slots=True)
class _Compiled:
    automaton: Any  # lower-case string -> _Key; None if there is no string to look for
    entries: int
    patterns: list[tuple[re.Pattern[str], _Entry]]
    builtins: list[tuple[Callable[[str], Any], _Entry]]
    families: tuple[str, ...]
    gates: tuple[_Gate, ...]  # one per scan: the patterns, then the builtins
    unconditional: frozenset[int] = field(init=False)  # the scans without ``needs`` (derived from gates)

    def __post_init__(self) -> None:
        self.unconditional = frozenset(i for i, g in enumerate(self.gates) if not g.needs)


def _regex(rule: Rule, key: str, anchored_end: bool) -> re.Pattern[str] | None:
    raw = rule.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise RuleError(f"{rule.where()}: '{key}' must be a regular expression string")
    try:
        return re.compile(f"(?:{raw})\\Z" if anchored_end else raw, re.MULTILINE)
    except re.error as e:
        raise RuleError(f"{rule.where()}: '{key}' does not compile ({e}); check the escapes") from None


def _families(rule: Rule, family: str) -> tuple[str, ...]:
    raw = rule.get("families", [family])
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise RuleError(f"{rule.where()}: 'families' must be a list of family names")
    return tuple(raw)


def _common(rule: Rule, default_gate: str | None) -> tuple[str, float, float, str, _Context | None]:
    """A rule's family, confidence, weight, gate and context; ``default_gate`` None: by confidence."""
    family = str(rule.get("family", "unknown"))
    try:
        conf = float(rule.get("confidence", 0.9))
        weight = float(rule.get("weight", 1.0))
    except (TypeError, ValueError):
        raise RuleError(f"{rule.where()}: 'confidence' and 'weight' must be numbers") from None
    if not 0.0 <= conf <= 1.0:
        raise RuleError(f"{rule.where()}: confidence must be between 0 and 1")
    if weight < 0:
        raise RuleError(f"{rule.where()}: weight must not be negative")
    if default_gate is None:
        # learned or hand-written phrase rules without a gate: very sure ones apply on their own
        default_gate = "none" if conf >= 0.95 else "family"
    gate = str(rule.get("gate", default_gate))
    if gate not in GATES:
        raise RuleError(f"{rule.where()}: gate {gate!r} is not one of {', '.join(GATES)}")
    ctx = _Context(
        before=_regex(rule, "before", True),
        after=_regex(rule, "after", False),
        not_before=_regex(rule, "not_before", True),
        not_after=_regex(rule, "not_after", False),
    )
    return family, conf, weight, gate, (ctx if ctx != _Context() else None)


def compile_rules(rules: RuleSet) -> _Compiled:
    auto = ahocorasick.Automaton()
    keyed: dict[str, list[_Entry]] = defaultdict(list)
    patterns: list[tuple[re.Pattern[str], _Entry]] = []
    builtins: list[tuple[Callable[[str], Any], _Entry]] = []
    families: set[str] = set()
    needs: dict[str, list[int]] = defaultdict(list)
    always: list[int] = []

    def add(phrase: str, entry: _Entry, where: str) -> None:
        if not phrase.strip():
            raise RuleError(f"{where}: an empty phrase cannot be looked for")
        key = phrase.lower()
        if len(key) != len(phrase):
            raise RuleError(f"{where}: phrase {phrase!r} changes length when lower-cased; write it lower-case")
        keyed[key].append(entry)

    for r in rules.for_stage(STAGE):
        kind = r.get("kind", "phrase")
        if kind == "phrase":
            phrase, replace = r.data.get("phrase"), r.data.get("replace")
            if not isinstance(phrase, str) or not phrase or not isinstance(replace, str):
                raise RuleError(f"{r.where()}: a phrase rule needs string 'phrase' and 'replace'")
            family, conf, weight, gate, ctx = _common(r, None)
            exact = bool(r.get("exact", phrase != phrase.lower()))
            add(phrase, _Entry(r.id, family, phrase, replace, conf, weight, gate, _families(r, family), exact, ctx), r.where())
        elif kind == "lexicon":
            entries = r.data.get("entries")
            if not isinstance(entries, list) or not entries:
                raise RuleError(f"{r.where()}: a lexicon rule needs 'entries', a list of [\"spun\", \"original\"] pairs")
            family, conf, weight, gate, ctx = _common(r, "family")
            fams = _families(r, family)
            for i, e in enumerate(entries):
                if (not isinstance(e, list) or len(e) not in (2, 3) or not all(isinstance(x, str) for x in e[:2])
                        or (len(e) == 3 and not isinstance(e[2], (int, float)))):
                    raise RuleError(f"{r.where()}: entry {i + 1} must be [\"spun\", \"original\"] or "
                                    f"[\"spun\", \"original\", confidence]")
                c = float(e[2]) if len(e) == 3 else conf
                if not 0.0 <= c <= 1.0:
                    raise RuleError(f"{r.where()}: entry {i + 1}: confidence must be between 0 and 1")
                exact = bool(r.get("exact", e[0] != e[0].lower()))
                add(e[0], _Entry(r.id, family, e[0], e[1], c, weight, gate, fams, exact, ctx), f"{r.where()} entry {i + 1}")
        elif kind in ("pattern", "signal"):
            raw = r.data.get("pattern")
            if not isinstance(raw, str) or not raw:
                raise RuleError(f"{r.where()}: a {kind} rule needs a 'pattern'")
            replace = r.data.get("replace") if kind == "pattern" else None
            if kind == "pattern" and not isinstance(replace, str):
                raise RuleError(f"{r.where()}: a pattern rule needs a string 'replace' (a regex template)")
            flags = re.MULTILINE | (re.IGNORECASE if r.get("ignore_case", False) else 0)
            try:
                rx = re.compile(raw, flags)
            except re.error as e:
                raise RuleError(f"{r.where()}: pattern does not compile ({e}); check the escapes") from None
            family, conf, weight, gate, ctx = _common(r, "family")
            exact = not r.get("ignore_case", False)  # a case-blind pattern gives its replacement the match's case
            lits = r.get("needs", [])
            if not isinstance(lits, list) or not all(isinstance(x, str) and x for x in lits):
                raise RuleError(f"{r.where()}: 'needs' must be a list of literal strings, one of which every match contains")
            for lit in lits:
                needs[lit.lower()].append(len(patterns))
            if not lits:
                always.append(len(patterns))
            patterns.append((rx, _Entry(r.id, family, raw, replace, conf, weight, gate, _families(r, family), exact, ctx,
                                        isinstance(replace, str) and "\\" in replace)))
        elif kind == "builtin":
            name = r.data.get("function")
            fn = (spelling.BUILTINS.get(name) or signals.BUILTINS.get(name)) if isinstance(name, str) else None
            if fn is None:
                raise RuleError(f"{r.where()}: builtin function {name!r} is not one of {', '.join({**spelling.BUILTINS, **signals.BUILTINS})}")
            family, conf, weight, gate, ctx = _common(r, "none")
            builtins.append((fn, _Entry(r.id, family, name, "", conf, weight, gate, _families(r, family), True, ctx)))
        else:
            raise RuleError(f"{r.where()}: kind {kind!r} is not one of phrase, lexicon, pattern, signal, builtin")
        families.add(str(r.get("family", "unknown")))
    # one automaton finds the phrases, the literals patterns need and those their matches contain
    gates: list[_Gate] = []
    covers: dict[str, list[int]] = defaultdict(list)
    regexes = [rx for rx, _ in patterns] + [spelling.SPANS_MATCH.get(e.phrase) for _, e in builtins]
    for i, rx in enumerate(regexes):
        gate, lits = _gate(rx, i < len(patterns) and i not in always, i < len(patterns))
        for lit in lits:
            covers[lit.lower()].append(i)
        gates.append(gate)
    for key in {**keyed, **needs, **covers}:
        auto.add_word(key, _Key(len(key), tuple(keyed.get(key, ())), tuple(needs.get(key, ())),
                                tuple(covers.get(key, ()))))
    if len(auto):
        auto.make_automaton()
    return _Compiled(auto if len(auto) else None, len(keyed), patterns, builtins, tuple(sorted(families)),
                     tuple(gates))


_MIN_LITERAL = 3  # shorter ASCII literals are in nearly every text


def _gate(rx: re.Pattern[str] | None, needs: bool, windows: bool) -> tuple[_Gate, frozenset[str]]:
    """What lets a text skip a scan: its declared ``needs`` and the literals every match of ``rx``
    contains (from :func:`~repair.scan.prefilter.literal_cover`), which are returned too.

    The literals are looked for in the lower-cased text: a case-sensitive literal is used only if
    lower-casing maps each of its characters to one character, context-free (not a capital sigma).
    """
    found = literal_cover(rx) if rx is not None else None
    if found is None:
        return _Gate(needs), frozenset()
    strings, folded = found
    if any(len(e) < _MIN_LITERAL and e.isascii() for e in strings):
        return _Gate(needs), frozenset()  # " a", ". ": in every text, and looking for them costs
    if not folded and not all(len(ch.lower()) == 1 and ch != "\u03a3" for e in strings for ch in e):
        return _Gate(needs), frozenset()
    lo, hi = match_width(rx)  # type: ignore[arg-type]
    width = hi if windows and lo > 0 else None
    return _Gate(needs, True, folded, width), strings


_OTHER_SPACES = "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000"
_SPACES = str.maketrans({c: " " for c in _OTHER_SPACES})
_HAS_OTHER_SPACE = re.compile(f"[{_OTHER_SPACES}]")


def _fold(text: str) -> tuple[str, bool]:
    """The lower-cased text (same length, same offsets) and whether case-blind literal tests on it are
    unsafe (a character lower-cases to two, or re.IGNORECASE matches it beyond lower-casing)."""
    f = folded(text)  # often made already by normalise's last passes
    if len(f.lowered) == len(text):
        return f.lowered, f.odd
    return "".join(ch.lower()[0] for ch in text), True  # keep offsets when a character lower-cases to two


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    entry: _Entry
    after: str | None
    conf: float = 0.0  # the entry's confidence once its gate is decided


def _candidates(text: str, comp: _Compiled) -> list[_Hit]:
    hits: list[_Hit] = []
    raw = text
    if _HAS_OTHER_SPACE.search(text):
        text = text.translate(_SPACES)  # a no-break space between words is a space to the rules (same length)
    folded, odd = _fold(text)
    needed: set[int] = set()  # scans one of whose `needs` occurs
    near: dict[int, list[tuple[int, int]]] = defaultdict(list)  # scan -> (start, length) of its literals
    n = len(text)
    for end, key in comp.automaton.iter(folded) if comp.automaton is not None else ():
        start = end - key.length + 1
        stop = end + 1
        if key.needed_by:
            needed.update(key.needed_by)
        for i in key.covers:
            near[i].append((start, key.length))
        if not key.entries:
            continue
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_") and \
                (text[start].isalnum() or text[start] == "_"):
            continue  # a word character on both sides of the start: inside a word
        if stop < n and (text[stop].isalnum() or text[stop] == "_") and (text[end].isalnum() or text[end] == "_"):
            continue
        span = raw[start:stop]
        as_written = span[0].isalpha() and not span[0].isupper()  # match_case keeps the replacement as it is
        for e in key.entries:
            if e.exact and text[start:stop] != e.phrase:
                continue
            if e.context is not None and not e.context.ok(text, start, stop):
                continue
            if e.replace is None or e.exact or as_written:
                after = e.replace
            else:
                after = match_case(span, e.replace)
            hits.append(_Hit(start, stop, e, after))
    n_patterns = len(comp.patterns)
    for i in sorted(needed.union(comp.unconditional)):  # the scans worth running, patterns then builtins
        gate = comp.gates[i]
        where: list[tuple[int, int]] | None = None  # where to look (None: everywhere)
        if gate.cover and not (gate.folded and odd):
            where = near.get(i)
            if not where:
                continue  # none of the literals every match contains
        if i >= n_patterns:
            fn, e = comp.builtins[i - n_patterns]
            for s, t, after in fn(text):
                if e.context is None or e.context.ok(text, s, t):
                    hits.append(_Hit(s, t, e, after))
            continue
        rx, e = comp.patterns[i]
        for m in _finditer(rx, text, where, gate.width):
            if m.start() == m.end() or (e.context is not None and not e.context.ok(text, m.start(), m.end())):
                continue
            after = m.expand(e.replace) if e.template else e.replace  # a template without "\\" expands to itself
            if after is not None and not e.exact:
                after = match_case(m.group(0), after)
            hits.append(_Hit(m.start(), m.end(), e, after))
    return hits


_TRY_COST = 16  # one rx.match call costs about as much as scanning this many characters


def _finditer(rx: re.Pattern[str], text: str, spots: list[tuple[int, int]] | None,
              width: int | None) -> Iterator[re.Match[str]]:
    """The matches of ``rx.finditer(text)``, looked for only where one can start.

    ``spots`` are the (start, length) of literals every match contains (None: unknown) and
    ``width`` the longest match (None: unbounded): a match then starts at most ``width - length``
    characters before one of them, and nowhere else. Trying ``rx.match`` at those positions, in
    order and never inside the previous match, finds what ``finditer`` finds; when they are many,
    one scan from the first of them is cheaper (and finds the same: no match starts before it).
    """
    if spots is None or width is None:
        return rx.finditer(text)
    if not spots:
        return iter(())  # no literal: no match
    windows = sorted({(max(0, p + k - width), p) for p, k in spots})  # (first, last) possible start
    first = windows[0][0]
    if sum(hi - lo + 1 for lo, hi in windows) * _TRY_COST > len(text) - first:
        return rx.finditer(text, first)
    return _tried(rx, text, windows)


def _resolve(hits: list[_Hit], text: str) -> list[_Hit]:
    """Keep non-overlapping repairs: those whose gate is met first, then the longest span, the exact, the surest.

    An entry whose replacement equals the matched text protects its span (``["in case you missed it",
    "in case you missed it"]`` keeps ``in case you`` -> ``if you`` off a set phrase).
    """
    ranked = sorted((h for h in hits if h.after is not None),
                    key=lambda h: (h.conf <= FLAG_CAP, -(h.end - h.start), not h.entry.exact, -h.conf, h.start))
    out: list[_Hit] = []  # kept, sorted by start, never overlapping
    starts: list[int] = []
    for h in ranked:
        j = bisect.bisect_left(starts, h.end)
        clash = []
        while j > 0 and out[j - 1].end > h.start:
            j -= 1
            clash.append(j)
        if not clash:
            k = bisect.bisect_left(starts, h.start)
            starts.insert(k, h.start)
            out.insert(k, h)
        elif len(clash) == 1:
            merged = _merge(out[clash[0]], h, text)
            if merged is not None:
                del starts[clash[0]], out[clash[0]]
                k = bisect.bisect_left(starts, merged.start)
                starts.insert(k, merged.start)
                out.insert(k, merged)
    return out


def _merge(a: _Hit, b: _Hit, text: str) -> _Hit | None:
    """Join two repairs that overlap on words both keep ("decrease than" + "than per week").

    Without this the second would only fire on a second run, and running twice must change nothing.
    """
    if a.start > b.start:
        a, b = b, a
    if not (a.start < b.start < a.end < b.end) or a.after is None or b.after is None:
        return None
    shared = text[b.start:a.end]
    if not (a.after.endswith(shared) and b.after.startswith(shared)):
        return None
    overlap_len = len(shared)
    low = a if a.conf <= b.conf else b
    return _Hit(a.start, b.end, low.entry, a.after + b.after[overlap_len:], low.conf)


def score(weights: dict[str, float], words: int) -> float:
    """Calibrated spin score from the weighted tells of a document.

    >>> score({}, 300)
    0.0
    >>> round(score({"okay": 4.0}, 200), 2)
    0.5
    >>> score({"okay": 30.0}, 400) > 0.9
    True
    """
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    per = total * (SCALE_WORDS / max(float(words), SCALE_WORDS)) ** LENGTH_EXPONENT
    return 1.0 - math.exp(-per / TAU)


class _Cover:
    """Answers "is [s, e) inside one of these spans (and not the span itself)?" in log time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _ in spans]
        self.max_end: list[int] = []
        top = -1
        for _, e in spans:
            top = max(top, e)
            self.max_end.append(top)

    def strictly(self, s: int, e: int) -> bool:
        i = bisect.bisect_left(self.starts, s)  # spans starting before s
        if i and self.max_end[i - 1] >= e:
            return True
        j = bisect.bisect_right(self.starts, s)  # spans starting at s must reach further
        return j > i and self.max_end[j - 1] > e


def evidence(text: str, rules: RuleSet,
             without: Collection[str] = ()) -> tuple[list[_Hit], dict[str, float], dict[str, int], int]:
    """Candidates, weighted tells by family (capped per rule), hit counts by rule, word count.

    ``without``: rule ids whose candidates are dropped, as if those rules were not in ``rules``
    (no other rule's candidates depend on them), without compiling the rules again.
    """
    comp = rules.compiled(STAGE, compile_rules)
    hits = _candidates(text, comp) if text else []
    if without:
        hits = [h for h in hits if h.entry.rule not in without]
    per_rule: dict[str, int] = {}
    weights: dict[str, float] = {}
    per_entry: dict[tuple[str, str], int] = {}
    protected = [(h.start, h.end) for h in hits if h.after is not None and h.after == text[h.start:h.end]]
    covered = _Cover(protected) if protected else None
    best: dict[tuple[int, int], _Hit] = {}  # one piece of evidence per span: the heaviest
    for h in hits:
        if covered is not None and covered.strictly(h.start, h.end):
            continue  # inside a set phrase a protecting entry vouches for
        k = (h.start, h.end)
        if k not in best or h.entry.weight > best[k].entry.weight:
            best[k] = h
    for h in best.values():
        e = h.entry
        per_rule[e.rule] = per_rule.get(e.rule, 0) + 1
        n = per_entry[e.rule, e.phrase] = per_entry.get((e.rule, e.phrase), 0) + 1
        if e.weight > 0 and n <= PER_RULE_CAP:
            weights[e.family] = weights.get(e.family, 0.0) + e.weight
    return hits, weights, per_rule, count_words(text)


def _family(weights: dict[str, float]) -> str | None:
    """The family with the most weight; shared evidence ("spin") alone points to "other"."""
    named = {f: w for f, w in weights.items() if f != SHARED and w > 0}
    if not named:
        return "other" if weights.get(SHARED, 0) > 0 else None
    return max(sorted(named), key=lambda f: named[f])


def _gate_ok(e: _Entry, spun: bool, family: str | None, weights: dict[str, float], told: set[str]) -> bool:
    if e.gate == "none":
        return True
    if not spun:
        return False
    if e.gate == "spun":
        return True
    if family in e.families and family in told:
        return True
    top = max((w for f, w in weights.items() if f != SHARED), default=0.0)
    return any(weights.get(f, 0.0) >= max(4.0, 0.5 * top) for f in e.families)


def detect(text: str, rules: RuleSet, *, assume: Assume | None = None, without: Collection[str] = ()) -> Detection:
    """Propose repairs; ``assume`` fixes the decision the gates use, ``without`` leaves rule ids out
    (see :func:`evidence`). Both are for rule examples and their tests; a run passes neither."""
    hits, weights, per_rule, words = evidence(text, rules, without)
    if not hits:
        return Detection(text, (), 0.0, None, {"words": words} if text else {})
    s = score(weights, words)
    family = _family(weights)
    spun = s >= SPUN
    told = {h.entry.family for h in hits if h.entry.weight >= TELL_WEIGHT}
    gate_family, gate_weights = family, weights
    if assume is not None:  # the caller's decision, not the evidence's: a family gate opens for that family only
        spun, gate_family, told, gate_weights = assume.spun, assume.family, {assume.family}, {}
    found: list[Change] = []
    for h in hits:
        e = h.entry
        h.conf = e.confidence if _gate_ok(e, spun, gate_family, gate_weights, told) else min(e.confidence, FLAG_CAP)
    for h in _resolve(hits, text):
        if h.after == text[h.start:h.end]:
            continue  # a protecting entry (spun == original): it only keeps shorter repairs off this span
        found.append(Change(STAGE, h.entry.rule, h.start, h.end, text[h.start:h.end], h.after, round(h.conf, 4), False))
    ev = {"tells": {k: round(v, 3) for k, v in sorted(weights.items())}, "words": words,
          "rules": dict(sorted(per_rule.items()))}
    if assume is not None:
        ev["assumed"] = {"spun": assume.spun, "family": assume.family}
    return Detection(text, tuple(found), round(s, 4), family if s > 0 else None, ev)
