"""Project configuration: ``[tool.repair]`` in ``pyproject.toml`` or a ``repair.toml``.

Discovery works like ruff's: starting in the working directory and walking up to the root, the
first directory that holds a ``repair.toml``, or a ``pyproject.toml`` with a ``[tool.repair]``
table, supplies the configuration. In one directory ``repair.toml`` wins over ``pyproject.toml``;
files are never merged. Folders named in ``REPAIR_CONFIG_CEILING`` (``os.pathsep``-separated, like
git's ``GIT_CEILING_DIRECTORIES``) are never searched, nor anything above them: the test suite sets
its temp root there. In ``repair.toml`` the keys are at the top level; in ``pyproject.toml`` they
live under ``[tool.repair]``. ``--config FILE`` names a file directly. Paths in a file (``rules``,
``check.baseline``) are relative to that file's folder. Command-line flags override the file.
A key may be written with ``-`` for ``_`` (``extend-rules``, ``text-field``), as in ruff.

This is the one settings path of every command (run, the stage commands, diff, check, bench,
learn)::

    settings = Settings.load(path, discover=not isolated).override(threshold=..., only=...)
    cfg = pipeline.Config.from_settings(settings)

``--isolated`` (``discover=False`` and no path) ignores every file: the defaults and the flags only.

Schema (every key optional; the values shown are the defaults)::

    rules = []                  # rule folders or .toml files; REPLACES the built-in rules (empty: built-in)
    extend_rules = []           # rule folders or .toml files added on top of `rules` (or the built-in rules)
    only = []                   # use only rules whose id starts with one of these
    skip = []                   # leave out rules whose id starts with one of these
    threshold = 0.8             # emit: apply proposals at or above this confidence
    text_field = "text"         # JSONL field holding the text
    model = "auto"              # the language model judging repairs: "auto", "off" or a .gguf file (--model)
    tables = []                 # folders of learned substitution tables (repair learn), beside the built-in
    include = []                # .gitignore-style globs (from the project root): read only matching files found in folders
    exclude = []                # .gitignore-style globs: files found in folders that are not read
    respect_gitignore = true    # files a .gitignore ignores are not read from folders
    max_errors = 0              # stop at this many failed documents (exit 1, nothing half-written); 0: no limit
    review = false              # run/emit -o FOLDER also write the HTML review report (index.html, review/)

    [check]
    baseline = ".repair-baseline.json"   # used when the file exists
    fail_on_skip = false        # a skipped grammar stage fails the check (exit 1)

    [check.document]            # per-document limits; a document fails above a limit
    spin_score = 0.5
    mojibake_per_10k = 2.0
    boilerplate_share = 0.05
    spun_per_1k_words = 25.0
    grammar_per_1k_words = 10.0

    [check.corpus]              # limits on the whole corpus
    spun_share = 0.02
    spin_score = 0.25           # mean spin score
    mojibake_per_10k = 0.5
    boilerplate_share = 0.02
    spun_per_1k_words = 10.0
    grammar_per_1k_words = 5.0

    [executor]                  # where `repair run` cleans documents (README, "Running on a cluster")
    kind = "local"              # or "dask" (also --executor)
    scheduler = ""              # a Dask scheduler address (also --scheduler); empty: local Dask workers
    workers = 0                 # local Dask worker processes without a scheduler (also --workers); 0: 2
    partition_mb = 8.0          # input per Dask task

    [grammar]                   # the grammar stage (LanguageTool); its keys belong to repair/languagetool/settings.py
    enabled = false             # also --grammar / --no-grammar
    server = ""                 # LanguageTool server URL (also --lt-server); empty: a local LanguageTool
    scope = "changed"           # "changed" (changed/flagged sentences plus a sample) or "all"
    language = "en-US"
    disabled_rules = []         # LanguageTool rule ids to switch off, on top of the news defaults
    timeout = 20.0              # seconds per request before the stage is marked skipped
    # ... and whatever else GrammarSettings.from_mapping accepts (enabled_rules, auto_apply, sample, cache)

A limit may be ``"off"`` (or ``false``) to switch that gate off. An unknown key, or a value of the
wrong type, raises :class:`~repair.errors.ConfigError` naming the key and the file.

Extending: a section is a dataclass; add a field with a default and a ``doc`` in its metadata
and it becomes a valid, type-checked key. The ``[grammar]`` table is handed whole to
``repair.languagetool.settings.GrammarSettings.from_mapping`` (the grammar stage owns its keys and checks them).
The pipeline gets the result as ``Config.options["grammar"]``.

>>> s = settings_from_mapping({"check": {"document": {"spin_score": 0.3}}}, "repair.toml")
>>> s.check.document["spin_score"], s.check.corpus["spun_share"]
(0.3, 0.02)
>>> settings_from_mapping({"chek": {}}, "repair.toml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
repair.errors.ConfigError: repair.toml: unknown key 'chek' in [tool.repair]; known keys: check, ...threshold
"""

