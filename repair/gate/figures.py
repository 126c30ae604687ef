"""The figures ``repair check`` judges: ONE table, which changes feed each figure, and the counting.

Each figure is a row of :data:`FIGURES`: its name, the SARIF/annotation rule id of its findings,
what it measures, its default limits (:data:`repair.settings.DOCUMENT_LIMITS` and
``CORPUS_LIMITS`` are read from here) and what feeds it: the changes of some *stages*, or the
changes of rules of some *families*. A rule's family is its ``family`` key, or its pack's
(``[pack] family = ...`` in ``rules/*.toml``); :class:`RuleFamilies` maps rule ids to families once,
from the RuleSet the run used. A merged change (rule ids joined with ``+``) counts for every
figure one of its rules feeds.

A document or the corpus fails when a figure is *above* its limit (see :mod:`repair.gate.judge`):

=======================  ===============================================================
``spin_score``           the detect stage's score in [0, 1] (0.5 = spun); corpus: the mean
``spun_share``           corpus only: share of documents with ``spin_score >= 0.5``
``mojibake_per_10k``     changes by a rule of family ``mojibake`` (ftfy) per 10,000 characters
``boilerplate_share``    non-blank lines removed by rules of family ``boilerplate`` / non-blank lines
``spun_per_1k_words``    detect and match changes per 1,000 words: applied or flagged, but not, in a document
                        detection did not find spun, the candidates held back for want of evidence
``grammar_per_1k_words`` grammar-stage matches per 1,000 words; only when the stage ran
=======================  ===============================================================

>>> from repair.model import Change
>>> fams = RuleFamilies.builtin()
>>> fed_by(Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\\n", ""), fams)
('boilerplate_share',)
>>> fed_by(Change("normalise", "space.runs", 0, 2, "  ", " "), fams)
()
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Mapping

from repair.counts import Tally
from repair.document import Document
from repair.model import FLAG_CAP, SPUN, Change
from repair.rules import RuleSet, load_rules
from repair.words import count as count_words

PRECISION = 4  # figures are rounded to this many decimals before they are judged or stored
GRAMMAR_STAGE = "grammar"


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: what it is called and measures, its default limits and what feeds it."""

    name: str
    rule_id: str  # the SARIF / annotation rule id of a finding that feeds it
    description: str  # reports, SARIF rule help, the README
    label: str  # column heading in the human table ("" for a corpus-only figure)
    document_limit: float | None  # default per-document limit; None: not a per-document figure
    corpus_limit: float  # default corpus limit
    stages: tuple[str, ...] = ()  # changes made by these stages feed it
    families: tuple[str, ...] = ()  # changes made by rules of these families feed it
    evidence: str | None = None  # the figure whose changes are this one's findings (it has none of its own)
    percent: bool = False  # shown as a percentage in the human table


FIGURES: tuple[Figure, ...] = (
    Figure("spun_share", "repair/spun-share", f"share of documents with spin score >= {SPUN}", "",
           None, 0.02, percent=True),
    Figure("spin_score", "repair/spin-score", f"spin score (0-1; {SPUN} is the tool's own 'spun' threshold)", "spin",
           SPUN, 0.25,  # document: the tool's own "spun" threshold; corpus: the mean spin score
           evidence="spun_per_1k_words"),
    Figure("mojibake_per_10k", "repair/mojibake", "mojibake fixed (ftfy changes) per 10,000 characters",
           "moji/10k", 2.0, 0.5, families=("mojibake",)),
    Figure("boilerplate_share", "repair/boilerplate",
           "share of non-blank lines that are scraping debris (boilerplate rules)", "boiler",
           0.05, 0.02, families=("boilerplate",), percent=True),
    # word-for-word spinner output scores 100 and more, clean news close to 0
    Figure("spun_per_1k_words", "repair/spun-phrases",
           "spun phrases (detect/match changes, applied or flagged; in an unspun document not the "
           "unconfirmed candidates) per 1,000 words", "spun/1k", 25.0, 10.0, stages=("detect", "match")),
    Figure("grammar_per_1k_words", "repair/grammar", "grammar matches (LanguageTool) per 1,000 words", "gram/1k",
           10.0, 5.0, stages=(GRAMMAR_STAGE,)),
)
BY_NAME: dict[str, Figure] = {f.name: f for f in FIGURES}
DOCUMENT_FIGURES = tuple(f.name for f in FIGURES if f.document_limit is not None)
CORPUS_FIGURES = tuple(f.name for f in FIGURES)


