"""A Config pickles (rules and all), and compiled rules are cached on disk under a hash of the rule files."""
from __future__ import annotations

import io
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repair import rulecache
from repair.document import Document
from repair.pipeline import Config, run_document
from repair.writers import dumps

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + [
    "Plain text.\n", "Caf\u00c3\u00a9  au lait\n", "[ad_1]\nThe State Division said.\n", ""]


def _outputs(cfg: Config) -> list[str]:
    return [dumps(run_document(Document.from_text(t, id=str(i)), cfg).to_record()) for i, t in enumerate(TEXTS)]


def _cached_files() -> list[Path]:
    folder = rulecache.cache_dir()
    return sorted(folder.glob("rules-*.pickle")) if folder and folder.is_dir() else []


@pytest.fixture
def fresh_memo(monkeypatch):
    """A process that has compiled nothing yet: only the disk cache (or compiling) can supply rules."""
    monkeypatch.setattr(rulecache, "_MEMO", {})


def test_config_pickle_round_trip_gives_identical_output(cfg, fresh_memo):
    expected = _outputs(cfg)
    blob = pickle.dumps(cfg)
    assert len(blob) < 2_000_000, "compiled automata must not travel with every task"
    rulecache._MEMO.clear()  # as in a worker: the rules come from the disk cache
    again = pickle.loads(blob)
    assert again.rules is not cfg.rules
    assert _outputs(again) == expected


def test_config_pickles_without_a_cache(cfg, fresh_memo, monkeypatch):
    expected = _outputs(cfg)
    monkeypatch.setenv("REPAIR_CACHE_DIR", "off")
    again = pickle.loads(pickle.dumps(cfg))  # compiled in this "worker" from the rules' data alone
    assert _outputs(again) == expected
    assert rulecache.cache_dir() is None


def test_compiled_rules_pickle_in_full(cfg):
    """A rule set built by hand (no cache key) pickles with its compiled forms (closures would not)."""
    rules = cfg.rules.select(["boilerplate", "okay"])
    sel = Config(rules=rules)
    expected = _outputs(sel)
    assert rules.cache_key is None and rules._compiled
    again = pickle.loads(pickle.dumps(sel))
    assert set(again.rules._compiled) == set(rules._compiled)
    assert _outputs(again) == expected


