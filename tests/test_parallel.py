"""--jobs N: the same output as one process, in order, with bounded work in flight and errors per document."""
from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app
from repair.document import Document
from repair.errors import InputError, RepairError
from repair.executor import PipelineWork, imap
from repair.writers import dumps

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
runner = CliRunner()


class FailOn:
    """Picklable work that raises a RepairError (or kills its process) for chosen documents."""

    def __init__(self, work: PipelineWork, fail: set[str] = frozenset(), die: set[str] = frozenset()) -> None:
        self.work, self.fail, self.die = work, set(fail), set(die)

    def __call__(self, doc: Document) -> Document:
        if doc.id in self.die:
            os._exit(3)
        if doc.id in self.fail:
            raise RepairError("stage output does not match the replay of its changes")
        return self.work(doc)


def _docs(n: int) -> list[Document]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    extra = ["Plain text.\n", "Caf\u00c3\u00a9  au lait\n", "[ad_1]\nThe State Division said.\n", ""]
    texts = seeds + extra
    return [Document(id=f"d{i}", source=texts[i % len(texts)], text=texts[i % len(texts)],
                     origin={"path": "corpus.jsonl", "line": i + 1}) for i in range(n)]


def _items(n: int) -> list:
    items: list = _docs(n)
    items.insert(3, InputError("corpus.jsonl", "malformed JSON", 99))
    items.insert(11, InputError("other.txt", "not valid UTF-8"))
    return items


def _render(results) -> list[str]:
    return [str(r) if isinstance(r, InputError) else dumps(r.to_record()) for r in results]


@pytest.fixture(scope="module")
def work(cfg) -> PipelineWork:
    return PipelineWork(cfg)


START_METHODS = [m for m in ("fork", "forkserver") if m in multiprocessing.get_all_start_methods()]


@pytest.mark.parametrize("start", START_METHODS)
def test_two_jobs_give_the_records_of_one_in_order(work, start):
    serial = _render(imap(work, _items(40), jobs=1))
    parallel = _render(imap(work, _items(40), jobs=2, chunk_docs=3, start=start))
    assert parallel == serial
    assert len(serial) == 42 and serial[3].startswith("corpus.jsonl:99") and serial[11].startswith("other.txt")


@pytest.mark.parametrize("start", START_METHODS)
def test_a_failing_document_is_reported_like_in_one_process(work, start):
    w = FailOn(work, fail={"d5", "d17"})
    serial = list(imap(w, _docs(24), jobs=1))
    parallel = list(imap(w, _docs(24), jobs=2, chunk_docs=4, start=start))
    assert _render(parallel) == _render(serial)
    failed = [r for r in parallel if isinstance(r, InputError)]
    assert [(e.path, e.line) for e in failed] == [("corpus.jsonl", 6), ("corpus.jsonl", 18)]
    assert "document d5: stage output does not match" in str(failed[0])
    assert sum(isinstance(r, Document) for r in parallel) == 22  # the batch went on


def test_work_in_flight_is_bounded(work):
    pulled = 0

    def stream():
        nonlocal pulled
        for d in _docs(60):
            pulled += 1
            yield d

    ahead = []
    for done, _ in enumerate(imap(work, stream(), jobs=2, chunk_docs=2, in_flight=3), start=1):
        ahead.append(pulled - done)
    # never more than in_flight chunks (plus the one being filled) read ahead of the output
    assert max(ahead) <= 3 * 2 + 2
    assert pulled == 60


def test_a_dead_worker_stops_the_run_with_a_clear_error(work):
    with pytest.raises(RepairError, match="worker process died"):
        list(imap(FailOn(work, die={"d2"}), _docs(8), jobs=2, chunk_docs=2))


def test_work_that_cannot_be_sent_to_workers_is_refused(work):
    with pytest.raises(RepairError, match="cannot be sent to worker processes"):
        list(imap(lambda d: work(d), _docs(2), jobs=2, chunk_docs=1))
    with pytest.raises(RepairError, match="--jobs must be 1 or more"):
        list(imap(work, _docs(2), jobs=0))


def test_cli_run_jobs_2_writes_the_same_records_and_counts_errors(tmp_path):
    corpus = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": d.id, "text": d.text, "lang": "en"}) for d in _docs(30)]
    lines.insert(7, "{not json")
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        res = runner.invoke(app, ["run", str(corpus), "-o", str(out), "--jobs", jobs], catch_exceptions=False)
        assert res.exit_code == 1, res.output  # the malformed line
        assert "in.jsonl:8: malformed JSON" in res.output
        assert "30 documents cleaned, 1 failed" in res.output
        outs[jobs] = out.read_bytes()
    assert outs["1"] == outs["2"]
    assert len(outs["2"].splitlines()) == 30


def test_a_stream_of_one_chunk_is_processed_without_workers(work):
    # nothing is pickled (a lambda would fail) and the result is the serial one
    assert _render(imap(lambda d: work(d), _items(3), jobs=2)) == _render(imap(work, _items(3), jobs=1))


def test_cli_emit_to_a_folder_with_jobs_2_matches_one_job(tmp_path):
    corpus = tmp_path / "in"
    for sub in ("a", "b", "c"):  # 15 documents: more than one chunk, so workers do run
        (corpus / sub).mkdir(parents=True)
        for p in SEEDS.glob("*.txt"):
            (corpus / sub / p.name).write_bytes(p.read_bytes())
    for jobs in ("1", "2"):
        res = runner.invoke(app, ["emit", str(corpus), "-o", str(tmp_path / jobs), "-j", jobs, "-q"],
                            catch_exceptions=False)
        assert res.exit_code == 0, res.output
    # the cleaned files, diffs, index, records and report (the HTML report carries a per-run token)
    one, two = tmp_path / "1", tmp_path / "2"
    rels = ["records.jsonl", "documents.jsonl", "report.json"]
    rels += [f"cleaned/{p.relative_to(corpus)}" for p in corpus.rglob("*.txt")]
    rels += [str(p.relative_to(one)) for p in (one / "diffs").rglob("*.diff")]
    assert len(rels) > 20
    for rel in rels:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_cli_refuses_jobs_with_grammar_and_bad_values(tmp_path):
    res = runner.invoke(app, ["run", str(SEEDS), "-o", str(tmp_path / "o.jsonl"), "--grammar", "--jobs", "2"])
    assert res.exit_code == 2 and "--jobs 2 cannot be combined with --grammar" in res.output
    assert not (tmp_path / "o.jsonl").exists()
    res = runner.invoke(app, ["run", str(SEEDS), "--jobs", "0"])
    assert res.exit_code == 2


def test_records_on_stdout_are_the_same_with_jobs_2_in_a_real_process(tmp_path):
    # a forked worker must not write a copy of the parent's stdout buffer: compare real stdout
    import subprocess
    import sys

    corpus = tmp_path / "in.jsonl"
    corpus.write_text("\n".join(json.dumps({"id": d.id, "text": d.text}) for d in _docs(30)) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-c", "from repair.cli import main; main()", "run", str(corpus), "-q"]
    one = subprocess.run(cmd + ["--jobs", "1"], capture_output=True, check=True, timeout=120).stdout
    two = subprocess.run(cmd + ["--jobs", "2"], capture_output=True, check=True, timeout=120).stdout
    assert one == two and len(one.splitlines()) == 30