def figure(name: str) -> Figure:
    """The table row of a figure name (KeyError for an unknown one)."""
    return BY_NAME[name]


# ---- which figures a change feeds ----------------------------------------------------------------


class RuleFamilies:
    """rule id -> family (the rule's ``family`` key, else its pack's), built once from a RuleSet.

    A change named ``<rule>.<fix>`` belongs to ``<rule>`` (the ``ftfy`` rule's changes are
    ``ftfy.fix-encoding`` and the like); an id no rule has has no family.

    >>> fams = RuleFamilies.builtin()
    >>> fams.of("boilerplate.ad-marker"), fams.of("ftfy.fix-encoding"), fams.of("space.runs"), fams.of("x.y")
    ('boilerplate', 'mojibake', None, None)
    """

    def __init__(self, rules: RuleSet) -> None:
        self._family: dict[str, str | None] = {}
        for r in rules.rules:
            fam = r.get("family")
            self._family[r.id] = str(fam) if fam else None

    @staticmethod
    @lru_cache(maxsize=1)
    def builtin() -> "RuleFamilies":
        """The families of the built-in rules (for a checker not told which rules ran)."""
        return RuleFamilies(load_rules())

    def of(self, rule_id: str) -> str | None:
        rid = rule_id
        while rid not in self._family and "." in rid:
            rid = rid.rsplit(".", 1)[0]
        return self._family.get(rid)


def fed_by(c: Change, families: RuleFamilies) -> tuple[str, ...]:
    """The figures a change counts for, in table order (a merged change may count for several)."""
    fams = {families.of(part) for part in c.rule.split("+")}
    return tuple(f.name for f in FIGURES if c.stage in f.stages or not fams.isdisjoint(f.families))


def nonblank_lines(text: str) -> int:
    """Lines with something other than white space on them.

    >>> nonblank_lines("[ad_1]\\n\\nText.\\n"), nonblank_lines("")
    (2, 0)
    """
    return sum(1 for line in text.splitlines() if line.strip())


def grammar_state(doc: Document, enabled: bool) -> tuple[str, str | None]:
    """``("off"|"ran"|"skipped", reason)`` for the grammar stage on this document.

    The grammar stage records itself in the document's repair block as ``grammar``: a mapping
    with ``status`` ``"ok"``, or ``"skipped"`` when LanguageTool could not be used (its ``matches``
    and ``words_checked`` give the figure); the reason of a skip is the run's, in ``doc.notes``
    (a record written by an older version may hold it as ``reason``). A stage that was asked for
    and left no trace is skipped too: never a pass.

    >>> d = Document.from_text("x")
    >>> d.extra["grammar"] = {"status": "skipped"}
    >>> d.notes["grammar"] = "no Java"
    >>> grammar_state(d, True)
    ('skipped', 'no Java')
    >>> grammar_state(Document.from_text("x"), True)[0], grammar_state(Document.from_text("x"), False)[0]
    ('skipped', 'off')
    """
    entry = doc.extra.get(GRAMMAR_STAGE)
    if isinstance(entry, Mapping):
        skipped = entry.get("skipped")
        if entry.get("status") == "skipped" or skipped:
            reason = doc.notes.get(GRAMMAR_STAGE) or entry.get("reason") or (skipped if isinstance(skipped, str)
                                                                             else None)
            return "skipped", str(reason or "LanguageTool was not available")
        return "ran", None
    if isinstance(entry, str):
        return ("skipped", entry) if entry.startswith("skipped") else ("ran", None)
    if GRAMMAR_STAGE in doc.stages or any(c.stage == GRAMMAR_STAGE for c in doc.changes):
        return "ran", None
    if enabled:
        return "skipped", "the grammar stage did not run on this document"
    return "off", None


