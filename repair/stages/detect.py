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
   when they occur, and one with short matches is tried only near them (see :mod:`repair.scan.windows`).
   Each candidate is checked against its rule's context conditions
   (``before``/``after``/``not_before``/``not_after`` regexes next to the match).
   A text without any candidate costs one automaton scan and a handful of regex scans.
2. **Evidence, then confidence.** Every surviving candidate adds its rule's ``weight`` to its
   family (one weight per span; a rule, or a lexicon entry, counts at most three times per
   document, so one common word cannot make a document "spun"; nothing inside a protected set
   phrase counts). The weighted tells, scaled to a 200-word text (``(200 / words) ** 0.7`` for
   longer texts), give ``spin_score = 1 - exp(-tells / TAU)``, 0.5 at 4 tells; the family with
   the most weight is the ``family`` ("spin", evidence shared by several spinners, never is).
   Then each proposal's confidence is decided by its rule's
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
import functools
import math
import operator
import re
import sys
from dataclasses import dataclass, replace
from typing import Any, Callable, Collection, NamedTuple, Sequence

from repair.model import FLAG_CAP, SPUN, Change, StageResult, change
from repair.rules import RuleSet
from repair.scan.prefilter import folded
from repair.scan.windows import finditer
from repair.spans import Placed
from repair.stages.detect_rules import STAGE, Compiled, Entry, compile_rules
from repair.stages.emit import DEFAULT_THRESHOLD as SURE
from repair.words import count as count_words
from repair.words import match_case

# a family gate needs one of the family's tells (an entry of at least this weight) in the text:
# ordinary spinner words (weight < 1) must not vouch for their own family when shared signals alone
# make a text look spun (otherwise repairing a document's tells could change its family on a re-run)
TELL_WEIGHT = 1.0
PER_RULE_CAP = 3  # a rule (a lexicon: each of its entries) adds its weight at most this many times per document
SCALE_WORDS = 200.0  # evidence is counted per this many words (short texts count as this long)
TAU = 4.0 / math.log(2.0)  # 4 weighted tells per 200 words give spin_score 0.5
LENGTH_EXPONENT = 0.7  # a longer text with the same density of tells is stronger evidence, but less than linearly
SHARED = "spin"  # evidence shared by several spinners: counts towards the score, never names the family


class Assume(NamedTuple):
    """The document-level decision the gates use, fixed by the caller instead of taken from the evidence.

    ``Assume(True, "okay")``: a document detected spun, by the "okay" spinner (a rule example's
    ``context = { spun = "okay" }``); ``Assume(False)``: a document not detected spun.
    """

    spun: bool
    family: str | None = None


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
    entry: Entry
    after: str | None
    conf: float = 0.0  # the entry's confidence once its gate is decided


