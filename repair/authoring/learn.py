"""Learn spinner substitutions from spun/original pairs and propose them as rules for a person to vet.

How it works:

1. each pair is tokenised like the benchmark (:func:`repair.authoring.benchmark.tokens`) and aligned token
   by token with difflib; every replaced block (spun n-gram -> original n-gram, up to
   ``max_ngram`` tokens a side, within one line) is a candidate substitution, taken with its
   exact surface text (``"Nineteen Nineties"`` -> ``"1990s"``). A block that only inserts or
   deletes takes the neighbouring token along (``"now not"`` -> ``"not"``). Each candidate is also
   recorded with one token of context on either side (``"has easy been"``), which is what saves a
   substitution whose spun side is ordinary English;
2. candidates are counted across pairs: how often, in how many distinct pairs, and how often the
   same spun text was mapped to something else (ambiguity);
3. the spun side of every candidate is looked up in clean text: the originals of the pairs
   themselves and, if given, a clean corpus. A spun side that occurs in clean text would change
   clean news, so its rule gets a low confidence (flag-only) and its context variants are
   proposed instead when they are themselves seen often enough;
4. the confidence grows with the number of distinct pairs (1 pair 0.75, 2 pairs 0.88, 3 pairs
   0.94, 4 pairs 0.97, ...), times the share of the spun side's alignments that agree. A single
   word is ordinary English more often than not: unless a clean corpus of at least 50,000 words
   shows it never occurs there, its rule is capped at 0.6 (flag-only at the default threshold 0.8);
5. the ``gate`` (see :mod:`repair.stages.detect`): a rule at 0.95 or more applies on its own
   (``"none"``); below that it applies only in documents that detection finds spun by the same
   family (``"family"``), and is flagged elsewhere.

Each proposed rule is a ``kind = "phrase"`` detect rule with a positive example (the spun
context from a pair: repaired if the rule applies on its own, else left as it is, since one
tell does not make a snippet spun) and negative examples (the original's wording, and a clean
occurrence when there is one). Examples are checked through the pipeline, with the base rules
and alone; a positive example that does not hold is narrowed (4, 2, 1, 0 tokens of context), a
negative one that does not hold is dropped, a rule left without a positive example is dropped,
and every drop is counted by reason in the pack's header.

>>> from repair.authoring.benchmark import Pair
>>> p = [Pair(str(i), "thesaurus", f"Item {i} modified into once sold.", f"Item {i} was sold.") for i in range(3)]
>>> res = learn(p, min_count=2)
>>> [(r.phrase, r.replace, r.count, r.pairs, r.confidence) for r in res.rules]
[('modified into once', 'was', 3, 3, 0.94)]
>>> learn(p[:1], min_count=2).rules
[]
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from repair.atomic import write_atomic
from repair.authoring import tomlwrite as T
from repair.authoring.benchmark import Pair, read_clean, read_pairs
from repair.authoring.candidates import Candidate, bounded, count_clean, extract, slug
from repair.errors import InputError, RepairError
from repair.pipeline import Config, compile_all, run_text
from repair.rules import RuleSet, load_file, load_rules
from repair.stages.emit import DEFAULT_THRESHOLD
from repair.words import match_case

FLAG_ONLY = 0.3  # confidence of a rule whose spun side occurs in clean text
SINGLE_WORD_CAP = 0.6  # a one-word spun side not shown rare by a large enough clean corpus
CLEAN_WORDS_FOR_SINGLE = 50_000  # clean words needed before a single-word rule may apply
GATE_FREE = 0.95  # a rule this confident applies on its own (gate "none"); below, only in spun documents












def _n(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"






@dataclass(slots=True)
class LearnedRule:
    id: str
    phrase: str
    replace: str
    confidence: float
    family: str
    weight: float
    count: int
    pairs: int
    clean: int
    ambiguity: float  # share of this spun side's alignments that agree with ``replace``
    why: str
    examples: list[dict[str, str]]
    note: str = ""
    positives: list[str] = field(default_factory=list)  # inputs to try for the positive example, in order
    gate: str = "family"
    applies: bool = True  # on its own, at the threshold (gate "none" and confidence >= threshold)

    def table(self) -> dict:
        return {"id": self.id, "phrase": self.phrase, "replace": self.replace, "confidence": self.confidence,
                "family": self.family, "weight": self.weight, "gate": self.gate, "why": self.why,
                "evidence": {"count": self.count, "pairs": self.pairs, "clean": self.clean,
                             "agree": round(self.ambiguity, 3)},
                "examples": [{"in": ex["in"], "out": ex["out"]} for ex in self.examples]}


@dataclass(slots=True)
class Learned:
    rules: list[LearnedRule]
    pairs: int
    candidates: int
    dropped: Counter
    clean_docs: int
    clean_words: int
    threshold: float
    source: str = ""

    def kind(self, r: LearnedRule) -> str:
        if r.confidence < self.threshold:
            return "flag-only"
        return "anywhere" if r.gate == "none" else "spun"

    def counts(self) -> Counter:
        c: Counter = Counter({"anywhere": 0, "spun": 0, "flag-only": 0})
        c.update(self.kind(r) for r in self.rules)
        return c

    def to_toml(self) -> str:
        head = [
            f"Spinner substitutions learned by `repair learn` from {self.source or 'pairs'}:",
            f"{self.pairs} pairs, {self.candidates} candidate substitutions, {len(self.rules)} rules: "
            f"{self.counts()['anywhere']} apply on their own, {self.counts()['spun']} only in spun documents of "
            f"their family, {self.counts()['flag-only']} flag-only (threshold {self.threshold}).",
            f"Spun sides checked against {self.clean_docs} clean documents, {self.clean_words} words "
            "(the pairs' originals included).",
            "VET BEFORE USE: keep the rules that are real spinner output, delete the rest, raise or lower",
            "confidences. evidence = { count = times seen, pairs = distinct pairs, clean = occurrences of the",
            "spun side in clean text, agree = share of that spun side's alignments that give this replacement }.",
            "gate = \"none\": applies on its own; \"family\": only where detection finds the document spun by that",
            "family (flagged elsewhere).",
        ]
        if self.dropped:
            head.append("Not proposed: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.dropped.items())) + ".")
        parts = [T.comment("\n".join(head)), "\n",
                 T.table("[pack]", {"stage": "detect", "kind": "phrase", "source": "repair learn"}), "\n"]
        for r in self.rules:
            flag = {"anywhere": "applies", "spun": f"applies in spun {r.family} documents",
                    "flag-only": "flag-only"}[self.kind(r)]
            note = f"; {r.note}" if r.note else ""
            parts.append(T.comment(f"{r.phrase} -> {r.replace}: seen {r.count}x in {_n(r.pairs, 'pair')}, "
                                   f"{r.clean}x in clean text; {flag}{note}"))
            parts.append(T.table("[[rule]]", r.table(), multiline=("examples",)))
            parts.append("\n")
        return "".join(parts)


# --------------------------------------------------------------------------- extraction












# --------------------------------------------------------------------------- proposing rules


def confidence(pairs: int, agree: float, clean_hits: int, words: int, clean_checked: bool) -> float:
    """Evidence -> confidence (see the module docstring)."""
    conf = (1.0 - 0.5 ** (pairs + 1)) * agree
    if clean_hits:
        conf = min(conf, FLAG_ONLY)
    elif words <= 1 and not clean_checked:
        conf = min(conf, SINGLE_WORD_CAP)
    return round(conf, 2)


def _apply(text: str, phrase: str, replace: str) -> str:
    """The rule's own edit, as detect makes it (a lower-case phrase in any case, capitals kept)."""
    out, pos = [], 0
    flags = re.IGNORECASE if phrase == phrase.lower() else 0
    for m in re.finditer(re.escape(phrase), text, flags):
        if m.start() >= pos and bounded(text, m.start(), m.end()):
            out.append(text[pos:m.start()])
            out.append(replace if flags == 0 else match_case(m.group(), replace))
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def propose(cands: dict[tuple[str, str], Candidate], *, min_count: int, threshold: float, clean_checked: bool,
            family: str | None = None, dropped: Counter | None = None) -> list[LearnedRule]:
    dropped = dropped if dropped is not None else Counter()
    by_spun: Counter = Counter()
    for c in cands.values():
        by_spun[c.spun] += c.count
    variants: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in cands.values():
        if c.bare is not None:
            variants[c.bare].append(c)
    chosen: list[tuple[Candidate, str]] = []
    for c in cands.values():
        if c.bare is not None:
            continue
        if c.count < min_count:
            dropped["below-min-count"] += 1
            continue
        chosen.append((c, ""))
        if c.clean_hits:
            ok = [v for v in variants[c.key] if v.count >= min_count and not v.clean_hits]
            for v in sorted(ok, key=lambda v: (-len(v.pair_ids), -v.count, v.spun))[:3]:
                chosen.append((v, f"context variant of {c.spun!r}, which occurs in clean text"))
    chosen.sort(key=lambda cv: (-len(cv[0].pair_ids), -cv[0].count, cv[0].clean_hits, cv[0].spun, cv[0].original))
    rules: list[LearnedRule] = []
    ids: set[str] = set()
    for c, note in chosen:
        agree = c.count / by_spun[c.spun] if by_spun[c.spun] else 0.0
        conf = confidence(len(c.pair_ids), agree, c.clean_hits, c.words, clean_checked)
        fam = family or c.families.most_common(1)[0][0]
        weight = 0.1 if c.clean_hits else (0.5 if c.words <= 1 and not clean_checked else 1.0)
        base = f"learned.{slug(fam)}.{slug(c.spun)}--{slug(c.original)}"
        rid, k = base, 2
        while rid in ids:
            rid, k = f"{base}-{k}", k + 1
        ids.add(rid)
        gate = "none" if conf >= GATE_FREE else "family"
        applies = conf >= threshold and gate == "none"
        positives = list(dict.fromkeys(snip for snips, _ in c.examples for snip in snips if snip))
        # negative examples: the original's wording, and clean text (when the rule does not apply there)
        examples = [{"in": o, "out": o} for o in dict.fromkeys(o for _, o in c.examples)
                    if o and _apply(o, c.spun, c.original) == o][:1]
        if c.clean_example and conf < threshold:
            examples.append({"in": c.clean_example, "out": c.clean_example})
        why = (f"Learned: {c.spun!r} aligned with {c.original!r} {c.count}x in {_n(len(c.pair_ids), 'pair')}; "
               f"the spun side occurs {c.clean_hits}x in clean text"
               + (f"; {round(agree * 100)}% of its alignments agree" if agree < 1 else "") + ".")
        rules.append(LearnedRule(rid, c.spun, c.original, conf, fam, weight, c.count, len(c.pair_ids),
                                 c.clean_hits, agree, why, examples, note, positives, gate, applies))
    return rules