from __future__ import annotations

import copy
import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from repair.errors import ConfigError
from repair.gate.figures import FIGURES
from repair.languagetool.settings import GrammarSettings
from repair.schema import Limit, coerce, parse_limit

PYPROJECT = "pyproject.toml"
REPAIR_TOML = "repair.toml"
DEFAULT_BASELINE = ".repair-baseline.json"
#: Discovery never searches these folders or above them (e.g. the test suite's temp root).
CEILING_ENV = "REPAIR_CONFIG_CEILING"
MODEL_DEVICES = ("auto", "cpu", "gpu")
MODEL_ENV = "REPAIR_MODEL"  # the default of `model` ("auto", "off" or a GGUF file) where the file sets none

#: Per-document limits. A document fails a figure when the figure is above the limit. The
#: defaults, like the corpus limits below, come from the one table of figures (repair.gate.figures).
DOCUMENT_LIMITS: dict[str, float] = {f.name: f.document_limit for f in FIGURES if f.document_limit is not None}
#: Corpus limits: the same figures over the whole corpus, plus the share of spun documents.
CORPUS_LIMITS: dict[str, float] = {f.name: f.corpus_limit for f in FIGURES}



def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(slots=True)
class CheckSettings:
    """``[check]``: limits and the baseline of ``repair check``."""

    baseline: str = field(default=DEFAULT_BASELINE, metadata=_doc("baseline file, used when it exists"))
    fail_on_skip: bool = field(default=False, metadata=_doc("a skipped grammar stage fails the check"))
    document: dict[str, Limit] = field(default_factory=lambda: dict(DOCUMENT_LIMITS),
                                       metadata=_doc("per-document limits"))
    corpus: dict[str, Limit] = field(default_factory=lambda: dict(CORPUS_LIMITS),
                                     metadata=_doc("corpus limits"))

    def validate(self, where: str) -> None:
        pass


EXECUTORS = ("local", "dask")


@dataclass(slots=True)
class ExecutorSettings:
    """``[executor]``: where ``repair run`` cleans documents (README, "Running on a cluster")."""

    kind: str = field(default="local", metadata=_doc('"local" (this process, or --jobs N) or "dask"'))
    scheduler: str = field(default="", metadata=_doc("a Dask scheduler address; empty: local Dask workers"))
    workers: int = field(default=0, metadata=_doc("local Dask worker processes when no scheduler (0: 2)"))
    partition_mb: float = field(default=8.0, metadata=_doc("input per Dask task, in MB"))

    def validate(self, where: str) -> None:
        if self.kind not in EXECUTORS:
            raise ConfigError(f"{where}: executor kind must be one of {', '.join(EXECUTORS)}, not {self.kind!r}")
        if self.workers < 0 or self.partition_mb <= 0:
            raise ConfigError(f"{where}: executor workers must be >= 0 and partition_mb > 0")


