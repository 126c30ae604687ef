"""Load rule files: data, not code.

Every ``*.toml`` file below a rules folder is one pack::

    [pack]                       # optional: defaults for the rules below and provenance
    stage = "normalise"
    family = "boilerplate"
    license = "..."               # for imported data
    why = "..."

    [[rule]]
    id = "boilerplate.ad-marker"  # unique across all packs; used in records, reports and --only filters
    stage = "normalise"           # defaults to [pack].stage
    ...                           # stage-specific keys (pattern, replace, phrase, ...)
    examples = [ { in = "...", out = "..." },                              # the rule alone, as it stands
                 { in = "...", out = "...", context = { spun = "okay" } } ]  # as in a document detected
                                                                            # spun by the "okay" spinner

The loader checks what every rule must have (id, stage, unique ids, examples well-formed) and
reports problems as :class:`RuleError` with the file and rule. Each stage compiles its own rules
(see ``compile_rules`` in the stage modules) through :meth:`RuleSet.compiled`, which caches the
result, so a pattern that does not compile fails when the rules are loaded by
:func:`repair.pipeline.load`.

:func:`run_example` runs one example through its rule alone (how tests/test_rules.py checks every
example); :func:`run_in` runs it through a whole rule set, optionally without its rule (how the
same tests prove that each example needs its rule).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from repair.errors import ConfigError, RuleError

STAGE_NAMES = ("normalise", "detect", "match", "emit", "grammar")
CONTEXT_KEYS = ("spun",)


@dataclass(frozen=True, slots=True)
class Example:
    input: str
    output: str
    # context = { spun = ... }: the document-level decision the example runs under (None: as the
    # evidence decides). A family name: detected spun by that spinner; true: spun, by no known
    # spinner (gate "spun" opens, gate "family" stays shut); false: not spun (both stay shut).
    spun: str | bool | None = None

    @property
    def positive(self) -> bool:
        return self.input != self.output


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    stage: str
    file: str
    data: dict[str, Any]
    pack: dict[str, Any]
    examples: tuple[Example, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        """A rule key, falling back to the pack's default of the same name."""
        if key in self.data:
            return self.data[key]
        return self.pack.get(key, default)

    def where(self) -> str:
        return f"{self.file}: rule {self.id!r}"