# --------------------------------------------------------------------------- checking the examples


def _ruleset(base: RuleSet | None, toml_text: str) -> tuple[RuleSet, RuleSet]:
    """The learned pack alone, and together with ``base`` (minus rules it redefines)."""
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "learned.toml"
        p.write_text(toml_text, encoding="utf-8")
        meta, rules = load_file(p, "learned.toml")
    alone = RuleSet(tuple(rules), {"learned.toml": meta})
    if base is None:
        return alone, alone
    ids = {r.id for r in rules}
    kept = tuple(r for r in base.rules if r.id not in ids)
    return alone, RuleSet(kept + tuple(rules), {**base.packs, "learned.toml": meta})


def verify(learned: Learned, base: RuleSet | None) -> None:
    """Keep only examples that hold through the pipeline (learned rules alone and with ``base``)."""
    base_cfg: Config | None = None
    for _ in range(4):
        alone, both = _ruleset(base, learned.to_toml())
        cfgs = []
        for rs in (alone, both):
            compile_all(rs)
            cfgs.append(Config(rules=rs, threshold=learned.threshold, model="off", builtin_tables=False))
        if base is not None and base_cfg is None:
            compile_all(base)
            base_cfg = Config(rules=base, threshold=0.0, model="off", builtin_tables=False)  # the base rules alone
        changed = False
        kept_rules = []

        def holds(ex: dict[str, str], cfgs: list[Config] = cfgs) -> bool:
            return all(run_text(ex["in"], cfg).text == ex["out"] for cfg in cfgs)

        for r in learned.rules:
            if base_cfg is not None and run_text(r.phrase, base_cfg).text == _apply(r.phrase, r.phrase, r.replace):
                learned.dropped["already-covered"] += 1  # the base rules already propose this repair
                changed = True
                continue
            # the positive example: the pair's spun context, narrowed until no other rule touches it
            pos = [ex for ex in r.examples[:1] if ex.get("positive")]
            if not pos or not holds(pos[0]):
                changed = True
                pos = []
                while r.positives and not pos:
                    p = r.positives.pop(0)
                    ex = {"in": p, "out": _apply(p, r.phrase, r.replace) if r.applies else p, "positive": "1"}
                    if holds(ex):
                        pos = [ex]
                if not pos:
                    learned.dropped["no-positive-example"] += 1
                    continue
            negs = [ex for ex in r.examples if not ex.get("positive")]
            good = [ex for ex in negs if holds(ex)]
            if len(good) != len(negs):
                learned.dropped["negative-example-failed"] += len(negs) - len(good)
                changed = True
            r.examples = pos + good
            kept_rules.append(r)
        learned.rules = kept_rules
        if not changed:
            return
    raise RepairError("learn: the proposed rules' examples do not settle; rerun with a higher --min-count")