@dataclass(slots=True)
class Settings:
    """The whole configuration, with the file it came from (``None``: defaults only)."""

    rules: list[str] = field(default_factory=list, metadata=_doc("rule folders or files replacing the built-in rules"))
    extend_rules: list[str] = field(default_factory=list, metadata=_doc("rule folders or files added to the rules"))
    only: list[str] = field(default_factory=list, metadata=_doc("rule id prefixes to use"))
    skip: list[str] = field(default_factory=list, metadata=_doc("rule id prefixes to leave out"))
    threshold: float = field(default=0.8, metadata=_doc("emit confidence threshold"))
    text_field: str = field(default="text", metadata=_doc("JSONL text field"))
    model: str = field(default_factory=lambda: default_model(),
                       metadata=_doc("the language model that judges repairs: 'auto' (the bundled SmolLM2 "
                                     "when installed), 'off', or a GGUF file"))
    model_device: str = field(default="auto", metadata=_doc("where the language model runs: 'auto' (a GPU when "
                                                             "this llama-cpp-python build can offload), 'cpu' or 'gpu'"))
    tables: list[str] = field(default_factory=list, metadata=_doc("folders of learned substitution tables "
                                                                  "(repair learn) used beside the built-in ones"))
    include: list[str] = field(default_factory=list, metadata=_doc("globs of files read from folders"))
    exclude: list[str] = field(default_factory=list, metadata=_doc("globs of files not read from folders"))
    respect_gitignore: bool = field(default=True, metadata=_doc("skip files .gitignore ignores in folders"))
    max_errors: int = field(default=0, metadata=_doc("stop at this many failed documents; 0: no limit"))
    review: bool = field(default=False, metadata=_doc("a folder output also gets the HTML review report "
                                                      "(index.html, review/); also --review"))
    check: CheckSettings = field(default_factory=CheckSettings)
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    grammar: Any = field(default_factory=lambda: grammar_settings({}, "defaults"),
                         metadata=_doc("the grammar stage's settings (repair.languagetool.settings.GrammarSettings)"))
    path: Path | None = field(default=None, metadata={"internal": True})

    @property
    def root(self) -> Path:
        """The folder relative paths in the file are resolved against (the cwd without a file)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def resolve(self, p: str | Path) -> Path:
        q = Path(p)
        return q if q.is_absolute() else self.root / q

    def validate(self, where: str) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"{where}: threshold must be between 0 and 1, not {self.threshold}")
        if self.max_errors < 0:
            raise ConfigError(f"{where}: max_errors must be 0 (no limit) or more, not {self.max_errors}")
        if self.model_device not in MODEL_DEVICES:
            raise ConfigError(f"{where}: model-device must be one of {', '.join(MODEL_DEVICES)}, not {self.model_device!r}")

    @classmethod
    def load(cls, path: Path | None = None, *, discover: bool = True, start: Path | None = None) -> "Settings":
        """Load ``path``, or the nearest file found from ``start`` (the cwd) up, or the defaults.

        ``discover=False`` without a path gives the defaults (``--isolated``). Rule folders named in
        the file come back resolved against the file's folder.

        >>> Settings.load(discover=False).threshold
        0.8
        """
        return load_settings(path, start=start, discover=discover)

    def override(self, *, rules: Iterable[Path | str] | None = None, extend_rules: Iterable[Path | str] | None = None,
                 only: Iterable[str] | None = None,
                 skip: Iterable[str] | None = None, threshold: float | None = None, text_field: str | None = None,
                 grammar: bool | None = None, lt_server: str | None = None,
                 grammar_scope: str | None = None, include: Iterable[str] | None = None,
                 exclude: Iterable[str] | None = None, respect_gitignore: bool | None = None,
                 model: str | None = None, model_device: str | None = None,
                 tables: Iterable[Path | str] | None = None, executor: str | None = None,
                 scheduler: str | None = None, workers: int | None = None,
                 max_errors: int | None = None, review: bool | None = None) -> "Settings":
        """A copy with the command-line flags that were given (not ``None``, not empty) put over the file.

        ``--lt-server`` or ``--grammar-scope`` imply ``--grammar``; ``--no-grammar`` wins over the file.
        ``--scheduler`` or ``--workers`` imply ``--executor dask``.

        >>> Settings(threshold=0.99).override(threshold=None).threshold
        0.99
        >>> Settings(threshold=0.99, only=["spin."]).override(threshold=0.5, only=[]).only
        ['spin.']
        """
        s = dataclasses.replace(self, rules=list(self.rules), extend_rules=list(self.extend_rules), only=list(self.only),
                                skip=list(self.skip), include=list(self.include), exclude=list(self.exclude),
                                tables=list(self.tables), check=copy.deepcopy(self.check),
                                executor=dataclasses.replace(self.executor))
        if model is not None:
            s.model = model
        if model_device is not None:
            s.model_device = model_device
        if tables:
            s.tables = [str(p) for p in tables]
        if include:
            s.include = list(include)
        if exclude:
            s.exclude = list(exclude)
        if respect_gitignore is not None:
            s.respect_gitignore = respect_gitignore
        if rules:
            s.rules = [str(p) for p in rules]
        if extend_rules:  # added to the file's extensions, as ruff's --extend-select adds to extend-select
            s.extend_rules = [*s.extend_rules, *(str(p) for p in extend_rules)]
        if only:
            s.only = list(only)
        if skip:
            s.skip = list(skip)
        if threshold is not None:
            s.threshold = threshold
        if text_field is not None:
            s.text_field = text_field
        if max_errors is not None:
            s.max_errors = max_errors
        if review is not None:
            s.review = review
        if executor is not None:
            s.executor.kind = executor
        if scheduler or workers:
            s.executor.kind = "dask" if executor is None else s.executor.kind
            if scheduler:
                s.executor.scheduler, s.executor.workers = scheduler, 0
            if workers:
                s.executor.workers, s.executor.scheduler = workers, ""
        s.executor.validate("command line")
        s.validate("command line")
        if grammar is False:
            s.grammar = s.grammar.replace(enabled=False)
        elif grammar or lt_server or grammar_scope:
            s.grammar = s.grammar.replace(enabled=True, server=lt_server or s.grammar.server,
                                          scope=grammar_scope or s.grammar.scope)
        return s


    def to_mapping(self) -> dict[str, Any]:
        """The resolved settings in the file's schema (what ``--show-settings`` prints).

        A limit that is off is ``"off"``; a grammar value that is unset (``None``) is left out.

        >>> m = Settings().to_mapping()
        >>> m["threshold"], m["check"]["document"]["spin_score"], m["grammar"]["enabled"]
        (0.8, 0.5, False)
        """
        def plain(v: Any) -> Any:
            if isinstance(v, (set, frozenset)):
                return sorted(v)
            return "off" if v is None else v

        grammar = {f.name: plain(getattr(self.grammar, f.name)) for f in dataclasses.fields(self.grammar)
                   if getattr(self.grammar, f.name) is not None}
        return {
            "config": str(self.path) if self.path else None,
            "rules": list(self.rules), "extend_rules": list(self.extend_rules), "only": list(self.only),
            "skip": list(self.skip), "threshold": self.threshold, "text_field": self.text_field,
            "include": list(self.include), "exclude": list(self.exclude), "respect_gitignore": self.respect_gitignore,
            "model": self.model, "model_device": self.model_device,
            "tables": list(self.tables), "max_errors": self.max_errors, "review": self.review,
            "check": {"baseline": self.check.baseline, "fail_on_skip": self.check.fail_on_skip,
                      "document": {k: plain(v) for k, v in self.check.document.items()},
                      "corpus": {k: plain(v) for k, v in self.check.corpus.items()}},
            "grammar": grammar,
        }

    def dumps(self) -> str:
        """The resolved settings as a ``repair.toml`` (readable back with ``--config``).

        >>> import tomllib
        >>> tomllib.loads(Settings(threshold=0.9).dumps())["threshold"]
        0.9
        """
        from repair.authoring.tomlwrite import table, value

        m = self.to_mapping()
        where = m.pop("config")
        check, grammar = m.pop("check"), m.pop("grammar")
        head = f"# resolved settings: {where} and the flags given\n" if where else \
            "# resolved settings: built-in defaults and the flags given (no configuration file)\n"
        top = "".join(f"{k} = {value(v)}\n" for k, v in m.items())
        limits = {k: check.pop(k) for k in ("document", "corpus")}
        return "\n".join([head + top, table("[check]", check), table("[check.document]", limits["document"]),
                          table("[check.corpus]", limits["corpus"]), table("[grammar]", grammar)])


def default_model() -> str:
    """``$REPAIR_MODEL`` when set ("auto", "off" or a GGUF file), else "auto"."""
    return os.environ.get(MODEL_ENV) or "auto"


# ---- loading -------------------------------------------------------------------------------------


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``repair.toml``, or ``pyproject.toml`` with ``[tool.repair]``, from ``start`` up."""
    here = (start or Path.cwd()).resolve()
    ceilings = {Path(p).resolve() for p in os.environ.get(CEILING_ENV, "").split(os.pathsep) if p}
    for folder in (here, *here.parents):
        if folder in ceilings:
            break
        candidate = folder / REPAIR_TOML
        if candidate.is_file():
            return candidate
        candidate = folder / PYPROJECT
        if candidate.is_file() and "repair" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def load_settings(path: Path | None = None, *, start: Path | None = None, discover: bool = True) -> Settings:
    """Load ``path``, or the discovered file, or the defaults (``discover`` false and no path)."""
    if path is None and discover:
        path = find_config(start)
    if path is None:
        return Settings()
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    data = _read_toml(path)
    if path.name == PYPROJECT:
        table = data.get("tool", {}).get("repair", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.repair] must be a table")
    else:
        table = data
    settings = settings_from_mapping(table, str(path), section="tool.repair" if path.name == PYPROJECT else "")
    settings.path = path.resolve()
    settings.rules = [str(settings.resolve(p)) for p in settings.rules]  # relative to the file, not the cwd
    settings.tables = [str(settings.resolve(p)) for p in settings.tables]
    if settings.model not in ("auto", "off"):
        settings.model = str(settings.resolve(settings.model))
    settings.extend_rules = [str(settings.resolve(p)) for p in settings.extend_rules]
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not valid UTF-8 (byte 0x{e.object[e.start]:02x} at offset {e.start}); TOML files "
                          "are UTF-8: convert it, or pass --isolated or --config to ignore it") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None