# ---- counts and figures ---------------------------------------------------------------------------


@dataclass(slots=True)
class Counts(Tally):
    """What figures are made of (documents, characters and spun documents from :class:`Tally`); adds up
    over a corpus."""

    spin_total: float = 0.0
    words: int = 0
    lines: int = 0
    mojibake: int = 0
    boilerplate_lines: int = 0
    spun: int = 0
    grammar: int = 0
    grammar_words: int = 0  # words of the documents the grammar stage ran on
    grammar_documents: int = 0

    @classmethod
    def of(cls, doc: Document, grammar: str, families: RuleFamilies | None = None) -> "Counts":
        """The counts of one document; ``grammar`` is its :func:`grammar_state`."""
        families = families or RuleFamilies.builtin()
        n = cls(spin_total=float(doc.spin_score), words=count_words(doc.source), lines=nonblank_lines(doc.source))
        spun_doc = n.add_document(doc)
        for c in doc.changes:
            fed = fed_by(c, families)
            if "mojibake_per_10k" in fed:
                n.mojibake += 1
            if "boilerplate_share" in fed:
                n.boilerplate_lines += max(1, nonblank_lines(c.before)) if c.before else 0
            if "spun_per_1k_words" in fed and (c.applied or spun_doc or c.confidence > FLAG_CAP):
                # a proposal flagged only because its gate was not met (an ordinary word such as
                # "stated" in a document detection did not find spun) is a candidate, not a spun phrase
                n.spun += 1
            if "grammar_per_1k_words" in fed:
                n.grammar += 1
        if grammar == "ran":
            n.count_grammar(doc)
        return n

    def count_grammar(self, doc: Document) -> None:
        """The grammar figure's counts for a document the stage ran on."""
        self.grammar_documents = 1
        self.grammar_words = self.words
        entry = doc.extra.get(GRAMMAR_STAGE)
        if isinstance(entry, Mapping) and _count(entry.get("matches")) is not None:
            # the stage's own report: matches over the words it checked (in the "changed" scope
            # only some sentences are checked, so the document's length would dilute the figure)
            self.grammar = _count(entry["matches"]) or 0
            checked = _count(entry.get("words_checked"))
            if checked is not None:
                self.grammar_words = checked

    def merge(self, other: "Counts") -> None:
        """Add another document's (or corpus') counts, field by field."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def figures(self, *, corpus: bool) -> dict[str, float | None]:
        """The figures (rounded); ``grammar_per_1k_words`` is None where the stage did not run."""
        spin = self.spin_total / self.documents if self.documents else 0.0
        out: dict[str, float | None] = {}
        if corpus:
            out["spun_share"] = ratio(self.spun_documents, self.documents)
        out["spin_score"] = round(spin, PRECISION)
        out["mojibake_per_10k"] = ratio(self.mojibake * 10_000, self.characters)
        out["boilerplate_share"] = ratio(self.boilerplate_lines, self.lines)
        out["spun_per_1k_words"] = ratio(self.spun * 1000, self.words)
        out["grammar_per_1k_words"] = ratio(self.grammar * 1000, self.grammar_words) if self.grammar_documents else None
        return out


def _count(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) and x >= 0 else None


def ratio(num: float, den: float) -> float:
    """A rounded ratio with a guarded denominator (an empty text has no damage: 0).

    >>> ratio(1, 3), ratio(5, 0)
    (0.3333, 0.0)
    """
    return round(num / den, PRECISION) if den else 0.0


__all__ = ["BY_NAME", "CORPUS_FIGURES", "Counts", "DOCUMENT_FIGURES", "FIGURES", "Figure", "PRECISION",
           "RuleFamilies", "fed_by", "figure", "grammar_state", "nonblank_lines", "ratio"]
