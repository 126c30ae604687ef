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
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable, Iterator

import ahocorasick

from repair.atomic import write_atomic
from repair.authoring import tomlwrite as T
from repair.authoring.benchmark import Pair, read_clean, read_pairs
from repair.errors import InputError, RepairError
from repair.pipeline import Config, compile_all, run_text
from repair.rules import RuleSet, load_file, load_rules
from repair.stages.emit import DEFAULT_THRESHOLD
from repair.words import TOKEN, UNIFY_TABLE, match_case

FLAG_ONLY = 0.3  # confidence of a rule whose spun side occurs in clean text
SINGLE_WORD_CAP = 0.6  # a one-word spun side not shown rare by a large enough clean corpus
CLEAN_WORDS_FOR_SINGLE = 50_000  # clean words needed before a single-word rule may apply
GATE_FREE = 0.95  # a rule this confident applies on its own (gate "none"); below, only in spun documents
CONTEXT_WIDTHS = (4, 2, 1, 0)  # tokens of context around a positive example, widest first


@dataclass(frozen=True, slots=True)
class _Tok:
    norm: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    # the benchmark's tokens, with their offsets (unify maps one character to one; lower-case per token)
    return [_Tok(m.group().lower(), m.start(), m.end()) for m in TOKEN.finditer(text.translate(UNIFY_TABLE))]


def _is_word(t: str) -> bool:
    return t[0].isalnum() or t[0] == "_"


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _bounded(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is not part of a longer word on either side."""
    if start > 0 and _word_char(text[start - 1]) and _word_char(text[start]):
        return False
    if end < len(text) and _word_char(text[end]) and _word_char(text[end - 1]):
        return False
    return True


def _n(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.translate(UNIFY_TABLE).lower()).strip("-")[:28].strip("-") or "x"


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
            if not _bounded(text, start, end + 1):
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
        if m.start() >= pos and _bounded(text, m.start(), m.end()):
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
        base = f"learned.{_slug(fam)}.{_slug(c.spun)}--{_slug(c.original)}"
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


def learn_files(pairs_path: str | Path, clean_path: str | Path | None = None, *, rules_dirs=None,
                output: str | Path | None = None, text_field: str = "text", **kw) -> tuple[Learned, list[InputError]]:
    """Read the files, learn, and (if ``output``) write the pack atomically. Bad lines come back as errors."""
    errors: list[InputError] = []
    pairs = []
    for it in read_pairs(pairs_path):
        (errors if isinstance(it, InputError) else pairs).append(it)
    clean = []
    if clean_path is not None:
        for it in read_clean(clean_path, text_field):
            if isinstance(it, InputError):
                errors.append(it)
            else:
                clean.append(it[1])
    base = load_rules(rules_dirs or None)
    if output is not None:
        out = Path(output).resolve()
        base = RuleSet(tuple(r for r in base.rules if Path(r.file).resolve() != out), base.packs, base.roots)
    res = learn(pairs, clean, base=base, source=Path(pairs_path).name, **kw)
    if output is not None:
        write_atomic(Path(output), res.to_toml())
    return res, errors


__all__ = ["Candidate", "LearnedRule", "Learned", "extract", "count_clean", "confidence", "propose", "verify",
           "learn", "learn_files"]
