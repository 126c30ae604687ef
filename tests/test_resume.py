"""--resume: a run stopped mid-way (SIGTERM, Ctrl-C) keeps its completed partitions; resumed, it
publishes byte for byte what an uninterrupted run publishes, locally and on a real Dask cluster.

The killed runs are real processes: a hook (``HOOK``) lets the run record a given number of
partitions, then holds it there until the test sends the signal, so the signal always lands
mid-run, whatever the machine's speed.
"""
from __future__ import annotations

import gzip
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair import resume
from repair.cli import app
from repair.document import Document
from repair.partitions import plan, read_partition

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PARTITION_MB = 0.02
runner = CliRunner()

# run the CLI with WorkFolder._commit wrapped: once `after` partitions are recorded, say so in `flag`
# and wait (for the test's signal: the run cannot finish before it arrives)
HOOK = """
import signal, sys, time
from pathlib import Path
# Ctrl-C as at a terminal: a test run started in the background by a shell (cmd &) inherits SIGINT
# ignored, and so would this run, which then never stops
signal.signal(signal.SIGINT, signal.default_int_handler)
import repair.resume as r
flag, after = Path(sys.argv.pop(1)), int(sys.argv.pop(1))
commit = r.WorkFolder._commit
def stop_here(self, rec, part):
    commit(self, rec, part)
    if self.done == after:
        flag.write_text(str(self.done))
        while True:
            time.sleep(0.05)
r.WorkFolder._commit = stop_here
from repair.cli import main
main()
"""


def _corpus(root: Path) -> Path:
    """Seeds as .txt files, JSON lines with a broken line, a compressed JSONL file, Parquet row groups."""
    inp = root / "in"
    (inp / "seeds").mkdir(parents=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for p in sorted(SEEDS.glob("*.txt")):
        (inp / "seeds" / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    lines = [json.dumps({"text": t, "n": i}, ensure_ascii=False) for i, t in enumerate(texts * 4)]
    lines.insert(7, "{broken json")
    (inp / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inp / "more.jsonl.gz").write_bytes(gzip.compress("".join(
        json.dumps({"id": f"gz{i}", "text": t}) + "\n" for i, t in enumerate(texts[:2])).encode()))
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return inp
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(6)], "text": (texts * 2)[:6]}), inp / "rows.parquet",
                   row_group_size=2)
    return inp


