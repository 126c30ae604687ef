"""Measure repair quality on spun/original pairs and on clean news (issue 3's metrics, exactly).

Texts are compared as word tokens ``\\w+(?:'\\w+)*|[^\\w\\s]``, lower-cased, with curly quotes and
dashes unified (:func:`tokens`). For the pairs of a family (or of several families):

- ``restoration = 1 - sum(dist(repaired, original)) / sum(dist(spun, original))`` where ``dist``
  is the token-level Levenshtein distance; 1 is a perfect repair, 0 no net effect, < 0 harm;
- ``damage`` = the share of spun tokens that already matched the original (equal blocks of a
  difflib alignment of spun vs original) which the tool changed (not in an equal block of the
  alignment spun vs repaired);
- ``doc_recall`` = the share of spun documents with ``spin_score >= 0.5``.

On clean news: ``clean_changes_per_10k`` = token edits (Levenshtein between the clean input's and
the repaired text's tokens) per 10,000 words (word tokens, punctuation not counted) and
``doc_fpr`` = the share of clean documents with ``spin_score >= 0.5``.

A ratio whose denominator is zero is ``None`` (shown as "n/a"), never a division error.

>>> tokens("It’s the State Division — said.")
["it's", 'the', 'state', 'division', '-', 'said', '.']
>>> s = score_texts("p", "okay", spun="The State Division said.", original="The State Department said.",
...                 repaired="The State Department said.", spin_score=0.9)
>>> (s.dist_spun, s.dist_repaired, s.matched, s.damaged)
(1, 0, 4, 0)
>>> r = summarise([s], [])
>>> r.overall.restoration, r.overall.damage, r.clean.changes_per_10k
(1.0, 0.0, None)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from rapidfuzz.distance import Levenshtein

from repair.decoding import json_lines
from repair.document import Document
from repair.errors import InputError, RepairError
from repair.model import SPUN, Change
from repair.pipeline import Config, run_document
from repair.readers import read_documents
from repair.spin.align import aligned_spans
from repair.words import tokens

WORD_FOR_WORD = ("thesaurus", "okay")  # the families the "word-for-word" group adds up
WORD_FOR_WORD_NAME = "word-for-word"
OVERALL_NAME = "overall"

def token_distance(a: list[str], b: list[str]) -> int:
    """Token-level Levenshtein distance (insertions, deletions, substitutions of whole tokens)."""
    return Levenshtein.distance(a, b)


def _equal_indices(a: list[str], b: list[str]) -> set[int]:
    """Indices of ``a`` inside the equal blocks of a difflib alignment of ``a`` against ``b``."""
    sm = SequenceMatcher(None, a, b, autojunk=False)
    out: set[int] = set()
    for i, _, n in sm.get_matching_blocks():
        out.update(range(i, i + n))
    return out


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


# --------------------------------------------------------------------------- per document


@dataclass(frozen=True, slots=True)
class Pair:
    id: str
    family: str
    spun: str
    original: str


class _Distances:
    """Restoration and damage from token distances, for one pair or a group of pairs."""

    __slots__ = ()
    dist_spun: int
    dist_repaired: int
    matched: int
    damaged: int

    @property
    def restoration(self) -> float | None:
        r = _ratio(self.dist_repaired, self.dist_spun)
        return None if r is None else 1.0 - r

    @property
    def damage(self) -> float | None:
        return _ratio(self.damaged, self.matched)


@dataclass(frozen=True, slots=True)
class PairScore(_Distances):
    id: str
    family: str
    spun_tokens: int
    dist_spun: int  # dist(spun, original)
    dist_repaired: int  # dist(repaired, original)
    matched: int  # spun tokens that already matched the original
    damaged: int  # of those, how many the tool changed
    spin_score: float
    applied: int = 0  # applied changes in the record
    flagged: int = 0  # proposals left for review
    fixes: int = 0  # applied wording repairs (detect, match)
    fixes_right: int = 0  # of those, each alone brings the text nearer its original
    spans: int = 0  # spans the spinner changed (aligned spun/original)
    spans_restored: int = 0  # of those, restored exactly by an applied repair


    @property
    def detected(self) -> bool:
        return self.spin_score >= SPUN


@dataclass(frozen=True, slots=True)
class CleanScore:
    id: str
    words: int
    edits: int
    spin_score: float
    applied: int = 0
    flagged: int = 0

    @property
    def detected(self) -> bool:
        return self.spin_score >= SPUN


def score_texts(id: str, family: str, *, spun: str, original: str, repaired: str, spin_score: float,
                applied: int = 0, flagged: int = 0) -> PairScore:
    """Score one pair given the tool's repaired text and spin score."""
    s, o, r = tokens(spun), tokens(original), tokens(repaired)
    matched = _equal_indices(s, o)
    kept = _equal_indices(s, r)
    return PairScore(id, family, len(s), token_distance(s, o), token_distance(r, o), len(matched),
                     len(matched - kept), float(spin_score), applied, flagged)


