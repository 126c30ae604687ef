"""Compiled rule sets cached on disk, so a process (a ``--jobs`` or Dask worker) starts in milliseconds.

Loading the rule files and compiling every stage's form of them (regexes, literal covers, the
Aho-Corasick automata of detect) takes a few tenths of a second; unpickling the result takes a
few hundredths. :func:`load_compiled` keeps the compiled :class:`~repair.rules.RuleSet` in
``$REPAIR_CACHE_DIR/compiled/`` (else ``$XDG_CACHE_HOME/repair/compiled/``, else
``~/.cache/repair/compiled/``), one file per :func:`cache_key`: a hash of the rule files (their
names as given and their bytes), the ``--only``/``--skip`` selection, the package's own code
and the Python and pyahocorasick versions. Editing a rule file, or the code that compiles it,
gives a new key: a stale entry is never read, and rebuilding costs what loading cost before.

The cache is a speed-up only: a missing, unreadable or corrupt entry is rebuilt, and a cache
folder that cannot be written is ignored (the rules are then compiled in each process, as
without a cache). ``REPAIR_CACHE_DIR=off`` turns it off. Bad rules still raise
:class:`~repair.errors.RuleError`: they are compiled before anything is stored.

>>> import tempfile, os
>>> os.environ["REPAIR_CACHE_DIR"] = tempfile.mkdtemp()
>>> rules = load_compiled()
>>> rules.cache_key == cache_key(None)
True
>>> load_compiled().rules == rules.rules  # the second load is read from the cache
True
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
import re
import sys
import tempfile
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from repair.gcpolicy import paused
from repair.rules import RuleSet, builtin_rules_dir, load_rules
from repair.stages import compile_all

CACHE_ENV = "REPAIR_CACHE_DIR"
SUBDIR = "compiled"
FORMAT = 2  # bump when what is stored changes shape (2: regexes as their compiled programs)

# per process: a RuleSet compiled or read once is not read again (workers unpickle many tasks)
_MEMO: dict[str, RuleSet] = {}


def cache_dir() -> Path | None:
    """Where compiled rule sets are kept, or None when caching is off (``REPAIR_CACHE_DIR=off``)."""
    folder = os.environ.get(CACHE_ENV)
    if folder:
        return None if folder.lower() == "off" else Path(folder).expanduser() / SUBDIR
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "repair" / SUBDIR


@lru_cache(maxsize=1)
def _code_hash() -> str:
    """A hash of the package's own Python files: new compile code never reads an old entry.

    Each file counts by its name, size and modification time (in nanoseconds), as Python itself decides
    whether a module's cached bytecode is stale (by the source's size and time, in seconds): an edited
    or reinstalled file gives a new key, and no file is read (reading and hashing them all cost
    some 35 M instructions a process).
    """
    import ahocorasick

    h = hashlib.sha256(f"{FORMAT}|{sys.version}|{getattr(ahocorasick, '__version__', '')}".encode())
    h.update(sources_hash(os.path.dirname(os.path.realpath(__file__))).encode())
    return h.hexdigest()


def sources_hash(folder: str) -> str:
    """A hash of the ``*.py`` files below ``folder``: their names, sizes and modification times."""
    h = hashlib.sha256()
    for name, stat in _sources(folder):
        h.update(f"\0{name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return h.hexdigest()


def _sources(folder: str, prefix: str = "") -> list[tuple[str, os.stat_result]]:
    """The ``*.py`` files below ``folder``: (path relative to it, stat), in the order of their paths."""
    out = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                out.extend(_sources(entry.path, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".py"):
                out.append((prefix + entry.name, entry.stat()))
    return sorted(out, key=lambda item: item[0])


def _rule_files(roots: list[Path]) -> list[tuple[str, Path]]:
    out = []
    for root in roots:
        if root.is_file() and root.suffix == ".toml":
            out.append((str(root), root))
        elif root.is_dir():
            out.extend((str(p), p) for p in sorted(root.rglob("*.toml")))
    return out


def cache_key(dirs: Iterable[Path | str] | None, only: Iterable[str] = (), skip: Iterable[str] = ()) -> str:
    """The key of a compiled rule set: changes whenever a rule file, the selection or the code does."""
    roots = [Path(d) for d in (dirs or [])] or [builtin_rules_dir()]
    h = hashlib.sha256(_code_hash().encode())
    h.update(repr(([str(r) for r in roots], tuple(only), tuple(skip))).encode())
    for name, path in _rule_files(roots):
        h.update(f"\0{name}\0".encode())
        try:
            h.update(path.read_bytes())
        except OSError:  # loading the rules reports it (RuleError, with the file); never cached
            h.update(os.urandom(16))
    return h.hexdigest()[:32]


def load_compiled(dirs: Iterable[Path | str] | None = None, only: Iterable[str] = (), skip: Iterable[str] = (),
                  compile_all: Callable[[RuleSet], None] | None = None) -> RuleSet:
    """The rules below ``dirs`` (default: built-in), selected and compiled: from this process, the disk cache, or built."""
    dirs = list(dirs or [])
    only, skip = tuple(only), tuple(skip)
    key = cache_key(dirs, only, skip)
    if key in _MEMO:
        return _MEMO[key]
    rules = _read(key)
    if rules is None:
        rules = load_rules(dirs or None)
        if only or skip:
            rules = rules.select(only, skip)
        _compile(rules, compile_all)
        rules.cache_key = key
        _write(key, rules)
    _MEMO[key] = rules
    return rules


def _compile(rules: RuleSet, compile_with: Callable[[RuleSet], None] | None) -> None:
    (compile_with or compile_all)(rules)


def _path(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"rules-{key}.pickle"


def _read(key: str) -> RuleSet | None:
    path = _path(key)
    if path is None:
        return None
    try:
        # unpickling makes some 50,000 objects, none of them garbage: no collection can free any
        with paused(), open(path, "rb") as f:
            state = pickle.load(f)
    except Exception:  # noqa: BLE001 - a corrupt or foreign entry is rebuilt, never an error
        return None
    if not isinstance(state, dict) or state.get("key") != key:
        return None
    rules = RuleSet(*state["rules"], _compiled=state["compiled"], cache_key=key)
    return rules


def _write(key: str, rules: RuleSet) -> None:
    path = _path(key)
    if path is None:
        return
    state: dict[str, Any] = {"key": key, "rules": (rules.rules, rules.packs, rules.roots),
                             "compiled": dict(rules._compiled)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".rules-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickler = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.dispatch_table = {**copyreg.dispatch_table, re.Pattern: _reduce_pattern}
                pickler.dump(state)
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old entry or the whole new one
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # an unwritable cache only costs speed


def _reduce_pattern(pattern: re.Pattern) -> tuple:
    """How a regex pickles into the cache: as its compiled program (see :func:`program`), which
    unpickles without compiling again; as ``re`` pickles it (the pattern, compiled again) otherwise."""
    args = program(pattern)
    return (_restore_pattern, args) if args is not None else (re.compile, (pattern.pattern, pattern.flags))


def program(pattern: re.Pattern) -> tuple | None:
    """The arguments ``re`` gives ``_sre.compile`` for ``pattern`` (its program, as the integers of an
    array, the flags and the groups), or None when they cannot be found again (another Python, which
    :func:`cache_key` would tell apart anyway); the pattern they rebuild is checked to be equal to
    ``pattern`` (a compiled regex compares its program too).

    Compiling a regex (parsing it and generating its program, in Python) is what makes reading a rule
    set slow: some 250 M instructions for the built-in rules' 159 regexes, against none for this.
    """
    try:
        from re import _compiler, _parser

        if array("I").itemsize != _compiler._sre.CODESIZE:
            return None
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        code = _compiler._code(parsed, pattern.flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        args = (pattern.pattern, pattern.flags | parsed.state.flags, array("I", code).tobytes(),
                parsed.state.groups - 1, groupindex, tuple(indexgroup))
        return args if _restore_pattern(*args) == pattern else None
    except Exception:  # noqa: BLE001 - re's internals differ: the regex is stored as re stores it
        return None


def _restore_pattern(pattern: str | bytes, flags: int, code: bytes, groups: int, groupindex: dict[str, int],
                     indexgroup: tuple[str | None, ...]) -> re.Pattern:
    """A regex from its stored program (:func:`program`), as ``re.compile`` makes it, minus the compiling."""
    from re import _compiler

    program = array("I")
    program.frombytes(code)
    return _compiler._sre.compile(pattern, flags, program.tolist(), groups, groupindex, indexgroup)


def _reduce(rules: RuleSet) -> tuple:
    """How a RuleSet pickles once this module is loaded: a cached rule set as data plus its key, so it
    arrives in another process (a worker) as the one that process already has for that key, else the
    disk cache's, else compiled there once; the compiled forms (megabytes of automata) never travel
    with every task. A rule set not from the cache pickles as :meth:`RuleSet.__reduce__` says."""
    if rules.cache_key is not None:
        return from_key, (rules.cache_key, RuleSet(rules.rules, rules.packs, rules.roots))
    return rules.__reduce__()


copyreg.pickle(RuleSet, _reduce)


def from_key(key: str, rules: RuleSet) -> RuleSet:
    """A RuleSet arriving in a process (see :meth:`RuleSet.__reduce__`): compiled once per process and key."""
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    cached = _read(key)
    if cached is None:
        _compile(rules, None)
        rules.cache_key = key
        _write(key, rules)
        cached = rules
    _MEMO[key] = cached
    return cached
