"""repair.gcpolicy: a run's own process settles its collector after the first document; the library leaves
a host's collector alone; cyclic garbage is still collected. Each case runs in a process of its own (the
collector is process-wide: these tests must not change the test runner's)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _in_a_process(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "REPAIR_MODEL": "off"}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


_STATE = "import gc, json; print(json.dumps({'frozen': gc.get_freeze_count(), 'young': gc.get_threshold()[0]}))"


def test_a_run_in_this_process_settles_after_its_first_document():
    got = _in_a_process(
        "import gc, json\n"
        "from repair.document import Document\n"
        "from repair.executor import PipelineWork, imap\n"
        "from repair.pipeline import Config\n"
        "docs = (Document.from_text(t) for t in ['Fighters of ISIS-Okay struck.', 'A second one.'])\n"
        "run = imap(PipelineWork(Config.load(model='off')), docs)\n"
        "first = next(run)\n"
        "before = gc.get_freeze_count()\n"  # the first document is out, not yet written
        "rest = list(run)\n"
        "print(json.dumps({'before': before, 'frozen': gc.get_freeze_count(), 'young': gc.get_threshold()[0],"
        " 'texts': [first.text] + [d.text for d in rest]}))")
    from repair.gcpolicy import YOUNG

    assert got["texts"] == ["Fighters of ISIS-K struck.", "A second one."]
    assert got["before"] == 0  # not before the first document is done (what loads on first use has not yet)
    assert got["frozen"] > 10_000 and got["young"] == YOUNG  # the rules and tables are out of the collector's reach


def test_the_library_leaves_the_host_collector_alone():
    got = _in_a_process("from repair.pipeline import run_text\nrun_text('The State Division said.')\n"
                        "run_text('A second one.')\n" + _STATE)
    assert got == {"frozen": 0, "young": 700}


def test_cyclic_garbage_is_still_collected_once_settled():
    got = _in_a_process(
        "import gc, json, weakref\n"
        "from repair.gcpolicy import YOUNG, settle\n"
        "settle()\n"
        "class Node: pass\n"
        "a = Node(); a.me = a; ref = weakref.ref(a); del a\n"  # a cycle: reference counting never frees it
        "alive_before = ref() is not None\n"
        "keep = [[] for _ in range(YOUNG + 1000)]\n"  # enough new objects for a collection of the young generation
        "print(json.dumps({'before': alive_before, 'after': ref() is not None}))")
    assert got == {"before": True, "after": False}


def test_paused_turns_the_collector_off_for_the_block_only():
    import gc

    from repair.gcpolicy import paused

    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # as it was
    finally:
        gc.enable()