def score_clean_text(id: str, text: str, repaired: str, spin_score: float, applied: int = 0,
                     flagged: int = 0) -> CleanScore:
    """Score one clean document given the tool's output for it."""
    a, b = tokens(text), tokens(repaired)
    words = sum(1 for t in a if t[0].isalnum() or t[0] == "_")
    return CleanScore(id, words, token_distance(a, b), float(spin_score), applied, flagged)


def _counts(doc: Document) -> tuple[int, int]:
    applied = sum(1 for c in doc.changes if c.applied)
    return applied, len(doc.changes) - applied


def repair_text(text: str, cfg: Config, id: str = "-") -> Document:
    """What ``repair run`` makes of one text (all of the config's stages)."""
    return run_document(Document.from_text(text, id=id), cfg)


def score_pair(pair: Pair, cfg: Config) -> PairScore:
    doc = repair_text(pair.spun, cfg, pair.id)
    score = score_texts(pair.id, pair.family, spun=pair.spun, original=pair.original, repaired=doc.text,
                        spin_score=doc.spin_score, applied=_counts(doc)[0], flagged=_counts(doc)[1])
    return score_fixes(score, pair.spun, pair.original, [c for c in doc.changes if c.applied and c.stage in WORDING])


WORDING = ("detect", "match")  # the stages whose changes restore wording


def score_fixes(score: PairScore, spun: str, original: str, fixes: Iterable[Change]) -> PairScore:
    """``score`` with fix precision and span recall: each applied repair (against ``spun``) alone, and
    the spans the spinner changed that a repair restored exactly."""
    o = tokens(original)
    base = token_distance(tokens(spun), o)
    wanted = {(a, b): orig for a, b, orig in aligned_spans(spun, original)}
    n = right = restored = 0
    for c in fixes:
        n += 1
        right += token_distance(tokens(spun[:c.start] + c.after + spun[c.end:]), o) < base
        want = wanted.get((c.start, c.end))
        restored += want is not None and tokens(c.after) == tokens(want)
    return replace(score, fixes=n, fixes_right=right, spans=len(wanted), spans_restored=restored)


def score_clean(id: str, text: str, cfg: Config) -> CleanScore:
    doc = repair_text(text, cfg, id)
    applied, flagged = _counts(doc)
    return score_clean_text(id, text, doc.text, doc.spin_score, applied, flagged)


# --------------------------------------------------------------------------- aggregates