def test_a_fresh_process_reads_the_cache_written_by_another(tmp_path, fresh_memo):
    Config.load()
    assert len(_cached_files()) == 1
    entry = _cached_files()[0]
    before = (entry.stat().st_ino, entry.stat().st_mtime_ns)  # a rebuild replaces the file (a new inode)
    code = ("import time; t = time.perf_counter(); from repair.pipeline import Config; t1 = time.perf_counter();"
            "from repair import rulecache; c = Config.load(); print(c.rules.cache_key, time.perf_counter() - t1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    assert out[0] == Config.load().rules.cache_key
    assert _cached_files() == [entry]
    assert (entry.stat().st_ino, entry.stat().st_mtime_ns) == before  # read, not rebuilt


def test_editing_a_rule_file_invalidates_the_cache(tmp_path, fresh_memo):
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    text = "[ad_1]\nThe talks ended.\n"
    first = Config.load([rules_dir])
    assert run_document(Document.from_text(text), first).text == "The talks ended.\n"
    assert len(_cached_files()) == 1

    toml = rules_dir / "normalise" / "boilerplate.toml"
    body = toml.read_text(encoding="utf-8")
    toml.write_text(body.replace(r"pattern = '(?:\[ad_\d+\][ \t]*)+'", r"pattern = '(?:\[advert_\d+\][ \t]*)+'")
                    .replace('{ in = "[ad_1]\\nThe ambassador spoke.\\n[ad_2]"',
                             '{ in = "[advert_1]\\nThe ambassador spoke.\\n[advert_2]"'), encoding="utf-8")
    rulecache._MEMO.clear()
    second = Config.load([rules_dir])
    assert second.rules.cache_key != first.rules.cache_key
    assert len(_cached_files()) == 2
    assert run_document(Document.from_text(text), second).text == text  # the edit applies: no stale entry

    toml.write_text(body, encoding="utf-8")  # back as it was: the first entry is valid again
    rulecache._MEMO.clear()
    assert Config.load([rules_dir]).rules.cache_key == first.rules.cache_key
    assert len(_cached_files()) == 2


def test_selection_is_part_of_the_key(fresh_memo):
    assert rulecache.cache_key(None, only=["okay"]) != rulecache.cache_key(None)
    assert rulecache.cache_key(None, skip=["space"]) != rulecache.cache_key(None)


def test_a_corrupt_entry_is_rebuilt(cfg, fresh_memo):
    key = Config.load().rules.cache_key
    (path,) = [p for p in _cached_files() if key in p.name]
    path.write_bytes(b"not a pickle")
    rulecache._MEMO.clear()
    again = Config.load()
    assert _outputs(again) == _outputs(cfg)
    assert pickle.loads(path.read_bytes())["key"] == key  # rewritten


def test_an_unwritable_cache_only_costs_speed(cfg, fresh_memo, monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("REPAIR_CACHE_DIR", str(blocker))  # a file where the folder should be
    assert _outputs(Config.load()) == _outputs(cfg)


def test_bad_rules_still_raise_before_anything_is_cached(tmp_path, fresh_memo):
    from repair.errors import RuleError

    (tmp_path / "bad.toml").write_text('[[rule]]\nid = "x.bad"\nstage = "normalise"\nkind = "replace"\n'
                                       'pattern = "("\nreplace = ""\n', encoding="utf-8")
    with pytest.raises(RuleError, match="does not compile"):
        Config.load([tmp_path])
    assert _cached_files() == []


def _load_model(path: str) -> dict:
    _load_model.calls += 1  # type: ignore[attr-defined]
    return {"loaded-model-7f3a": path}


_load_model.calls = 0  # type: ignore[attr-defined]


def test_a_config_carries_a_lazily_loaded_model_without_its_weights(cfg):
    """A stage's model travels as its loader and path, and is loaded once per process, on first use."""
    from repair.lazy import Lazy

    with_model = Config(rules=cfg.rules, options={"model": Lazy(_load_model, "tiny.gguf")})
    blob = pickle.dumps(with_model)
    assert b"loaded-model-7f3a" not in blob
    before = _load_model.calls
    copies = [pickle.loads(blob) for _ in range(3)]
    assert _load_model.calls == before  # nothing loaded by unpickling
    assert all(c.options["model"].get() == {"loaded-model-7f3a": "tiny.gguf"} for c in copies)
    assert _load_model.calls == before + 1  # one load for the process, however many copies


def test_an_unreadable_rule_file_is_a_rule_error(tmp_path, fresh_memo, monkeypatch):
    import builtins

    from repair.errors import RuleError

    bad = tmp_path / "x.toml"
    bad.write_text('[[rule]]\nid = "x.a"\nstage = "normalise"\n', encoding="utf-8")
    real_open, real_read = builtins.open, Path.read_bytes

    def denied(path):
        if Path(path) == bad:
            raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: denied(f) or real_open(f, *a, **k))
    monkeypatch.setattr(Path, "read_bytes", lambda self: denied(self) or real_read(self))
    with pytest.raises(RuleError, match="cannot read rule file"):
        Config.load([tmp_path])


def _regexes(obj: object) -> list[re.Pattern]:
    """Every compiled regex inside ``obj``, as pickling meets them."""
    found: list[re.Pattern] = []

    class Spy(pickle.Pickler):
        def reducer_override(self, value: object) -> object:
            if isinstance(value, re.Pattern):
                found.append(value)
            return NotImplemented

    Spy(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return found


@pytest.mark.parametrize("pattern", [
    re.compile(r"\bstate (?P<what>division|department)\b"), re.compile("(?i)caf\u00e9"), re.compile("a b # c", re.X),
    re.compile(r"(?a)\w+(?=\d)|(?<!x)y{2,}?"), re.compile(rb"[\x00-\x1f]+", re.M), re.compile("(?s:.)(?i:X)$"),
    re.compile(r"(a)(?P<b>b)?(?(1)c|d)"), re.compile(""), re.compile(r"[\u00a0\u200b-\u200d\ufeff]+", re.I)])
def test_a_regex_is_stored_as_its_compiled_program(pattern):
    """What the cache stores of a regex rebuilds it equal to re.compile's (program, flags and groups)."""
    args = rulecache.program(pattern)
    assert args is not None
    again = pickle.loads(pickle.dumps(rulecache._restore_pattern(*args)))  # and it pickles as any regex
    rebuilt = rulecache._restore_pattern(*args)
    fresh = re.compile(pattern.pattern, pattern.flags)
    for p in (rebuilt, again):
        assert p == fresh and p.flags == fresh.flags and p.groups == fresh.groups and p.groupindex == fresh.groupindex
    subject = "x Caf\u00c9 state division yy 12ab\n" if isinstance(pattern.pattern, str) else b"\x01ab\ncd"
    assert [m.span() for m in rebuilt.finditer(subject)] == [m.span() for m in fresh.finditer(subject)]


def test_reading_the_cache_compiles_no_regex(cfg, fresh_memo, monkeypatch):
    """The built-in rules' regexes come out of the cache as programs, equal to what compiling them gives."""
    from re import _compiler

    regexes = _regexes(dict(cfg.rules._compiled))
    assert len(regexes) > 100
    assert all(rulecache.program(p) is not None for p in regexes)
    key = cfg.rules.cache_key
    rulecache._write(key, cfg.rules)
    compiled = []
    with monkeypatch.context() as m:
        m.setattr(_compiler, "compile", lambda *a: compiled.append(a) or pytest.fail(f"compiled {a}"))
        read = rulecache._read(key)
    assert read is not None and compiled == []
    assert _regexes(dict(read._compiled)) == regexes  # equal programs, in the same places
    assert _outputs(Config(rules=read)) == _outputs(cfg)


def test_the_code_counts_by_its_files_names_sizes_and_times(tmp_path):
    """Editing, adding or renaming a Python file of the package gives a new key (no file is read for it)."""
    import os

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("B = 1\n")
    a = tmp_path / "a.py"
    a.write_text("A = 1\n")
    (tmp_path / "notes.txt").write_text("not code\n")
    first = rulecache.sources_hash(str(tmp_path))
    assert rulecache.sources_hash(str(tmp_path)) == first
    (tmp_path / "notes.txt").write_text("still not code\n")
    assert rulecache.sources_hash(str(tmp_path)) == first
    stat = a.stat()
    a.write_text("A = 2\n")  # the same size: its time tells
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert rulecache.sources_hash(str(tmp_path)) != first
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert rulecache.sources_hash(str(tmp_path)) == first
    a.write_text("A = 10\n")
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # another size, the same time
    assert rulecache.sources_hash(str(tmp_path)) != first
    (tmp_path / "sub" / "b.py").rename(tmp_path / "sub" / "c.py")
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    a.write_text("A = 1\n")
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert rulecache.sources_hash(str(tmp_path)) != first
    assert [name for name, _ in rulecache._sources(str(tmp_path))] == ["a.py", "sub/c.py"]