def _candidates(text: str, comp: Compiled) -> list[_Hit]:
    """Every candidate of the compiled rules in ``text``: phrase and lexicon entries the automaton finds,
    then the pattern and builtin scans worth running (those whose literals it found too)."""
    hits: list[_Hit] = []
    raw = text
    if not text.isascii() and _HAS_OTHER_SPACE.search(text):  # (the spaces looked for are all non-ASCII)
        text = text.translate(_SPACES)  # a no-break space between words is a space to the rules (same length)
    folded, odd = _fold(text)
    needed: set[int] = set()  # scans one of whose `needs` occurs
    near: dict[int, list[tuple[int, int]]] = {}  # scan -> (start, length) of its literals
    n = len(text)
    add = hits.append
    keys = comp.automaton.values if comp.automaton is not None else ()
    plain = comp.plain
    for which, start, stop in comp.automaton.find(folded) if comp.automaton is not None else ():
        e = plain[which]  # the string's one entry, holding wherever it stands as a word (most hits)
        if e is None:
            length, entries, needed_by, covers = keys[which]  # a Key: unpacked at once, not four attribute lookups
            if needed_by:
                needed.update(needed_by)
            for i in covers:
                if i in near:
                    near[i].append((start, length))
                else:
                    near[i] = [(start, length)]
            if not entries:
                continue
        # the entries spelled as text[start:stop] (lower-cased) that hold there: a whole word or phrase,
        # spelled exactly when they must be, in their context (inline: the loop's hot path)
        end = stop - 1
        if start > 0:
            c = text[start - 1]
            if (c.isalnum() or c == "_") and ((c := text[start]).isalnum() or c == "_"):
                continue  # a word character on both sides of the start: inside a word
        if stop < n:
            c = text[stop]
            if (c.isalnum() or c == "_") and ((c := text[end]).isalnum() or c == "_"):
                continue
        span = raw[start:stop]
        c = span[0]
        as_written = c.isalpha() and not c.isupper()  # match_case keeps the replacement as it is
        if e is not None:
            after = e.replace
            add(_Hit(start, stop, e, after if after is None or as_written else match_case(span, after)))
            continue
        for e in entries:
            if e.exact and text[start:stop] != e.phrase:
                continue
            if e.context is not None and not e.context.ok(text, start, stop):
                continue
            after = e.replace
            if not (after is None or e.exact or as_written):
                after = match_case(span, after)
            add(_Hit(start, stop, e, after))
    for i in sorted(needed.union(comp.unconditional)):  # the scans worth running, patterns then builtins
        gate = comp.gates[i]
        where: list[tuple[int, int]] | None = None  # where to look (None: everywhere)
        if gate.cover and not (gate.folded and odd):
            where = near.get(i)
            if not where:
                continue  # none of the literals every match contains
        if i >= len(comp.patterns):
            fn, e = comp.builtins[i - len(comp.patterns)]
            for s, t, after in fn(text):
                if e.context is None or e.context.ok(text, s, t):
                    hits.append(_Hit(s, t, e, after))
        else:
            _pattern_hits(hits, text, *comp.patterns[i], where, gate.width, gate.lead, gate.word)
    return hits


@functools.lru_cache(maxsize=1024)
def _expander(rx: re.Pattern[str], template: str) -> Callable[[re.Match[str]], str]:
    """``lambda m: m.expand(template)``, with the template parsed once: Python 3.11's ``Match.expand``
    parses it on every call (``re._expand``; later versions cache it themselves)."""
    if sys.version_info[:2] == (3, 11):
        from re import _parser

        parsed = _parser.parse_template(template, rx)
        return functools.partial(_parser.expand_template, parsed)
    return lambda m: m.expand(template)


def _pattern_hits(hits: list[_Hit], text: str, rx: re.Pattern[str], e: Entry, where: list[tuple[int, int]] | None,
                  width: int | None, lead: int | None = None, word: bool = False) -> None:
    """The matches of a pattern or signal rule (looked for near ``where`` only, when given) in their context."""
    ctx, replace, template, exact = e.context, e.replace, e.template, e.exact
    expand = _expander(rx, replace) if template else None  # type: ignore[arg-type]
    for m in finditer(rx, text, where, width, lead, word):
        s, t = m.span()
        if s == t or (ctx is not None and not ctx.ok(text, s, t)):
            continue
        after = expand(m) if expand is not None else replace  # a template without "\\" expands to itself
        if after is not None and not exact:
            after = match_case(text[s:t], after)
        hits.append(_Hit(s, t, e, after))


