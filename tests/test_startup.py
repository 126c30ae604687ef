"""What every `repair` process pays before its first document: the shortcuts taken there change nothing else."""
from __future__ import annotations

import gc

import pytest

from repair import rulecache
from repair.cli.common import load_config
from repair.pipeline import Config
from repair.settings import Settings


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