@dataclass(slots=True)
class Group(_Distances):
    """Pairs of one family (or several) added up: sums first, ratios last."""

    name: str
    pairs: int = 0
    tokens: int = 0
    dist_spun: int = 0
    dist_repaired: int = 0
    matched: int = 0
    damaged: int = 0
    detected: int = 0
    fixes: int = 0
    fixes_right: int = 0
    spans: int = 0
    spans_restored: int = 0
    spin_scores: list[float] = field(default_factory=list)
    auc: float | None = None  # against the clean documents, set by :func:`summarise`

    def add(self, s: PairScore) -> None:
        self.pairs += 1
        self.fixes += s.fixes
        self.fixes_right += s.fixes_right
        self.spans += s.spans
        self.spans_restored += s.spans_restored
        self.spin_scores.append(s.spin_score)
        self.tokens += s.spun_tokens
        self.dist_spun += s.dist_spun
        self.dist_repaired += s.dist_repaired
        self.matched += s.matched
        self.damaged += s.damaged
        self.detected += s.detected


    @property
    def doc_recall(self) -> float | None:
        return _ratio(self.detected, self.pairs)

    @property
    def fix_precision(self) -> float | None:
        return _ratio(self.fixes_right, self.fixes)

    @property
    def span_recall(self) -> float | None:
        return _ratio(self.spans_restored, self.spans)

    def as_dict(self) -> dict[str, Any]:
        return {"pairs": self.pairs, "tokens": self.tokens, "dist_spun": self.dist_spun,
                "dist_repaired": self.dist_repaired, "restoration": self.restoration, "matched": self.matched,
                "damaged": self.damaged, "damage": self.damage, "detected": self.detected,
                "doc_recall": self.doc_recall, "fixes": self.fixes, "fix_precision": self.fix_precision,
                "spans": self.spans, "span_recall": self.span_recall, "auc": self.auc}


def auc(positive: list[float], negative: list[float]) -> float | None:
    """The chance that a spun document scores above a clean one (ties count half); None without both.

    >>> auc([0.9, 0.4], [0.1, 0.4]), auc([], [0.2])
    (0.875, None)
    """
    if not positive or not negative:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


@dataclass(slots=True)
class CleanGroup:
    docs: int = 0
    words: int = 0
    edits: int = 0
    detected: int = 0
    changed_docs: int = 0

    def add(self, s: CleanScore) -> None:
        self.docs += 1
        self.words += s.words
        self.edits += s.edits
        self.detected += s.detected
        self.changed_docs += s.edits > 0

    @property
    def changes_per_10k(self) -> float | None:
        r = _ratio(self.edits, self.words)
        return None if r is None else r * 10_000

    @property
    def doc_fpr(self) -> float | None:
        return _ratio(self.detected, self.docs)

    def as_dict(self) -> dict[str, Any]:
        return {"docs": self.docs, "words": self.words, "edits": self.edits,
                "clean_changes_per_10k": self.changes_per_10k, "changed_docs": self.changed_docs,
                "detected": self.detected, "doc_fpr": self.doc_fpr}


@dataclass(slots=True)
class Report:
    overall: Group
    word_for_word: Group
    families: dict[str, Group]
    clean: CleanGroup
    pairs: list[PairScore] = field(default_factory=list)
    cleans: list[CleanScore] = field(default_factory=list)

    def groups(self) -> list[Group]:
        """Overall, word-for-word, then each family (sorted by name)."""
        return [self.overall, self.word_for_word, *(self.families[k] for k in sorted(self.families))]

    def as_dict(self, per_doc: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            OVERALL_NAME: self.overall.as_dict(),
            WORD_FOR_WORD_NAME: self.word_for_word.as_dict(),
            "families": {k: self.families[k].as_dict() for k in sorted(self.families)},
            "clean": self.clean.as_dict(),
        }
        if per_doc:
            d["pairs"] = [dict(asdict(p), restoration=p.restoration, damage=p.damage, detected=p.detected)
                          for p in self.pairs]
            d["clean_docs"] = [dict(asdict(c), detected=c.detected) for c in self.cleans]
        return d