def _resolve(hits: list[_Hit], text: str) -> list[_Hit]:
    """Keep non-overlapping repairs: those whose gate is met first, then the longest span, the exact, the surest.

    An entry whose replacement equals the matched text protects its span (``["in case you missed it",
    "in case you missed it"]`` keeps ``in case you`` -> ``if you`` off a set phrase).

    Only a run of hits that overlap one another (transitively) needs ranking: a hit that overlaps no
    other is kept whatever its rank, and no choice inside one run touches another (a merge stays
    inside its run). So the hits are put in order of their start, and :func:`_rank_run` ranks each
    run of two or more, as ranking them all at once would (:func:`_resolve_ranked`, the test's
    reference); on spun text most hits stand alone.
    """
    out: list[_Hit] = []  # kept, sorted by start, never overlapping
    run: list[_Hit] = []
    reach = first = -1  # the furthest end in the run, the start of its last hit
    for h in sorted((h for h in hits if h.after is not None), key=_START):  # stable: ties keep the hits' order
        if h.start >= reach and h.start > first:  # overlaps nothing before it: the run before it is complete
            # (hits that start at one place stay in one run: ranking decides the order of those it keeps there)
            if len(run) == 1:
                out.append(run[0])
            elif run:
                out.extend(_rank_run(run, text))
            run = [h]
            reach = h.end
        else:
            run.append(h)
            if h.end > reach:
                reach = h.end
        first = h.start
    if len(run) == 1:
        out.append(run[0])
    elif run:
        out.extend(_rank_run(run, text))
    return out


_START = operator.attrgetter("start")


def _rank(h: _Hit) -> tuple[bool, int, bool, float, int]:
    return (h.conf <= FLAG_CAP, -(h.end - h.start), not h.entry.exact, -h.conf, h.start)


def _rank_run(hits: list[_Hit], text: str) -> list[_Hit]:
    """The hits to keep of ``hits`` (in the order given where their rank ties), sorted by start: each
    in order of :func:`_rank` unless it overlaps one kept already (then merged with it when they
    share the words they overlap on, see :func:`_merge`)."""
    out: list[_Hit] = []
    starts: list[int] = []
    for h in sorted(hits, key=_rank):
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


def _resolve_ranked(hits: list[_Hit], text: str) -> list[_Hit]:
    """:func:`_resolve` as one ranking of every hit (what it does, more slowly; the tests' reference)."""
    return _rank_run([h for h in hits if h.after is not None], text)


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

    def holds(self, s: int, e: int) -> bool:
        """Whether [s, e) is inside one of the spans (or is one of them)."""
        i = bisect.bisect_right(self.starts, s)  # spans starting at or before s
        return i > 0 and self.max_end[i - 1] >= e

    def strictly(self, s: int, e: int) -> bool:
        i = bisect.bisect_left(self.starts, s)  # spans starting before s
        if i and self.max_end[i - 1] >= e:
            return True
        j = bisect.bisect_right(self.starts, s)  # spans starting at s must reach further
        return j > i and self.max_end[j - 1] > e


class Evidence(NamedTuple):
    """What detect counted in a text (:func:`evidence`)."""

    hits: list[_Hit]  # the candidates
    weights: dict[str, float]  # weighted tells by family (capped per rule)
    per_rule: dict[str, int]  # hit counts by rule
    words: int

    @property
    def spin_score(self) -> float:
        """The document's spin score, as :func:`detect` reports it."""
        return round(score(self.weights, self.words), 4) if self.hits else 0.0

    @property
    def family(self) -> str | None:
        """The family the evidence points to, as :func:`detect` reports it."""
        return _family(self.weights) if self.hits and score(self.weights, self.words) > 0 else None


def evidence(text: str, rules: RuleSet, without: Collection[str] = ()) -> Evidence:
    """Candidates, weighted tells by family (capped per rule), hit counts by rule, word count.

    ``without``: rule ids whose candidates are dropped, as if those rules were not in ``rules``
    (no other rule's candidates depend on them), without compiling the rules again.
    """
    return _weighed(_found(text, rules, without), text)


def _found(text: str, rules: RuleSet, without: Collection[str] = ()) -> list[_Hit]:
    """The candidates :func:`evidence` weighs."""
    hits = _candidates(text, rules.compiled(STAGE, compile_rules)) if text else []
    if without:
        hits = [h for h in hits if h.entry.rule not in without]
    return hits