# --------------------------------------------------------------------------- entry points


class NothingToLearn(RepairError):
    """No pair could be read (or none of the family asked for): a pack learned from nothing is not written."""


def learn(pairs: Iterable[Pair], clean: Iterable[str] = (), *, min_count: int = 2, family: str | None = None,
          max_ngram: int = 4, threshold: float = DEFAULT_THRESHOLD, base: RuleSet | None = None,
          clean_checked: bool | None = None, source: str = "") -> Learned:
    """Propose phrase rules from aligned pairs (see the module docstring)."""
    if min_count < 1:
        raise RepairError(f"learn: --min-count must be at least 1, not {min_count}")
    if max_ngram < 1:
        raise RepairError(f"learn: --max-ngram must be at least 1, not {max_ngram}")
    dropped: Counter = Counter()
    originals: list[str] = []
    selected = (p for p in pairs if family is None or p.family == family)
    cands, n = extract(selected, max_ngram=max_ngram, dropped=dropped, originals=originals)
    clean = list(clean)
    docs, words = count_clean(cands.values(), originals + clean)
    checked = words >= CLEAN_WORDS_FOR_SINGLE if clean_checked is None else clean_checked
    rules = propose(cands, min_count=min_count, threshold=threshold, clean_checked=checked, family=family,
                    dropped=dropped)
    res = Learned(rules, n, sum(1 for c in cands.values() if c.bare is None), dropped, docs, words, threshold,
                  source)
    verify(res, base)
    return res


