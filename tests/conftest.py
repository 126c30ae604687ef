"""Shared fixtures, and the isolation every test gets without asking for it.

Tests never depend on the terminal width, the user name, the temp folder or a config file above
the checkout (docs/development.md). So, for every test in this folder:

- the working directory is an empty project folder of its own in pytest's temp area;
- configuration discovery never searches pytest's temp root or anything above it
  (``REPAIR_CONFIG_CEILING``), so a ``repair.toml`` above the checkout or above ``/tmp`` is never
  read; a test that wants discovery writes its own files below its ``tmp_path``;
- the terminal is fixed: ``COLUMNS`` is narrow (40, so whatever depends on the width fails for
  everyone, not just on a small terminal), ``TERM=xterm`` (a ``dumb`` one would switch off the
  progress bar a test draws), no colour, no CI-forced terminal;
- ``HOME``, ``XDG_CACHE_HOME`` and the grammar cache (``REPAIR_CACHE_DIR``) are in the temp area.

A test that is about the width or the environment sets its own with ``monkeypatch.setenv``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Read at import time by rich (the CLI's stderr console) and typer (its error panels), so they are
# fixed here, before any test module imports the CLI, and again for each test below.
TERMINAL = {"COLUMNS": "40", "LINES": "25", "NO_COLOR": "1", "TERM": "xterm",
            # the language model costs ~40 s per 1,000 spun words here: tests run the learned tables
            # without it; the model's own tests (tests/spin/test_lm.py) load it explicitly
            "REPAIR_MODEL": "off"}
NOT_INHERITED = ("FORCE_COLOR", "PY_COLORS", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "TERMINAL_WIDTH",
                 "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "REPAIR_CONFIG_CEILING")
os.environ.update(TERMINAL)
for _name in NOT_INHERITED:
    os.environ.pop(_name, None)

from repair.pipeline import Config  # noqa: E402  (after the environment is fixed)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory: pytest.TempPathFactory):
    """The same cwd and discovery ceiling for session fixtures (``cfg``), which are built before ``isolated``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REPAIR_CONFIG_CEILING", str(tmp_path_factory.getbasetemp()))
        mp.setenv("REPAIR_CACHE_DIR", str(tmp_path_factory.mktemp("session-cache")))  # compiled rules (repair.rulecache)
        mp.chdir(tmp_path_factory.mktemp("session-cwd"))
        yield


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the cwd, a fixed terminal, caches and HOME in the temp area."""
    temp_root = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("REPAIR_CONFIG_CEILING", str(temp_root))
    for name, value in TERMINAL.items():
        monkeypatch.setenv(name, value)
    for name in NOT_INHERITED[:-1]:
        monkeypatch.delenv(name, raising=False)
    project = tmp_path_factory.mktemp("cwd")
    home = tmp_path_factory.mktemp("home")  # one per test: no cache is shared between tests
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("REPAIR_CACHE_DIR", str(home / ".cache" / "repair"))
    monkeypatch.chdir(project)
    return project


HOUSE_PACK = """\
[pack]
stage = "normalise"
kind = "replace"
family = "house-style"

[[rule]]
id = "house.colour"
pattern = 'colour'
replace = "color"
why = "House style spells it the American way."
examples = [ { in = "the colour red", out = "the color red" }, { in = "the color red", out = "the color red" } ]
"""


@pytest.fixture()
def house_pack(tmp_path: Path) -> Path:
    """``tmp_path/house.toml``: a one-rule normalise pack (``house.colour``: colour -> color, family
    ``house-style``, with a why and examples), for --rules, --extend-rules and `repair rules`."""
    p = tmp_path / "house.toml"
    p.write_text(HOUSE_PACK, encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def cfg() -> Config:
    return Config.load()


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    paths = sorted(SEEDS.glob("*.txt"))
    assert len(paths) == 5, "the five seed documents must be in seeds/"
    return paths