def _weighed(hits: list[_Hit], text: str, words: int | None = None) -> Evidence:
    """:func:`evidence` of ``text`` from its candidates (``words``: its word count, when known)."""
    per_rule: dict[str, int] = {}
    weights: dict[str, float] = {}
    per_entry: dict[tuple[str, str], int] = {}
    protected = [(h.start, h.end) for h in hits
                 if h.after is not None and len(h.after) == h.end - h.start and h.after == text[h.start:h.end]]
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
    return Evidence(hits, weights, per_rule, count_words(text) if words is None else words)


def _family(weights: dict[str, float]) -> str | None:
    """The family with the most weight; shared evidence ("spin") alone points to "other"."""
    named = {f: w for f, w in weights.items() if f != SHARED and w > 0}
    if not named:
        return "other" if weights.get(SHARED, 0) > 0 else None
    return max(sorted(named), key=lambda f: named[f])


def _gate_ok(e: Entry, spun: bool, family: str | None, weights: dict[str, float], told: set[str],
             words: int = 0) -> bool:
    if e.gate == "none":
        return True
    if not spun:
        return False
    if e.gate == "spun":
        return True
    if family in e.families and family in told:
        return True
    if any(f in told and score({f: weights.get(f, 0.0), SHARED: weights.get(SHARED, 0.0)}, words) >= SPUN
           for f in e.families):
        return True  # the family's own tells (and shared ones) make the text spun: repairing another family's
        # tells first must not open this gate on a second run only (idempotence, issue 11)
    top = max((w for f, w in weights.items() if f != SHARED), default=0.0)
    return any(weights.get(f, 0.0) >= max(4.0, 0.5 * top) for f in e.families)


def detect(text: str, rules: RuleSet, *, assume: Assume | None = None, without: Collection[str] = (),
           also: Assume | None = None, found: Evidence | None = None, others: Sequence[Change] = ()) -> StageResult:
    """Propose repairs; the text is returned unchanged. ``info`` holds the document's ``spin_score``,
    ``family`` and ``evidence``. ``assume`` fixes the decision the gates use, ``without`` leaves rule
    ids out (see :func:`evidence`); ``also`` is a decision that opens gates besides the evidence's (the
    learned model's, when it finds the document spun too); ``found``: :func:`evidence` of this text
    (with these ``without``), when the caller has it already; ``others``: proposals from elsewhere (the
    learned model's) that emit applies where detect's sure repairs leave room, whose output a second
    run would look at too (a repair of detect's that folds one in takes its place)."""
    hits, weights, per_rule, words = found if found is not None else evidence(text, rules, without)
    if not hits:
        return StageResult(text, (), _info(0.0, None, {"words": words} if text else {}))
    s = score(weights, words)
    family = _family(weights)
    decided = (assume, also)
    _gate(hits, weights, words, *decided)
    found: list[Change] = []
    rounded: dict[float, float] = {}  # a confidence, rounded once: the hits share a few
    for h in _look_again(text, rules, without, hits, decided, others):
        before = text[h.start:h.end]
        if h.after == before:
            continue  # a protecting entry (spun == original): it only keeps shorter repairs off this span
        conf = rounded.get(h.conf)
        if conf is None:
            conf = rounded[h.conf] = round(h.conf, 4)
        found.append(change(STAGE, h.entry.rule, h.start, h.end, before, h.after, conf, False))
    ev = {"tells": {k: round(v, 3) for k, v in sorted(weights.items())}, "words": words,
          "rules": dict(sorted(per_rule.items()))}
    if assume is not None:
        ev["assumed"] = {"spun": assume.spun, "family": assume.family}
    return StageResult(text, tuple(found), _info(round(s, 4), family if s > 0 else None, ev))