def summarise(pair_scores: Iterable[PairScore], clean_scores: Iterable[CleanScore]) -> Report:
    """Add per-document scores up into the overall, word-for-word, per-family and clean figures."""
    rep = Report(Group(OVERALL_NAME), Group(WORD_FOR_WORD_NAME), {}, CleanGroup())
    for s in pair_scores:
        rep.pairs.append(s)
        rep.overall.add(s)
        if s.family in WORD_FOR_WORD:
            rep.word_for_word.add(s)
        rep.families.setdefault(s.family, Group(s.family)).add(s)
    for c in clean_scores:
        rep.cleans.append(c)
        rep.clean.add(c)
    negative = [c.spin_score for c in rep.cleans]
    for g in rep.groups():
        g.auc = auc(g.spin_scores, negative)
    return rep


def benchmark(pairs: Iterable[Pair], clean: Iterable[tuple[str, str]], cfg: Config | None = None) -> Report:
    """Repair every spun text and clean text with ``cfg`` (default rules) and score the result."""
    cfg = cfg or Config.load()
    return summarise((score_pair(p, cfg) for p in pairs), (score_clean(i, t, cfg) for i, t in clean))


# --------------------------------------------------------------------------- reading the data


def read_pairs(path: str | Path) -> Iterator[Pair | InputError]:
    """Yield the pairs of a JSONL file ``{"id", "family", "spun", "original"}``, or an error per bad line."""
    where = str(path)
    try:
        f = open(path, "rb")
    except OSError as e:
        yield InputError(where, f"cannot read ({e.strerror})")
        return
    with f:
        for item in json_lines(f, where):
            if isinstance(item, InputError):
                yield item
                continue
            lineno, rec = item
            bad = [k for k in ("spun", "original") if not isinstance(rec.get(k), str)]
            if bad:
                yield InputError(where, f"a pair needs string fields 'spun' and 'original' (missing or not a "
                                        f"string: {', '.join(bad)})", lineno)
                continue
            fam = rec.get("family")
            yield Pair(str(rec.get("id", f"{Path(where).name}:{lineno}")),
                       str(fam) if isinstance(fam, str) and fam else "unknown", rec["spun"], rec["original"])


def read_clean(path: str | Path, text_field: str = "text", *,
               select: Callable[[Path], bool] | None = None) -> Iterator[tuple[str, str] | InputError]:
    """Yield ``(id, text)`` for each clean document (JSONL, .txt or folder), or an error per bad one.

    ``select`` chooses among the files found in a folder (:mod:`repair.selection`)."""
    for item in read_documents([path], text_field=text_field, allow_empty=True, select=select):
        if isinstance(item, InputError):
            yield item
        else:
            yield item.id, item.source


def run_files(pairs_path: str | Path, clean_path: str | Path, cfg: Config | None = None, *,
              text_field: str = "text", select: Callable[[Path], bool] | None = None,
              on_error: Callable[[InputError], None] | None = None) -> tuple[Report, list[InputError]]:
    """Benchmark two files; unreadable lines are returned as errors and left out of the figures.

    ``on_error`` also hears of each error as it happens (it may raise to stop the run); ``select``
    chooses among the clean files found in a folder."""
    cfg = cfg or Config.load()
    errors: list[InputError] = []

    def failed(e: InputError) -> None:
        errors.append(e)
        if on_error is not None:
            on_error(e)

    def ok(items):
        for it in items:
            if isinstance(it, InputError):
                failed(it)
            else:
                yield it

    def pair_scores():
        for p in ok(read_pairs(pairs_path)):
            try:
                yield score_pair(p, cfg)
            except RepairError as e:
                failed(InputError(str(pairs_path), f"pair {p.id}: {e}"))

    def clean_scores():
        for i, t in ok(read_clean(clean_path, text_field, select=select)):
            try:
                yield score_clean(i, t, cfg)
            except RepairError as e:
                failed(InputError(str(clean_path), f"document {i}: {e}"))

    return summarise(pair_scores(), clean_scores()), errors


__all__ = ["Pair", "PairScore", "CleanScore", "Group", "CleanGroup", "Report",
           "token_distance", "score_texts", "score_clean_text", "score_pair", "score_clean", "summarise",
           "benchmark", "read_pairs", "read_clean", "run_files", "repair_text"]
