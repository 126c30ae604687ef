"""detect's rules, checked and compiled: the entries to look for, one automaton, the scans and their gates.

:func:`compile_rules` reads every ``stage = "detect"`` rule once per rule set (any problem raises
:class:`~repair.errors.RuleError` naming the rule) and returns a :class:`Compiled`: one
Aho-Corasick automaton whose keys (lower-cased strings, :class:`Key`) stand for phrase and
lexicon entries, for the literals a pattern ``needs`` and for those every match of a scan contains
(:mod:`repair.scan.windows`), plus the pattern and builtin scans with their gates. The stage,
:mod:`repair.stages.detect`, runs it on a text.

>>> from repair.rules import load_rules
>>> comp = compile_rules(load_rules())
>>> comp.entries > 1000, len(comp.gates) == len(comp.patterns) + len(comp.builtins)
(True, True)
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from repair.errors import RuleError
from repair.rules import Rule, RuleSet
from repair.scan.literals import Literals
from repair.scan.prefilter import match_width
from repair.scan.windows import ScanGate, scan_gate
from repair.tells import signals, spelling

STAGE = "detect"
GATES = ("none", "spun", "family")


LOOK_BEHIND = 80  # a ``before``/``not_before`` condition reads at most this many characters before a match


@dataclass(frozen=True, slots=True)
class Context:
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    not_before: re.Pattern[str] | None = None
    not_after: re.Pattern[str] | None = None
    # where the ``before`` and ``not_before`` searches start: LOOK_BEHIND characters back, or the longest
    # match of the condition when that is shorter (a match ends at the start of the candidate: none starts
    # further back, and one that starts later is tried alike, since ``\b``, ``^`` and lookbehinds read the
    # whole text, not from the search's start). The regex tries each start: fewer to try, same answer.
    before_reach: int = LOOK_BEHIND
    not_before_reach: int = LOOK_BEHIND

    def ok(self, text: str, start: int, end: int) -> bool:
        if self.before is not None and not self.before.search(text, max(0, start - self.before_reach), start):
            return False
        if self.not_before is not None and self.not_before.search(text, max(0, start - self.not_before_reach), start):
            return False
        if self.after is not None and not self.after.match(text, end):
            return False
        if self.not_after is not None and self.not_after.match(text, end):
            return False
        return True


@dataclass(frozen=True, slots=True)
class Entry:
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
    context: Context | None  # None: no context condition (most entries), nothing to check
    template: bool = False  # a pattern's ``replace`` holds a backslash: expand it per match (else it is literal)

    def __reduce__(self) -> tuple:
        # rebuilt by its constructor: several times faster to unpickle than a frozen dataclass's
        # field-by-field state (thousands of entries in a cached rule set, see repair.rulecache)
        return Entry, (self.rule, self.family, self.phrase, self.replace, self.confidence, self.weight, self.gate,
                       self.families, self.exact, self.context, self.template)


class Key(NamedTuple):  # a tuple: some 8,000 are made per rule set
    """What one (lower-case) string in the automaton stands for."""

    length: int
    entries: tuple[Entry, ...] = ()  # phrase and lexicon entries spelled so
    needed_by: tuple[int, ...] = ()  # scans (indexes) that list it in ``needs``
    covers: tuple[int, ...] = ()  # scans whose every match contains it


@dataclass(slots=True)
class Compiled:
    automaton: Literals[Key] | None  # lower-case strings and their Keys; None if there is no string to look for
    entries: int
    patterns: list[tuple[re.Pattern[str], Entry]]
    builtins: list[tuple[Callable[[str], Any], Entry]]
    families: tuple[str, ...]
    gates: tuple[ScanGate, ...]  # one per scan: the patterns, then the builtins
    unconditional: frozenset[int] = field(init=False)  # the scans without ``needs`` (derived from gates)
    # by the automaton's string: its one entry when that is all it stands for (no scan needs it nor has
    # it in every match) and holds wherever the string stands as a word, spelled in any case (not
    # ``exact``, no context); else None (derived from the automaton: most strings, most hits)
    plain: tuple[Entry | None, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.unconditional = frozenset(i for i, g in enumerate(self.gates) if not g.needs)
        self.plain = tuple(
            k.entries[0] if len(k.entries) == 1 and not (k.needed_by or k.covers or k.entries[0].exact)
            and k.entries[0].context is None else None
            for k in (self.automaton.values if self.automaton is not None else ()))


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


def _reach(rx: re.Pattern[str] | None) -> int:
    """How far before a match a ``before``/``not_before`` condition ``rx`` needs searching (see :class:`Context`)."""
    if rx is None:
        return LOOK_BEHIND
    hi = match_width(rx)[1]
    return LOOK_BEHIND if hi is None else min(hi, LOOK_BEHIND)


def _families(rule: Rule, family: str) -> tuple[str, ...]:
    raw = rule.get("families", [family])
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise RuleError(f"{rule.where()}: 'families' must be a list of family names")
    return tuple(raw)


def _common(rule: Rule, default_gate: str | None) -> tuple[str, float, float, str, Context | None]:
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
    before, not_before = _regex(rule, "before", True), _regex(rule, "not_before", True)
    ctx = Context(
        before=before,
        after=_regex(rule, "after", False),
        not_before=not_before,
        not_after=_regex(rule, "not_after", False),
        before_reach=_reach(before),
        not_before_reach=_reach(not_before),
    )
    return family, conf, weight, gate, (ctx if ctx != Context() else None)


def compile_rules(rules: RuleSet) -> Compiled:
    """Check and compile the detect rules of ``rules`` (see the module docstring)."""
    build = _Builder()
    for r in rules.for_stage(STAGE):
        kind = r.get("kind", "phrase")
        add = _KINDS.get(kind)
        if add is None:
            raise RuleError(f"{r.where()}: kind {kind!r} is not one of phrase, lexicon, pattern, signal, builtin")
        add(build, r)
        build.families.add(str(r.get("family", "unknown")))
    return build.compiled()


class _Builder:
    """What compile_rules collects, rule by rule, before it builds the automaton."""

    def __init__(self) -> None:
        self.keyed: dict[str, list[Entry]] = defaultdict(list)  # lower-case phrase -> entries spelled so
        self.patterns: list[tuple[re.Pattern[str], Entry]] = []
        self.builtins: list[tuple[Callable[[str], Any], Entry]] = []
        self.families: set[str] = set()
        self.needs: dict[str, list[int]] = defaultdict(list)  # lower-case literal -> patterns that need it
        self.always: list[int] = []  # patterns without ``needs``

    def add(self, phrase: str, entry: Entry, where: str) -> None:
        if not phrase.strip():
            raise RuleError(f"{where}: an empty phrase cannot be looked for")
        key = phrase.lower()
        if len(key) != len(phrase):
            raise RuleError(f"{where}: phrase {phrase!r} changes length when lower-cased; write it lower-case")
        self.keyed[key].append(entry)

    def phrase(self, r: Rule) -> None:
        phrase, replace = r.data.get("phrase"), r.data.get("replace")
        if not isinstance(phrase, str) or not phrase or not isinstance(replace, str):
            raise RuleError(f"{r.where()}: a phrase rule needs string 'phrase' and 'replace'")
        family, conf, weight, gate, ctx = _common(r, None)
        exact = bool(r.get("exact", phrase != phrase.lower()))
        self.add(phrase, Entry(r.id, family, phrase, replace, conf, weight, gate, _families(r, family), exact, ctx),
                 r.where())

    def lexicon(self, r: Rule) -> None:
        entries = r.data.get("entries")
        if not isinstance(entries, list) or not entries:
            raise RuleError(f"{r.where()}: a lexicon rule needs 'entries', a list of [\"spun\", \"original\"] pairs")
        family, conf, weight, gate, ctx = _common(r, "family")
        fams = _families(r, family)
        for i, e in enumerate(entries):
            c = _entry_confidence(r, i, e, conf)
            exact = bool(r.get("exact", e[0] != e[0].lower()))
            entry = Entry(r.id, family, e[0], e[1], c, weight, gate, fams, exact, ctx)
            self.add(e[0], entry, f"{r.where()} entry {i + 1}")

    def pattern(self, r: Rule) -> None:
        """A ``pattern`` rule (a regex and its replacement template) or a ``signal`` (a regex, evidence only)."""
        kind = r.get("kind")
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
            raise RuleError(f"{r.where()}: 'needs' must be a list of literal strings, "
                            "one of which every match contains")
        for lit in lits:
            self.needs[lit.lower()].append(len(self.patterns))
        if not lits:
            self.always.append(len(self.patterns))
        template = isinstance(replace, str) and "\\" in replace
        entry = Entry(r.id, family, raw, replace, conf, weight, gate, _families(r, family), exact, ctx, template)
        self.patterns.append((rx, entry))

    def builtin(self, r: Rule) -> None:
        name = r.data.get("function")
        fn = (spelling.BUILTINS.get(name) or signals.BUILTINS.get(name)) if isinstance(name, str) else None
        if fn is None:
            known = ", ".join({**spelling.BUILTINS, **signals.BUILTINS})
            raise RuleError(f"{r.where()}: builtin function {name!r} is not one of {known}")
        family, conf, weight, gate, ctx = _common(r, "none")
        self.builtins.append((fn, Entry(r.id, family, name, "", conf, weight, gate, _families(r, family), True, ctx)))

    def compiled(self) -> Compiled:
        """One automaton finds the phrases, the literals patterns need and those their matches contain."""
        gates: list[ScanGate] = []
        covers: dict[str, list[int]] = defaultdict(list)
        n = len(self.patterns)
        regexes = [rx for rx, _ in self.patterns] + [spelling.SPANS_MATCH.get(e.phrase) for _, e in self.builtins]
        for i, rx in enumerate(regexes):
            gate, lits = scan_gate(rx, i < n and i not in self.always, i < n)
            for lit in lits:
                covers[lit.lower()].append(i)
            gates.append(gate)
        keyed, needs = self.keyed, self.needs
        strings = Literals({key: Key(len(key), tuple(keyed.get(key, ())), tuple(needs.get(key, ())),
                                     tuple(covers.get(key, ())))
                            for key in {**keyed, **needs, **covers}})
        return Compiled(strings if len(strings) else None, len(keyed), self.patterns, self.builtins,
                        tuple(sorted(self.families)), tuple(gates))


_KINDS: dict[str, Callable[[_Builder, Rule], None]] = {
    "phrase": _Builder.phrase,
    "lexicon": _Builder.lexicon,
    "pattern": _Builder.pattern,
    "signal": _Builder.pattern,
    "builtin": _Builder.builtin,
}


def _entry_confidence(r: Rule, i: int, e: Any, conf: float) -> float:
    """Check lexicon entry ``i`` (``["spun", "original"]``, optionally with a confidence); its confidence."""
    if (not isinstance(e, list) or len(e) not in (2, 3) or not all(isinstance(x, str) for x in e[:2])
            or (len(e) == 3 and not isinstance(e[2], (int, float)))):
        raise RuleError(f"{r.where()}: entry {i + 1} must be [\"spun\", \"original\"] or "
                        f"[\"spun\", \"original\", confidence]")
    c = float(e[2]) if len(e) == 3 else conf
    if not 0.0 <= c <= 1.0:
        raise RuleError(f"{r.where()}: entry {i + 1}: confidence must be between 0 and 1")
    return c