def _gate(hits: list[_Hit], weights: dict[str, float], words: int, assume: Assume | None,
          also: Assume | None = None) -> None:
    """Decide each hit's confidence by its gate, on the document-level decision ``weights`` and
    ``words`` make (or the one ``assume`` fixes), and the one ``also`` adds."""
    spun, family = score(weights, words) >= SPUN, _family(weights)
    told = {h.entry.family for h in hits if h.entry.weight >= TELL_WEIGHT}
    if assume is not None:  # the caller's decision, not the evidence's: a family gate opens for that family only
        spun, family, told, weights = assume.spun, assume.family, {assume.family}, {}
    opens: dict[tuple[str, tuple[str, ...]], bool] = {}  # (gate, families) -> open: all a gate reads of an entry
    for h in hits:
        e = h.entry
        ok = opens.get((e.gate, e.families))
        if ok is None:
            ok = opens[e.gate, e.families] = _gate_ok(e, spun, family, weights, told, words) or (
                also is not None and _gate_ok(e, also.spun, also.family, {}, {also.family}))
        h.conf = e.confidence if ok else min(e.confidence, FLAG_CAP)


def _look_again(text: str, rules: RuleSet, without: Collection[str], hits: list[_Hit],
                decided: tuple[Assume | None, Assume | None], others: Sequence[Change] = ()) -> list[_Hit]:
    """The repairs of ``hits`` (gated), with what a run on their output would still repair folded in.

    A repair changes the evidence it was decided on: its output can hold a tell of its own ("totally
    different" -> "different", itself a tell for "other"; "tips on tips on how to" -> "tips on how to"),
    free a tell it took the place of, or leave another family on top once its family's tells are gone (a
    gate that opens only then). Running again would repair those, so detect looks at its sure repairs'
    output (and that of the sure ones among ``others`` where its own leave room, as emit will) as a
    second run would, with its evidence and gates, and folds each further repair into one change over
    the original span, until nothing more would change (idempotence, issue 11).
    """
    extra: list[_Hit] = []
    kept = _resolve(hits, text)
    # the sure ones among ``others``, as hits of an exact entry of their rule (one per rule id: a hit of
    # ``others`` is never weighed nor gated, only placed, and folded in under its rule id)
    entries: dict[str, Entry] = {}
    outside = []
    for c in sorted((c for c in others if c.confidence >= SURE and c.before != c.after),
                    key=lambda c: (-c.confidence, -(c.end - c.start), c.start, c.rule)):
        e = entries.get(c.rule)
        if e is None:
            e = entries[c.rule] = Entry(c.rule, "", "", None, SURE, 0.0, "none", (), True, None)
        outside.append(_Hit(c.start, c.end, e, c.after, c.confidence))
    for _ in range(_LOOKS):
        sure = [h for h in kept if h.conf >= SURE and h.after != text[h.start:h.end]]
        taken = Placed()
        for h in sure:
            taken.add(h.start, h.end)
        for h in outside:  # as emit chooses: the surest first, never over a sure repair of detect's
            if not taken.clashes(h.start, h.end):
                taken.add(h.start, h.end)
                sure.append(h)
        if not sure:
            break
        sure.sort(key=lambda h: (h.start, h.end))
        parts: list[str] = []
        places: list[tuple[_Hit, int, int]] = []  # a sure repair and its span in the repaired text
        pos = shift = 0
        for h in sure:
            parts.append(text[pos:h.start])
            parts.append(h.after)  # type: ignore[arg-type]
            places.append((h, h.start + shift, h.start + shift + len(h.after)))  # type: ignore[arg-type]
            shift += len(h.after) - (h.end - h.start)  # type: ignore[arg-type]
            pos = h.end
        parts.append(text[pos:])
        repaired = "".join(parts)
        found = _found(repaired, rules, without)
        if not _could_repair(found, repaired):
            break  # (the evidence is not weighed: no gate could make a repair of these sure)
        words = count_words(repaired)
        if _shut(found, repaired, words, decided):
            break  # (nor here: no gate of those could open)
        again, weights, _, words = _weighed(found, repaired, words)
        _gate(again, weights, words, *decided)
        more = [h for h in _resolve(again, repaired) if h.conf >= SURE and h.after != repaired[h.start:h.end]]
        if not more:
            break
        for h in more:
            folded = _fold_in(h, places, repaired)
            extra = [x for x in extra if not folded.start <= x.start <= x.end <= folded.end]  # taken in
            extra.append(folded)
        inside = _Cover([(x.start, x.end) for x in extra])
        kept = _resolve([h for h in hits if not inside.holds(h.start, h.end)] + extra, text)
    return kept