def settings_from_mapping(data: Mapping[str, Any], where: str, *, section: str = "tool.repair") -> Settings:
    """Build :class:`Settings` from a parsed table, checking every key and type."""
    settings = _build(Settings, data, where, section)
    return settings


def _in(section: str) -> str:
    return f" in [{section}]" if section else " at the top level"


def _build(cls: type, data: Mapping[str, Any], where: str, section: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: [{section}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    hints = typing.get_type_hints(cls)
    data = _snake_keys(data, fields, where, section)
    for key in data:
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {key!r}{_in(section)}; "
                              f"known keys: {', '.join(sorted(fields))}")
    kwargs: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        sub = f"{section}.{name}" if section else name
        kind = hints[name]
        value = data[name]
        if name == "grammar" and cls is Settings:
            kwargs[name] = grammar_settings(value, f"{where}: [{sub}]")
        elif dataclasses.is_dataclass(kind):
            kwargs[name] = _build(kind, value, where, sub)
        elif name in ("document", "corpus") and cls is CheckSettings:
            defaults = DOCUMENT_LIMITS if name == "document" else CORPUS_LIMITS
            kwargs[name] = {**defaults, **_limits(value, defaults, where, sub)}
        else:
            kwargs[name] = coerce(value, kind, where, sub)
    obj = cls(**kwargs)
    obj.validate(where)
    return obj


def _snake_keys(data: Mapping[str, Any], fields: Mapping[str, Any], where: str, section: str) -> dict[str, Any]:
    """``extend-rules`` is read as ``extend_rules`` (ruff's spelling); giving both is an error."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_") if isinstance(key, str) and key.replace("-", "_") in fields else key
        if name in out:
            raise ConfigError(f"{where}: {key!r}{_in(section)} is given twice (as {name!r} too); keep one")
        out[name] = value
    return out


def grammar_settings(table: Any, where: str) -> Any:
    """The grammar stage's settings from a ``[grammar]`` table, checked by the stage's own schema."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    return GrammarSettings.from_mapping(table, where=where)


def _limits(value: Any, known: Mapping[str, float], where: str, section: str) -> dict[str, Limit]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{section}] must be a table of limits")
    out: dict[str, Limit] = {}
    for k, v in value.items():
        if k not in known:
            raise ConfigError(f"{where}: unknown key {k!r} in [{section}]; known keys: {', '.join(sorted(known))}")
        out[k] = parse_limit(v, f"{where}: [{section}] {k}")
    return out


__all__ = [
    "CORPUS_LIMITS", "DEFAULT_BASELINE", "DOCUMENT_LIMITS", "CheckSettings", "ExecutorSettings",
    "Limit", "Settings", "find_config", "grammar_settings", "load_settings", "settings_from_mapping",
]
