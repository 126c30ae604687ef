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
                           "--isolated"], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""
    record = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert record["text"] == "The State Department said.\n"
