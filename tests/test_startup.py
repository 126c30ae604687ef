"""What every `repair` process pays before its first document: the shortcuts taken there change nothing else."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from repair import rulecache
from repair.cli.common import load_config
from repair.pipeline import Config
from repair.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: imported only by the runs that need them: `repair run FILE -o OUT` does not
UNUSED_BY_A_PLAIN_RUN = ("pathspec", "multiprocessing", "concurrent.futures")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # what a test froze goes back to the collector


def test_a_command_hides_what_it_loaded_from_the_collector(unfrozen):
    """The objects alive once a command has its Config (modules, compiled rules) are frozen: the collections
    made while documents are cleaned do not traverse them again."""
    gc.unfreeze()
    cfg = load_config(Settings.load(None, discover=False).override(model="off"))
    assert gc.get_freeze_count() > 10_000
    assert cfg.rules.rules and gc.isenabled()


@pytest.mark.parametrize("collecting", [True, False])
def test_reading_the_cache_leaves_the_collector_as_it_was(collecting, monkeypatch):
    monkeypatch.setattr(rulecache, "_MEMO", {})
    key = Config.load().rules.cache_key
    assert rulecache._path(key).is_file()
    (gc.enable if collecting else gc.disable)()
    try:
        assert rulecache._read(key) is not None
        assert gc.isenabled() is collecting
        rulecache._path(key).write_bytes(b"not a pickle")  # and when the entry cannot be read
        assert rulecache._read(key) is None
        assert gc.isenabled() is collecting
    finally:
        gc.enable()


def test_a_plain_run_imports_only_what_it_uses(tmp_path):
    """`repair run FILE -o OUT.jsonl` (one process, files named) imports neither pathspec (folder searching)
    nor multiprocessing (--jobs); what it writes is a run's as always."""
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "[ad_1]\nThe State Division said.\n"}) + "\n", encoding="utf-8")
    code = ("import sys\nfrom repair.cli import main\ntry:\n    main()\nfinally:\n"
            f"    print(*[m for m in {UNUSED_BY_A_PLAIN_RUN!r} if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "run", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet",
                           "--isolated"], capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""
    record = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert record["text"] == "The State Department said.\n"


def _installed(folder: Path, version: str, kind: str = "dist-info") -> None:
    meta = folder / f"repair-{version}.{kind}"
    meta.mkdir(parents=True)
    (meta / ("METADATA" if kind == "dist-info" else "PKG-INFO")).write_text(
        f"Metadata-Version: 2.1\nName: repair\nVersion: {version}\nSummary: x\n\nVersion: not a header\n", encoding="utf-8")


def test_the_tool_version_is_importlib_metadatas():
    from importlib.metadata import PackageNotFoundError, version

    from repair.provenance import tool_version

    try:
        expected = version("repair")
    except PackageNotFoundError:
        expected = "0+unknown"
    assert tool_version.__wrapped__() == expected
    if expected != "0+unknown":  # installed: found without importing importlib.metadata (60 M instructions)
        code = "import sys; from repair.provenance import tool_version; print(tool_version(), 'importlib.metadata' in sys.modules)"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True)
        assert done.stdout.split() == [expected, "False"]


def test_the_version_read_from_a_dist_info_is_importlib_metadatas(tmp_path, monkeypatch):
    from importlib.metadata import version

    from repair.provenance import _dist_info_version

    _installed(tmp_path / "first", "9.9.9")
    _installed(tmp_path / "later", "1.2.3")
    monkeypatch.syspath_prepend(str(tmp_path / "later"))
    monkeypatch.syspath_prepend(str(tmp_path / "first"))  # the first folder on the path with the package wins
    assert _dist_info_version("repair") == version("repair") == "9.9.9"


def test_anything_but_one_plain_dist_info_is_left_to_importlib_metadata(tmp_path, monkeypatch):
    from repair.provenance import _dist_info_version

    _installed(tmp_path / "egg", "2.0", kind="egg-info")
    monkeypatch.syspath_prepend(str(tmp_path / "egg"))
    assert _dist_info_version("repair") is None
    _installed(tmp_path / "two", "3.0")
    _installed(tmp_path / "two", "3.1")
    monkeypatch.syspath_prepend(str(tmp_path / "two"))
    assert _dist_info_version("repair") is None