def _could_repair(hits: list[_Hit], text: str) -> bool:
    """Whether some hit could be a sure repair of ``text``, whatever the gates decide: one whose entry is
    sure enough (a gate only lowers confidence) and whose replacement differs from what it replaces (a
    merge of two hits is as sure as the less sure one, and changes the text only if one of them does)."""
    return any(_may_repair(h, text) for h in hits)


def _may_repair(h: _Hit, text: str) -> bool:
    """Whether ``h`` would be a sure repair of ``text`` if its gate opened (:func:`_could_repair`)."""
    return h.entry.confidence >= SURE and h.after is not None and h.after != text[h.start:h.end]


def _shut(hits: list[_Hit], text: str, words: int, decided: tuple[Assume | None, Assume | None]) -> bool:
    """Whether the gates keep every hit that could be a sure repair of ``text`` (:func:`_could_repair`)
    below sure, as :func:`_gate` would decide them, known without weighing the evidence: ``decided``
    fixes the decision (an ``assume``), or the heaviest the evidence could be (every hit's weight, no
    cap, no span counted once) leaves ``text`` short of spun, where only a gate "none" opens (and
    those ``also`` opens, which do not depend on the evidence)."""
    assume, also = decided
    if assume is None:
        most = sum(h.entry.weight for h in hits if h.entry.weight > 0)
        if score({SHARED: most * (1 + 1e-9)}, words) >= SPUN:  # (a margin: _weighed adds in another order)
            return False
    for h in hits:
        if not _may_repair(h, text):
            continue
        e = h.entry
        if assume is not None:
            ok = _gate_ok(e, assume.spun, assume.family, {}, {assume.family})
        else:
            ok = e.gate == "none"
        if ok or (also is not None and _gate_ok(e, also.spun, also.family, {}, {also.family})):
            return False
    return True


def _fold_in(h: _Hit, places: list[tuple[_Hit, int, int]], repaired: str) -> _Hit:
    """A repair ``h`` found in the repaired text as one hit over the original text: with the sure repairs
    it overlaps (whose spans it takes in, whose rule ids it joins and whose confidence it is at most),
    else over the same words."""
    a, b = h.start, h.end
    touched = [(r, ns, ne) for r, ns, ne in places if (ns < b and ne > a) or (ns == ne and a < ns < b)]
    lo = min([a] + [ns for _, ns, _ in touched])
    hi = max([b] + [ne for _, _, ne in touched])
    after = repaired[lo:a] + h.after + repaired[b:hi]  # type: ignore[operator]
    start, end = _back(lo, places, True), _back(hi, places, False)
    rules = [r.entry.rule for r, _, _ in touched if r.entry.rule != h.entry.rule] + [h.entry.rule]
    entry = replace(h.entry, rule="+".join(dict.fromkeys(rules))) if len(rules) > 1 else h.entry
    conf = min([h.conf] + [r.conf for r, _, _ in touched])
    return _Hit(start, end, entry, after, conf)


def _back(x: int, places: list[tuple[_Hit, int, int]], start: bool) -> int:
    """Position ``x`` of the repaired text (not inside a repair) in the original text: a start after a
    removal maps past what was removed, an end before it."""
    shift = 0
    for r, ns, ne in places:
        if ne < x or (ne == x and (start or ns < ne)):
            shift += (ne - ns) - (r.end - r.start)
        else:
            break
    return x - shift


_LOOKS = 3  # second looks at the repaired text; one is almost always enough


def _info(spin_score: float, family: str | None, evidence: dict[str, Any]) -> dict[str, Any]:
    return {"spin_score": spin_score, "family": family, "evidence": evidence}