def learn_files(pairs_path: str | Path, clean_path: str | Path | None = None, *, rules_dirs=None, extend_rules=(),
                output: str | Path | None = None, text_field: str = "text", select=None, on_error=None,
                **kw) -> tuple[Learned, list[InputError]]:
    """Read the files, learn, and (if ``output``) write the pack atomically. Bad lines come back as errors.

    ``on_error`` also hears of each bad line as it is read (it may raise to stop); ``select`` chooses
    among the clean files found in a folder; the examples are checked with ``rules_dirs`` (default:
    the built-in rules) plus ``extend_rules``. No pair to learn from (every line failed, an empty
    file, or no pair of ``family``) raises :class:`NothingToLearn`, and nothing is written.
    """
    errors: list[InputError] = []

    def failed(e: InputError) -> None:
        errors.append(e)
        if on_error is not None:
            on_error(e)

    pairs = []
    for it in read_pairs(pairs_path):
        if isinstance(it, InputError):
            failed(it)
        else:
            pairs.append(it)
    family = kw.get("family")
    usable = sum(1 for p in pairs if family is None or p.family == family)
    if not usable:
        what = (f"no pair of family {family!r} among the {len(pairs)} read" if pairs else
                f"all {len(errors)} lines failed" if errors else "no pairs in it")
        raise NothingToLearn(f"{pairs_path}: nothing to learn from: {what}; no rules were written")
    clean = []
    if clean_path is not None:
        for it in read_clean(clean_path, text_field, select=select):
            if isinstance(it, InputError):
                failed(it)
            else:
                clean.append(it[1])
    base = load_rules(rules_dirs or None, extend_rules)
    if output is not None:
        out = Path(output).resolve()
        base = RuleSet(tuple(r for r in base.rules if Path(r.file).resolve() != out), base.packs, base.roots)
    res = learn(pairs, clean, base=base, source=Path(pairs_path).name, **kw)
    if output is not None:
        write_atomic(Path(output), res.to_toml())
    return res, errors


__all__ = ["Candidate", "LearnedRule", "Learned", "NothingToLearn", "extract", "count_clean", "confidence", "propose",
           "verify", "learn", "learn_files"]