def _config(root: Path, extra: str = "") -> str:
    """The runs' repair.toml: small partitions, and the review report (``review = true``), so that
    resumed runs are compared on every file a folder run can write."""
    (root / "repair.toml").write_text(f"review = true\n[executor]\npartition_mb = {PARTITION_MB}\n{extra}",
                                      encoding="utf-8")
    return str(root / "repair.toml")


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``; the review report's token (a hash of the folder's path) made neutral."""
    from repair.review.html import report_token

    token = report_token(folder).encode()
    return {p.relative_to(folder).as_posix(): p.read_bytes().replace(token, b"TOKEN")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _same(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    assert "report.json" in fa and "records.jsonl" in fa and "index.html" in fa and any(k.startswith("diffs/") for k in fa)
    for name in fa:
        assert fa[name] == fb[name], name


def _recorded(out: Path) -> list[int]:
    return sorted(int(p.stem) for p in (resume.work_folder(out) / "parts").glob("*.pkl"))


def _beside(out: Path) -> set[str]:
    """What is left next to the output: hidden names only (locks, staging folders, the work folder)."""
    return {p.name for p in out.parent.iterdir() if p.name.startswith(".")}


def _kill_mid_run(tmp_path: Path, args: list[str], after: int, sig: int) -> tuple[int, str]:
    """Run ``repair run ARGS`` in a process of its own, stop it with ``sig`` once ``after`` partitions are recorded."""
    flag = tmp_path / "recorded"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HOOK, str(flag), str(after), "run", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not flag.exists():
            if proc.poll() is not None:
                pytest.fail(f"the run ended before recording {after} partitions: {proc.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the run recorded nothing in 5 minutes"
            time.sleep(0.05)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, stderr.decode()


@pytest.mark.parametrize("sig, jobs, code", [(signal.SIGTERM, "2", 143), (signal.SIGINT, "1", 130)],
                         ids=["sigterm-jobs2", "sigint"])
def test_a_killed_local_run_resumes_to_the_same_output(tmp_path, monkeypatch, sig, jobs, code):
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    whole = runner.invoke(app, ["run", str(inp), "-o", str(tmp_path / "whole"), "--config", cfg, "-q"])
    assert whole.exit_code == 1, whole.output  # the broken line is reported and counted; the rest is written

    out = tmp_path / "out"
    after = 4
    rc, stderr = _kill_mid_run(tmp_path, [str(inp), "-o", str(out), "--config", cfg, "-q", "--jobs", jobs], after, sig)
    assert rc == code, stderr
    assert "Traceback" not in stderr and "--resume goes on from there" in " ".join(stderr.split())
    assert not out.exists()  # nothing published, no staging folder or lock left: only the recorded partitions
    assert _beside(out) == {resume.work_folder(out).name}
    assert _recorded(out) == list(range(after))

    parts = plan([inp], int(PARTITION_MB * (1 << 20)))
    assert len(parts) >= after + 4
    left = sum(isinstance(x, Document) for p in parts[after:] for x in read_partition(p))
    import repair.executor

    cleaned = []
    real = repair.executor.run_document
    monkeypatch.setattr(repair.executor, "run_document", lambda doc, *a: cleaned.append(doc.id) or real(doc, *a))
    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "--resume"])
    assert res.exit_code == 1, res.output
    assert f"{after} of {len(parts)} partitions were done" in " ".join(res.stderr.split())
    assert len(cleaned) == left  # the recorded partitions were not cleaned again
    _same(tmp_path / "whole", out)
    assert _beside(out) == set()  # the work folder is gone once the output is published


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as c:
        yield c


def test_a_killed_dask_run_resumes_to_the_same_output(tmp_path, cluster):
    """Killed while its own two Dask workers clean; resumed on another cluster; as a local run writes."""
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    local = runner.invoke(app, ["run", str(inp), "-o", str(tmp_path / "local"), "--config", cfg, "-q"])
    assert local.exit_code == 1, local.output

    out = tmp_path / "out"
    rc, stderr = _kill_mid_run(tmp_path, [str(inp), "-o", str(out), "--config", cfg, "-q", "--workers", "2"], 3,
                               signal.SIGTERM)
    assert rc == 143, stderr
    assert not out.exists() and _beside(out) == {resume.work_folder(out).name}
    assert _recorded(out) == [0, 1, 2]

    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "--resume", "--executor", "dask",
                              "--scheduler", cluster.scheduler_address])
    assert res.exit_code == 1, res.output
    assert "3 of" in res.stderr and "partitions were done" in " ".join(res.stderr.split())
    _same(tmp_path / "local", out)
    assert _beside(out) == set()


def _interrupt_in_process(monkeypatch, args: list[str], after: int):
    """Stop a run in this process as Ctrl-C would, once ``after`` partitions are recorded."""
    commit = resume.WorkFolder._commit

    def stop_here(self, rec, part):
        commit(self, rec, part)
        if self.done == after:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(resume.WorkFolder, "_commit", stop_here)
        res = runner.invoke(app, ["run", *args])
    assert res.exit_code == 130, res.output
    return res


@pytest.mark.parametrize("suffix", ["", ".jsonl", ".parquet"])
def test_record_files_resume_to_the_same_bytes(tmp_path, monkeypatch, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    whole, out = tmp_path / f"whole{suffix}", tmp_path / f"out{suffix}"
    assert runner.invoke(app, ["run", str(inp), "-o", str(whole), "--config", cfg, "-q"]).exit_code == 1
    _interrupt_in_process(monkeypatch, [str(inp), "-o", str(out), "--config", cfg, "-q"], 2)
    assert not out.exists() and _recorded(out) == [0, 1]
    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q", "--resume"])
    assert res.exit_code == 1, res.output
    if suffix:
        assert out.read_bytes() == whole.read_bytes()
    else:
        _same(whole, out)
    assert _beside(out) == set()


def test_resume_with_other_settings_or_inputs_is_refused(tmp_path, monkeypatch):
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    out = tmp_path / "out"
    _interrupt_in_process(monkeypatch, [str(inp), "-o", str(out), "--config", cfg, "-q"], 3)

    def refused(*args: str) -> str:
        res = runner.invoke(app, ["run", str(inp), "-o", str(out), "-q", "--resume", *args])
        assert res.exit_code == 2, res.output
        assert _recorded(out) == [0, 1, 2] and not out.exists()  # left as they were
        return " ".join(res.stderr.split())

    said = refused("--config", cfg, "--threshold", "0.5")
    assert "had other settings" in said and "without --resume to start over" in said
    other = tmp_path / "other.toml"
    other.write_text("[executor]\npartition_mb = 0.05\n", encoding="utf-8")
    assert "other partitioning" in refused("--config", str(other))
    assert "other rules" in refused("--config", cfg, "--skip", "boilerplate")
    (inp / "seeds" / "new.txt").write_text("A new document.\n", encoding="utf-8")
    assert "other input files" in refused("--config", cfg)

    # without --resume: the recorded partitions are removed and the run starts over
    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q", "--threshold", "0.5"])
    assert res.exit_code == 1, res.output
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["documents"] > 0
    assert _beside(out) == set()


def test_resume_with_nothing_recorded_runs_from_the_start(tmp_path):
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    res = runner.invoke(app, ["run", str(inp / "seeds"), "-o", str(tmp_path / "o.jsonl"), "--config", cfg, "--resume"])
    assert res.exit_code == 0, res.output
    assert "nothing recorded to resume" in " ".join(res.stderr.split())
    assert len((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()) == 5


@pytest.mark.parametrize("args", [["SEEDS"], ["-", "-o", "OUT"]], ids=["stdout", "stdin"])
def test_resume_needs_input_files_and_an_output(tmp_path, args):
    args = [str(SEEDS) if a == "SEEDS" else str(tmp_path / "o.jsonl") if a == "OUT" else a for a in args]
    res = runner.invoke(app, ["run", *args, "--isolated", "--resume"], input="Some text.\n")
    assert res.exit_code == 2, res.output
    assert "--resume needs an output" in " ".join(res.output.split())


def test_a_damaged_recorded_partition_is_said_and_cleaned_again(tmp_path, monkeypatch):
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["run", str(inp), "-o", str(tmp_path / "whole.jsonl"), "--config", cfg, "-q"]).exit_code == 1
    _interrupt_in_process(monkeypatch, [str(inp), "-o", str(out), "--config", cfg, "-q"], 2)
    damaged = resume.work_folder(out) / "parts" / "000001.pkl"
    damaged.write_bytes(damaged.read_bytes()[:-40])
    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q", "--resume"])
    assert res.exit_code == 1 and "are damaged" in " ".join(res.stderr.split()) and not out.exists()
    assert _recorded(out) == [0]
    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q", "--resume"])
    assert res.exit_code == 1, res.output
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


def test_a_run_to_stdout_or_a_stage_command_records_nothing(tmp_path):
    res = runner.invoke(app, ["run", str(SEEDS), "--isolated", "-q"])
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 5
    res = runner.invoke(app, ["emit", str(SEEDS), "-o", str(tmp_path / "e.jsonl"), "--isolated", "-q"])
    assert res.exit_code == 0 and _beside(tmp_path / "e.jsonl") == set()


def test_a_local_run_resumes_on_dask_and_a_dask_run_locally(tmp_path, monkeypatch, cluster):
    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    assert runner.invoke(app, ["run", str(inp), "-o", str(tmp_path / "whole"), "--config", cfg, "-q"]).exit_code == 1
    out = tmp_path / "out"
    _interrupt_in_process(monkeypatch, [str(inp), "-o", str(out), "--config", cfg, "-q"], 2)
    on_dask = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
    _interrupt_in_process(monkeypatch, [str(inp), "-o", str(out), "--config", cfg, "-q", "--resume", *on_dask], 5)
    assert _recorded(out) == [0, 1, 2, 3, 4]
    res = runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q", "--resume"])
    assert res.exit_code == 1, res.output
    _same(tmp_path / "whole", out)


def test_a_recorded_document_reads_back_as_it_was(tmp_path):
    """The recorder's own reduction of a Document (its changes as tuples) gives back what the default
    one does: every field equal and of the same type; a Document of another shape takes the default."""
    import io
    import pickle
    from collections import Counter

    from repair.model import Change, Note

    changes = [Change("detect", "r.a", 0, 3, "abc", "x", 0.95, True),
               Change("grammar", "lt.b", 4, 5, "d", "e", 0.5, False, Note("m", "c", "t", ("e", "f")))]
    docs = [Document(id="a", source="abc d", text="x e", fields={"k": [1, 2.5]}, changes=changes,
                     pending=changes[1:], spin_score=0.7, family="thesaurus", evidence={"words": 2},
                     skipped=Counter(overlap=2), stages=["normalise"], origin={"path": "p", "line": 3},
                     extra={"x": 1}, notes={"grammar": "n"}, emitted=True, read_from={"path": "q"}),
            Document(id="b", source="s", text=""),  # no __post_init__ on the way back: text stays ""
            Document(id="c", source="s", changes=("not", "a list"))]  # type: ignore[arg-type]
    docs[1].text = ""
    for d in docs:
        f = io.BytesIO()
        p = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
        p.dispatch_table = resume._DISPATCH
        p.dump(d)
        back = pickle.loads(f.getvalue())
        default = pickle.loads(pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL))
        for name in Document.__dataclass_fields__:
            got, want = getattr(back, name), getattr(default, name)
            assert got == want and type(got) is type(want), name
            if isinstance(want, list):
                assert [type(x) for x in got] == [type(x) for x in want]


def test_a_run_stopped_while_publishing_cleans_only_its_last_partition_again(tmp_path, monkeypatch):
    """The last partition is not recorded (the output is published as it ends): a run stopped between the
    two has every other partition recorded, and its resumed run cleans the last one only."""
    from repair.staging import StagedFolder

    inp, cfg = _corpus(tmp_path), _config(tmp_path)
    assert runner.invoke(app, ["run", str(inp), "-o", str(tmp_path / "whole"), "--config", cfg, "-q"]).exit_code == 1
    parts = plan([inp], int(PARTITION_MB * (1 << 20)))
    out = tmp_path / "out"

    def stopped(self, then=()):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(StagedFolder, "publish", stopped)
        assert runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q"]).exit_code == 130
    assert not out.exists() and _recorded(out) == list(range(len(parts) - 1))

    import repair.executor

    cleaned = []
    real = repair.executor.run_document
    monkeypatch.setattr(repair.executor, "run_document", lambda doc, *a: cleaned.append(doc.id) or real(doc, *a))
    assert runner.invoke(app, ["run", str(inp), "-o", str(out), "--config", cfg, "-q", "--resume"]).exit_code == 1
    assert len(cleaned) == sum(isinstance(x, Document) for x in read_partition(parts[-1])) > 0
    _same(tmp_path / "whole", out)


def test_a_run_of_one_partition_records_nothing(tmp_path, monkeypatch):
    """With one partition there is nothing a stopped run could skip: no document is pickled."""
    added = []
    monkeypatch.setattr(resume._Recorder, "add", lambda self, item: added.append(item))
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["run", str(SEEDS), "-o", str(out), "--isolated", "-q"])
    assert res.exit_code == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert added == [] and _beside(out) == set()
