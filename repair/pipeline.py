"""The pipeline: an ordered list of stage names looked up in one table, run on Documents.

>>> from repair.document import Document
>>> cfg = Config.load()
>>> doc = run_document(Document.from_text("[ad_1]\\nThe State Division said.\\n"), cfg)
>>> doc.text
'The State Department said.\\n'
>>> apply_changes(doc.source, doc.changes) == doc.text
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from repair.document import Document
from repair.errors import RepairError
from repair.languagetool.settings import settings_of
from repair.model import SPUN, Change, apply_changes, compose
from repair.provenance import record_provenance
from repair.rulecache import load_compiled
from repair.rules import RuleSet, builtin_rules_dir, keeps
from repair.settings import default_model
from repair.spans import Spans
from repair.spin.analyse import for_emit
from repair.stages import compile_all
from repair.stages import detect as _detect
from repair.stages import emit as _emit
from repair.stages import grammar as _grammar
from repair.stages import match as _match
from repair.stages import normalise as _normalise

if TYPE_CHECKING:
    from repair.settings import Settings
    from repair.spin.analyse import SpinModel

STAGE_ORDER = ("normalise", "detect", "match", "emit")


@dataclass(slots=True)
class Config:
    """Everything a run needs besides the documents. Built once per process."""

    rules: RuleSet
    threshold: float = _emit.DEFAULT_THRESHOLD
    stages: tuple[str, ...] = STAGE_ORDER
    options: dict[str, Any] = field(default_factory=dict)
    # the learned spin model: "auto" (the bundled language model when installed), "off" (tables and
    # calibration without a language model) or a GGUF file; ``tables``: folders of learned tables
    model: str = field(default_factory=default_model)
    model_device: str = "auto"  # where the language model runs: auto, cpu or gpu
    tables: tuple[str, ...] = ()
    builtin_tables: bool = True  # false: only ``tables`` (``repair bench --learn-from`` measures those alone)
    only: tuple[str, ...] = ()  # the --only/--skip selection, which governs the learned proposals too
    skip: tuple[str, ...] = ()

    def spin_model(self) -> "SpinModel":
        """The learned spin model of this process (loaded once, on first use: never pickled)."""
        return _spin_model(self.model, self.tables, self.builtin_tables, self.model_device)

    @classmethod
    def load(cls, rules_dirs: Iterable[Path | str] | None = None, *, only: Iterable[str] = (),
             skip: Iterable[str] = (), **kw: Any) -> "Config":
        """Load and compile the rules (a bad rule raises RuleError here, before any document).

        The compiled rules come from :mod:`repair.rulecache` when these rule files were compiled
        before; a Config pickles (worker processes, Dask tasks) as settings plus the rules' data,
        and each process compiles or reads a rule set once.
        """
        return cls(rules=load_compiled(rules_dirs, only, skip, compile_all), only=tuple(only), skip=tuple(skip), **kw)

    @classmethod
    def from_settings(cls, settings: "Settings", *, stages: Iterable[str] | None = None, **flags: Any) -> "Config":
        """The pipeline a command runs: ``settings`` (see :meth:`Settings.load`) with the flags given put over it.

        ``flags`` are those of :meth:`Settings.override` (rules, only, skip, threshold, grammar, ...).
        Without ``stages``: every stage, plus grammar when the settings enable it.

        >>> from repair.settings import Settings
        >>> Config.from_settings(Settings(threshold=0.99)).threshold
        0.99
        >>> Config.from_settings(Settings(threshold=0.99), threshold=0.5, stages=["normalise"]).stages
        ('normalise',)
        """
        if flags:
            settings = settings.override(**flags)
        grammar = settings.grammar
        if stages is None:
            stages = (*STAGE_ORDER, _grammar.STAGE) if getattr(grammar, "enabled", False) else STAGE_ORDER
        # extend-rules: the base set (--rules, else the built-in rules) and the extensions, loaded as one
        dirs = [*(settings.rules or [builtin_rules_dir()]), *settings.extend_rules] if settings.extend_rules \
            else settings.rules or None
        return cls.load(dirs, only=settings.only, skip=settings.skip, threshold=settings.threshold,
                        stages=tuple(stages), options={_grammar.STAGE: grammar}, model=settings.model,
                        model_device=settings.model_device,
                        tables=tuple(settings.tables))


@functools.lru_cache(maxsize=4)
def _spin_model(model: str, tables: tuple[str, ...], builtin: bool, device: str = "auto") -> "SpinModel":
    from repair.spin.analyse import SpinModel

    use = model != "off"
    return SpinModel.load(model_path=None if model in ("auto", "off") else model, use_model=use, extra=tables,
                          builtin_tables=builtin, device=device)


def _stage_normalise(doc: Document, cfg: Config) -> None:
    doc.absorb(_normalise.normalise(doc.text, cfg.rules))


def _stage_detect(doc: Document, cfg: Config) -> None:
    # the rules (tells) and the learned model decide together: a document is spun when either
    # finds it spun; the rules' gates then open as the joint decision says, and the model's
    # proposals carry calibrated confidences (flag-only below FLAG_CAP in a document not spun)
    found = _detect.evidence(doc.text, cfg.rules)
    rules_score, rules_family = found.spin_score, found.family
    res = cfg.spin_model().analyse(doc.text, rules_score=rules_score, words=found.words, emit=True)
    spin_score = max(rules_score, res.spin_score)
    family = rules_family if rules_score >= res.spin_score else (res.family or rules_family)
    spun = spin_score >= SPUN
    assume = also = None
    if spun != (rules_score >= SPUN) or (spun and family != rules_family):
        assume = _detect.Assume(spun, family)
    elif spun and res.spin_score >= SPUN:
        # both find it spun: the gates open at least as far as the model's decision alone opens them (a
        # second run, where repairs left the rules short of spun and the model not, must not open more)
        also = _detect.Assume(spun, family)
    # the tables are the word spinners': their repairs apply where the model, not only the rules, finds spin
    # the model's proposals as emit's (spin.analyse.for_emit: never applied in a document not spun, nor inside
    # a name unless the language model judged them), made so by analyse itself (a model that does not, as is)
    learned = res.changes if res.emit else for_emit(res.changes, res.spin_score >= SPUN, doc.text, judged=res.judged)
    if cfg.only or cfg.skip:  # (all the proposals of a document share one or two rule ids)
        kept = {r: keeps(r, cfg.only, cfg.skip) for r in {c.rule for c in learned}}
        learned = [c for c in learned if kept[c.rule]]
    # detect sees the learned repairs' output too: a rule's repair of it is folded into one change
    det = _detect.detect(doc.text, cfg.rules, assume=assume, also=also, found=found, others=learned)
    doc.pending.extend(det.changes)
    # a rule's sure repair (at the default threshold; the same proposals whatever --threshold says)
    # keeps its span: a hand-written phrase ("stated in an announcement" -> "said in a statement")
    # is surer than a learned one-word swap inside it
    sure = Spans(sorted((c.start, c.end) for c in det.changes if c.confidence >= _emit.DEFAULT_THRESHOLD))
    doc.pending.extend(c for c in learned if not sure.overlapping(c.start, c.end))
    doc.spin_score = round(spin_score, 4)
    doc.family = family if spin_score > 0 else None
    evidence = dict(det.info["evidence"])
    evidence.pop("assumed", None)
    if doc.text:
        # no wall-clock time here: a record depends on the document and the settings only, so a rerun
        # or a resumed run (repair.resume) writes the same bytes (the model's time is evaluate's figure)
        evidence["model"] = {"path": res.path, "spin_score": res.spin_score, "family": res.family,
                             "rules_spin_score": rules_score}
    if evidence:
        doc.evidence = evidence


def _stage_match(doc: Document, cfg: Config) -> None:
    # detect's score tells match how sure to be of a one-word swap inside a name
    # the learned tables' sure one-word swaps help resolve names too ("Purple Bull" -> "Red Bull")
    swaps = cfg.spin_model().name_swaps() if keeps(_match.LEARNED_SWAPS, cfg.only, cfg.skip) else ()
    res = _match.match(doc.text, cfg.rules, spin_score=doc.spin_score if "detect" in doc.stages else None,
                       swaps=swaps)
    doc.pending.extend(res.changes)


def _stage_emit(doc: Document, cfg: Config) -> None:
    out = _emit.emit(doc.text, doc.pending, cfg.threshold)
    for reason, n in out.info["skipped"].items():
        doc.skipped[reason] += n
    doc.pending = []
    doc.absorb(out)


def _stage_grammar(doc: Document, cfg: Config) -> None:
    # off by default: runs when "grammar" is in cfg.stages (after emit); settings in cfg.options["grammar"].
    # A record that says it was checked is not checked again; LanguageTool unavailable is a skip, never an error.
    done = doc.extra.get(_grammar.STAGE)
    if isinstance(done, dict) and done.get("status") == "ok":
        return
    from repair.languagetool.cache import cached_check  # here: only grammar runs need the client (and its imports)

    settings = settings_of(cfg.options)
    check = cached_check(settings)
    result = _grammar.grammar(doc.text, check, touched=_grammar.touched_spans(doc.changes, doc.pending),
                              scope=settings.scope, sample=settings.sample, auto_apply=settings.auto_apply)
    if any(c.applied for c in result.changes) and any(
            c.applied for _, c in compose(doc.source, doc.changes, doc.text, result.changes, fuse=False).skipped):
        result = _grammar.flag_all(result, doc.text)  # two auto-applied matches would merge with one earlier repair
    prior = doc.changes
    lost = [c for reason, c in doc.absorb(result).skipped if reason == "overlap"]
    if result.info["status"] != "ok":
        doc.skipped["grammar-unavailable"] += 1
        doc.notes[_grammar.STAGE] = _grammar.skip_reason(result) or ""  # the run's reason, said once by the commands
    run = {"scope": settings.scope, "server": check.checker.where, "lt_version": check.checker.version,
           "from_cache": check.hits}
    doc.extra[_grammar.STAGE] = _grammar.record(result, prior, lost, run)


STAGES: dict[str, Callable[[Document, Config], None]] = {
    "normalise": _stage_normalise,
    "detect": _stage_detect,
    "match": _stage_match,
    "emit": _stage_emit,
    "grammar": _stage_grammar,
}


def run_document(doc: Document, cfg: Config, stages: Iterable[str] | None = None) -> Document:
    """Run the named stages (default: the config's) on one document, in place, and return it."""
    for name in stages or cfg.stages:
        if name in doc.stages:
            continue  # a record that already went through this stage (piped input) is not redone
        try:
            fn = STAGES[name]
        except KeyError:
            raise RepairError(f"unknown stage {name!r}; stages are {', '.join(STAGES)}") from None
        fn(doc, cfg)
        doc.stages.append(name)
    doc.extra["provenance"] = record_provenance(cfg)
    return doc


def run_text(text: str, cfg: Config | None = None, stages: Iterable[str] | None = None) -> Document:
    """Run the pipeline on one string (default: the built-in rules, no configuration file)."""
    return run_document(Document.from_text(text), cfg if cfg is not None else _default_config(), stages)


@functools.lru_cache(maxsize=1)
def _default_config() -> Config:
    return Config.load()


__all__ = ["Config", "STAGES", "STAGE_ORDER", "run_document", "run_text", "apply_changes", "compose", "Change"]