@dataclass(slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    packs: dict[str, dict[str, Any]]  # file -> [pack] table (plus any top-level tables)
    roots: tuple[str, ...] = ()
    _compiled: dict[str, Any] = field(default_factory=dict)
    # set by repair.rulecache for a rule set it loaded: the hash of its files, selection and code
    cache_key: str | None = field(default=None, compare=False)

    def __reduce__(self) -> tuple:
        """Pickle the rules as data plus their compiled forms; a cached rule set as data plus its key.

        A rule set from :mod:`repair.rulecache` arrives in another process (a worker) as the one
        that process already has for that key, else the disk cache's, else compiled there once:
        the compiled forms (megabytes of automata) never travel with every task.
        """
        if self.cache_key is not None:
            from repair.rulecache import from_key

            return from_key, (self.cache_key, RuleSet(self.rules, self.packs, self.roots))
        return RuleSet, (self.rules, self.packs, self.roots, dict(self._compiled))

    def for_stage(self, stage: str) -> list[Rule]:
        return [r for r in self.rules if r.stage == stage]

    def by_id(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def compiled(self, key: str, build: Callable[["RuleSet"], Any]) -> Any:
        """Build (once) and cache a stage's compiled form of these rules."""
        if key not in self._compiled:
            self._compiled[key] = build(self)
        return self._compiled[key]

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> "RuleSet":
        """A RuleSet keeping rules whose id starts with one of ``only`` (all if empty), minus ``skip``.

        A selector that matches no rule is a mistake (a typo would silently select nothing), so it
        raises :class:`~repair.errors.ConfigError` naming it, as ruff does for ``--select``.

        >>> rs = RuleSet((Rule("quotes.curly", "normalise", "q.toml", {}, {}),), {})
        >>> [r.id for r in rs.select(only=["quotes"]).rules], [r.id for r in rs.select(skip=["quotes."]).rules]
        (['quotes.curly'], [])
        >>> rs.select(only=["qoutes"])
        Traceback (most recent call last):
        ...
        repair.errors.ConfigError: --only 'qoutes': no rule id starts with it (did you mean 'quotes'?); `repair rules` lists the ids
        """
        only, skip = tuple(only), tuple(skip)
        for flag, selectors in (("--only", only), ("--skip", skip)):
            for p in selectors:
                if not any(selects(p, r.id) for r in self.rules):
                    close = difflib.get_close_matches(p, sorted({r.id for r in self.rules}
                                                                | {r.id.split(".")[0] for r in self.rules}), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ConfigError(f"{flag} {p!r}: no rule id starts with it{hint}; `repair rules` lists the ids")
        kept = tuple(
            r for r in self.rules
            if (not only or any(selects(p, r.id) for p in only)) and not any(selects(p, r.id) for p in skip)
        )
        return RuleSet(kept, self.packs, self.roots)


def selects(selector: str, rule_id: str) -> bool:
    """Whether a ``--only``/``--skip`` selector picks a rule: an id, an id prefix, or ``family.*``.

    >>> selects("spin.*", "spin.okay"), selects("quotes", "quotes.curly"), selects("x", "quotes.curly")
    (True, True, False)
    """
    return rule_id == selector or rule_id.startswith(selector.rstrip(".*") + ".") or rule_id.startswith(selector)


def builtin_rules_dir() -> Path:
    """The rules shipped with the package (``repair/_rules`` in a wheel, ``rules/`` in a checkout)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "_rules", here.parent / "rules"):
        if cand.is_dir():
            return cand
    raise RuleError(f"no built-in rules folder found next to {here}; reinstall the package")


def _examples(raw: Any, where: str) -> tuple[Example, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RuleError(f"{where}: 'examples' must be a list of {{ in = ..., out = ... }} tables")
    out = []
    for i, ex in enumerate(raw):
        if not isinstance(ex, dict) or "in" not in ex or "out" not in ex:
            raise RuleError(f"{where}: example {i + 1} needs both 'in' and 'out'")
        if not isinstance(ex["in"], str) or not isinstance(ex["out"], str):
            raise RuleError(f"{where}: example {i + 1}: 'in' and 'out' must be strings")
        unknown = set(ex) - {"in", "out", "context"}
        if unknown:
            raise RuleError(f"{where}: example {i + 1}: unknown key(s) {', '.join(sorted(unknown))}; "
                            "an example has 'in', 'out' and optionally 'context'")
        ctx = ex.get("context", {})
        if not isinstance(ctx, dict) or set(ctx) - set(CONTEXT_KEYS):
            raise RuleError(f"{where}: example {i + 1}: 'context' must be a table with only "
                            f"{', '.join(CONTEXT_KEYS)} (e.g. context = {{ spun = \"okay\" }})")
        spun = ctx.get("spun")
        if spun is not None and not isinstance(spun, (str, bool)) or spun == "":
            raise RuleError(f"{where}: example {i + 1}: context 'spun' must be a spinner family such as "
                            "\"okay\", or true / false")
        out.append(Example(ex["in"], ex["out"], spun))
    return tuple(out)


def load_file(path: Path, display: str | None = None) -> tuple[dict[str, Any], list[Rule]]:
    name = display or str(path)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise RuleError(f"{name}: not valid TOML ({e}); fix the syntax at that line") from None
    except OSError as e:
        raise RuleError(f"{name}: cannot read rule file ({e.strerror})") from None
    pack = doc.get("pack", {})
    if not isinstance(pack, dict):
        raise RuleError(f"{name}: [pack] must be a table")
    meta = {k: v for k, v in doc.items() if k != "rule"}
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RuleError(f"{name}: rules must be written as [[rule]] tables")
    rules = []
    for i, raw in enumerate(raw_rules):
        if "id" not in raw or not isinstance(raw["id"], str) or not raw["id"].strip():
            raise RuleError(f"{name}: rule {i + 1} has no 'id'; every rule needs a unique id such as 'family.name'")
        rid = raw["id"]
        stage = raw.get("stage", pack.get("stage"))
        if stage not in STAGE_NAMES:
            raise RuleError(f"{name}: rule {rid!r}: stage {stage!r} is not one of {', '.join(STAGE_NAMES)}")
        where = f"{name}: rule {rid!r}"
        rules.append(Rule(rid, stage, name, {k: v for k, v in raw.items() if k != "examples"}, pack,
                          _examples(raw.get("examples"), where)))
    return meta, rules


def load_rules(dirs: Iterable[Path | str] | None = None, extend: Iterable[Path | str] = ()) -> RuleSet:
    """Load every ``*.toml`` below each folder (the built-in rules when ``dirs`` is empty), then
    those of ``extend`` on top (``--extend-rules``: added to the base set, never replacing it; an
    id used twice is a :class:`RuleError`).

    >>> base = load_rules()
    >>> learned = builtin_rules_dir() / "match" / "gazetteer.toml"
    >>> len(load_rules([learned]).rules) < len(base.rules)   # --rules replaces the built-in rules
    True
    """
    roots = [Path(d) for d in (dirs or [])] or [builtin_rules_dir()]
    roots += [Path(d) for d in extend]
    all_rules: list[Rule] = []
    packs: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for root in roots:
        if root.is_file() and root.suffix == ".toml":
            files = [root]
        elif root.is_dir():
            files = sorted(root.rglob("*.toml"))
        else:
            raise RuleError(f"{root}: no such rules folder or .toml file")
        for path in files:
            display = str(path)
            meta, rules = load_file(path, display)
            packs[display] = meta
            for r in rules:
                if r.id in seen:
                    raise RuleError(f"{display}: rule id {r.id!r} is already used in {seen[r.id]}; ids must be unique")
                seen[r.id] = display
                all_rules.append(r)
    return RuleSet(tuple(all_rules), packs, tuple(str(r) for r in roots))
