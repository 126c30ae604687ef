"""One bad input never stops a batch (issue 11): every reproduction of the issue, as a test.

Each bad input gives one error line naming file:line (checked through report.json's failures and
the exit code, not the console text), and every good document is still written.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app
from repair.document import Document
from repair.errors import InputError
from repair.readers import read_documents
from repair.writers import dumps

runner = CliRunner()

GOOD = '{"text": "The State Division said on Monday.", "id": "good"}'
DEEP = '{"text": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE_INT = '{"text": "a", "n": ' + "9" * 5000 + "}"


def invoke(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error:")]


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- JSON lines that used to raise out of the reader ---------------------------------------------

@pytest.mark.parametrize("bad", [DEEP, HUGE_INT, '{"text": "a", "x": ' + "[" * 150 + "]" * 150 + "}"],
                         ids=["nested-100000", "int-5000-digits", "nested-150"])
def test_a_bad_json_line_is_one_error_and_the_batch_goes_on(tmp_path: Path, bad: str) -> None:
    f = write_lines(tmp_path / "in.jsonl", GOOD, bad, GOOD)
    out = tmp_path / "out"
    res = invoke("run", str(f), "-o", str(out), "-q")
    assert res.exit_code == 1, res.output
    rep = report(out)
    assert rep["documents"] == 2 and rep["failed"] == 1
    assert rep["failures"][0]["path"] == str(f) and rep["failures"][0]["line"] == 2
    assert len(errors(res.stderr)) == 1
    assert len((out / "records.jsonl").read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize("line", [
    '{"text": "sur \\ud800 x"}',
    '{"text": "a", "id": "\\udc00"}',
    '{"text": "a", "other": "x\\udfff"}',
    '{"text": "a", "other": {"k\\ud800": ["\\ud801"]}}',
], ids=["text", "id", "field", "key-and-nested"])
@pytest.mark.parametrize("to", ["stdout", "jsonl", "folder"])
def test_lone_surrogates_anywhere_are_written(tmp_path: Path, line: str, to: str) -> None:
    """Text: replaced by U+FFFD as a recorded normalise change; any other field (id included):
    written back as the same ``\\udXXX`` escape, so the value round-trips; the id shown and used in
    names has U+FFFD."""
    args = ["run", "-", "-q"]
    if to != "stdout":
        args += ["-o", str(tmp_path / ("out.jsonl" if to == "jsonl" else "out"))]
    res = invoke(*args, input=(GOOD + "\n" + line + "\n").encode("utf-8"))
    assert res.exit_code == 0, res.output
    raw = {"stdout": lambda: res.stdout, "jsonl": lambda: (tmp_path / "out.jsonl").read_text(encoding="utf-8"),
           "folder": lambda: (tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8")}[to]()
    recs = [json.loads(x) for x in raw.splitlines()]
    assert len(recs) == 2
    src = json.loads(line)
    assert {k: v for k, v in recs[1].items() if k not in ("text", "repair")} == {k: v for k, v in src.items() if k != "text"}
    assert "\ud800" not in recs[1]["text"]


def test_lone_surrogate_in_a_text_file_name_of_a_diff(tmp_path: Path) -> None:
    """A diff of a text with a lone surrogate is written (the surrogate as a backslash escape)."""
    out = tmp_path / "out"
    res = invoke("run", "-", "-o", str(out), "-q", input=b'{"text": "The State Division \\ud800 said."}\n')
    assert res.exit_code == 0, res.output
    diff = next((out / "diffs").rglob("*.diff")).read_text(encoding="utf-8")
    assert "\\ud800" in diff


def test_nan_is_never_written_into_json_lines() -> None:
    line = dumps({"text": "a", "x": float("nan"), "y": [float("inf")], "repair": {"spin_score": float("nan")}})
    assert json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} written")) == \
        {"text": "a", "x": None, "y": [None], "repair": {"spin_score": None}}


def test_nan_in_a_json_line_comes_out_as_null(tmp_path: Path) -> None:
    res = invoke("run", "-", "-q", input=b'{"text": "a b", "x": NaN, "y": -Infinity}\n')
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"{c} written"))["x"] is None


# --- untrusted repair blocks ---------------------------------------------------------------------

BLOCKS = {
    "skipped-not-count": {"skipped": {"overlap": "many"}},
    "skipped-negative": {"skipped": {"overlap": -1}},
    "origin-not-object": {"origin": "x"},
    "origin-rel-nul": {"origin": {"rel": "a\x00b.txt"}},
    "origin-rel-long": {"origin": {"rel": "a" * 5000}},
    "origin-line-text": {"origin": {"line": "3"}},
    "changes-not-list": {"changes": "x"},
    "change-not-object": {"changes": [1]},
    "change-huge-span": {"changes": [{"start": 1e300, "end": 1e309, "before": "", "after": "", "stage": "s",
                                      "rule": "r"}]},
    "spin-score-text": {"spin_score": "high"},
    "spin-score-nan": {"spin_score": float("nan")},
    "stages-not-strings": {"stages": [1]},
    "evidence-list": {"evidence": [1, 2]},
    "family-number": {"family": 3},
}


@pytest.mark.parametrize("block", BLOCKS.values(), ids=BLOCKS.keys())
def test_a_crafted_repair_block_is_one_error(tmp_path: Path, block: dict) -> None:
    line = json.dumps({"text": "a b", "repair": block})
    f = write_lines(tmp_path / "in.jsonl", GOOD, line, GOOD)
    out = tmp_path / "out"
    res = invoke("emit", str(f), "-o", str(out), "-q")
    assert res.exit_code == 1, res.output
    rep = report(out)
    assert rep["documents"] == 2 and rep["failed"] == 1 and rep["failures"][0]["line"] == 2
    assert len(errors(res.stderr)) == 1


def test_a_valid_repair_block_still_reads() -> None:
    line = dumps(Document.from_text("a  b").to_record())
    (doc,) = read_documents(["-"], stdin=_stream(line.encode() + b"\n"))
    assert not isinstance(doc, InputError) and doc.text == "a  b"


def _stream(data: bytes):
    import io

    return io.BufferedReader(io.BytesIO(data))


# --- file names, folders, configuration, disks -----------------------------------------------------

@pytest.mark.parametrize("chars", [78, 80, 83], ids=["238-bytes", "244-bytes", "253-bytes"])
def test_long_file_names_fit_temporaries_and_diffs(tmp_path: Path, chars: int) -> None:
    src = tmp_path / "in"
    src.mkdir()
    name = "\u6f22" * chars + ".txt"
    (src / name).write_text("The State Division said.\n", encoding="utf-8")
    (src / "b.txt").write_text("The State Division said.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("run", str(src), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert report(out)["documents"] == 2
    assert len(list((out / "diffs").iterdir())) == 2
    assert all(len(p.name.encode()) <= 255 for p in out.rglob("*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
@pytest.mark.parametrize("mode", [0o000, 0o400], ids=["unlistable", "unsearchable"])
def test_an_unreadable_subfolder_is_an_error_never_a_silent_skip(tmp_path: Path, mode: int) -> None:
    src = tmp_path / "in"
    (src / "locked").mkdir(parents=True)
    (src / "locked" / "x.txt").write_text("The State Division said.\n", encoding="utf-8")
    (src / "a.txt").write_text("The State Division said.\n", encoding="utf-8")
    (src / "z.txt").write_text("The State Division said.\n", encoding="utf-8")
    out = tmp_path / "out"
    (src / "locked").chmod(mode)
    try:
        res = invoke("run", str(src), "-o", str(out), "-q")
    finally:
        (src / "locked").chmod(0o755)
    assert res.exit_code == 1, res.output
    rep = report(out)
    assert rep["documents"] == 2 and rep["failed"] == 1
    assert "locked" in rep["failures"][0]["path"]


def test_discovery_reports_an_unlistable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as above for root, who can list everything: os.scandir refuses one folder."""
    src = tmp_path / "in"
    (src / "locked").mkdir(parents=True)
    (src / "locked" / "x.txt").write_text("x", encoding="utf-8")
    (src / "a.txt").write_text("The State Division said.\n", encoding="utf-8")
    real = os.scandir

    def scandir(p):
        if Path(p).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return real(p)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(read_documents([str(src)]))
    assert [type(i).__name__ for i in items] == ["Document", "InputError"]
    assert "cannot list this folder" in str(items[1]) and "locked" in items[1].path


def test_discovery_order_is_path_order(tmp_path: Path) -> None:
    for rel in ("a.txt", "a/x.txt", "b/c/d.jsonl", "B.txt", ".hidden/x.txt", "a/.h.txt", "c.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}" if rel.endswith(".jsonl") else "x", encoding="utf-8")
    from repair.readers import discover

    assert [s.rel for s in discover([tmp_path])] == ["B.txt", "a/x.txt", "a.txt", "b/c/d.jsonl"]


def test_a_non_utf8_pyproject_above_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.repair]\nthreshold = 0.9 # \xff\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("The State Division said.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "sub")
    for cmd in ("run", "check"):
        res = invoke(cmd, "a.txt")
        assert res.exit_code == 2, (cmd, res.output)
        assert len(errors(res.stderr)) == 1 and "pyproject.toml" in res.stderr


class _FullDisk:
    """A file whose writes fail as on a full disk (what a full tmpfs gives)."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


@pytest.mark.parametrize("output", ["out", "out.jsonl"], ids=["folder", "jsonl"])
def test_a_full_disk_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str) -> None:
    """ENOSPC while writing: exit 1, one error line naming no traceback, and no temporaries left."""
    src = write_lines(tmp_path / "in.jsonl", *[GOOD] * 5)
    out = tmp_path / output
    real = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDisk(real(*a, **k)))
    res = invoke("run", str(src), "-o", str(out), "-q")
    monkeypatch.undo()
    assert res.exit_code == 1, res.output
    assert len(errors(res.stderr)) == 1 and "No space left on device" in res.stderr
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_nanosecond_timestamp_in_another_parquet_column_loses_no_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    n = 3000
    when = pa.array([10**18 + (i == 1500) for i in range(n)], pa.timestamp("ns"))
    pq.write_table(pa.table({"text": [f"The State Division said {i}." for i in range(n)], "when": when}),
                   tmp_path / "in.parquet")
    res = invoke("run", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.jsonl"), "-q")
    assert res.exit_code == 0, res.output
    recs = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(recs) == n
    assert recs[1500]["when"].endswith(".000000001")  # the batch that has it: timestamps as text, to the nanosecond


# --- injection: nothing from an input reaches a terminal or a CI log raw ---------------------------

HOSTILE = "x\n::add-mask::SECRET \x1b]0;title\x07\x1b[31mred\u202e"


def _raw_lines(text: str) -> list[str]:
    """Lines that a CI runner would read as workflow commands, or that carry a terminal escape."""
    return [ln for ln in text.splitlines() if ln.lstrip().startswith("::") or "\x1b" in ln or "\x07" in ln]


def test_a_hostile_file_name_is_escaped_in_error_lines(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "e\n::add-mask::SECRET\x1b[2J.txt").write_bytes(b"\xff\xfe not utf-8")
    (src / "good.txt").write_text("The State Division said.\n", encoding="utf-8")
    res = invoke("run", str(src), "-o", str(tmp_path / "out"), "-q")
    assert res.exit_code == 1
    assert len(errors(res.stderr)) == 1 and _raw_lines(res.stderr) == []
    assert "\\n::add-mask::SECRET\\x1b[2J.txt" in res.stderr


def test_hostile_rule_ids_in_piped_records_are_escaped(tmp_path: Path) -> None:
    rule = "space\n::error file=a.txt::owned\x1b[31m"
    change = {"start": 1, "end": 3, "before": "  ", "after": " ", "stage": "normalise", "rule": rule,
              "confidence": 1.0, "applied": True}
    ok = {"id": HOSTILE, "text": "a b", "repair": {"changes": [change], "stages": ["normalise"], "pending": []}}
    bad = {"id": HOSTILE, "text": "a b", "repair": {"changes": [dict(change, start=50, end=52)]}}  # does not replay
    res = invoke("emit", "-", "-o", str(tmp_path / "out.jsonl"), "-q", input=json.dumps(ok) + "\n" + json.dumps(bad) + "\n")
    assert res.exit_code == 1, res.output
    assert len(errors(res.stderr)) == 1 and _raw_lines(res.stderr) == [], res.stderr
    assert "space\\n::error file=a.txt::owned\\x1b[31m" in res.stderr


def test_check_human_escapes_hostile_ids(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"id": HOSTILE, "text": "The Protection Secretary stated on Monday.\n"}) + "\n"
                 + json.dumps({"id": HOSTILE, "text": 5}) + "\n", encoding="utf-8")
    res = invoke("check", str(f), "--format", "human")
    assert res.exit_code in (0, 1), res.output
    assert _raw_lines(res.stdout) == [] and _raw_lines(res.stderr) == []


@pytest.mark.parametrize("unified", [True, False], ids=["unified", "side-by-side"])
def test_repair_diff_shows_terminal_escapes_as_text(tmp_path: Path, unified: bool) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"id": "d\x1b[2J", "text": "The State Division \x1b]0;owned\x07said.\n"}) + "\n",
                 encoding="utf-8")
    res = invoke("diff", str(f), *(["-u"] if unified else []))
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert "\\x1b" in res.stdout


def test_step_summary_shows_ids_as_text_not_markdown_or_html() -> None:
    from repair.gate.check import Checker
    from repair.gate.formats import GITHUB_CAP, render_github
    from repair.model import Change
    from repair.settings import CheckSettings

    c = Checker(CheckSettings())
    for i in range(GITHUB_CAP + 3):
        d = Document.from_text("a,b:c\n%d\nrest of the text\n", id=f"<img src=https://e.example/{i}.png> [x](y)")
        d.changes = [Change("normalise", "boilerplate.ad-marker", 0, 9, "a,b:c\n%d\n", "")]
        d.spin_score = 0.9
        d.origin = {"path": f"<b>{i}</b>.txt", "kind": "txt"}
        c.add(d)
    _, md = render_github(c.finish())
    assert "more issue(s) not shown" in md
    assert "<img" not in md and "<b>" not in md and "](y)" not in md
    assert "&lt;img src=https://e.example/" in md or "&lt;b&gt;" in md


# --- output sets: sanitised names, one run at a time, all or nothing -------------------------------

def _digest(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("rel", ["review/other.txt.html", "review", "diffs/other.txt.diff", "report.json",
                                 "index.html", "Records.jsonl", ".hidden/x.txt", "a\x1b[2J\nb.txt", "x" * 300])
def test_origin_rel_never_overwrites_the_folders_own_files(tmp_path: Path, rel: str) -> None:
    from repair.document import Document
    from repair.pipeline import Config, run_document

    good = run_document(Document.from_text("The State Division said.\n", id="other.txt",
                                           origin={"rel": "other.txt", "kind": "txt", "path": "other.txt"}), Config.load())
    crafted = run_document(Document.from_text("The State Division spoke.\n", id="evil",
                                              origin={"rel": rel, "kind": "txt", "path": "evil"}), Config.load())
    src = tmp_path / "in.jsonl"
    src.write_text(dumps(good.to_record(final=False)) + "\n" + dumps(crafted.to_record(final=False)) + "\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("emit", str(src), "-o", str(out), "-q", "--review")
    assert res.exit_code == 0, res.output
    entries = [json.loads(x) for x in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["id"] for e in entries] == ["other.txt", "evil"]
    evil_out = entries[1]["output"]
    assert evil_out.startswith("cleaned/")  # the user's data is under cleaned/, the tool's own files are not
    assert not any(part.startswith(".") for part in evil_out.split("/")) and not any(ord(ch) < 32 for ch in evil_out)
    assert all(len(part.encode()) <= 255 for part in evil_out.split("/"))
    assert (out / evil_out).read_text(encoding="utf-8") == "The State Department spoke.\n"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["documents"] == 2
    assert "The State Division" in (out / "diffs" / "other.txt.diff").read_text(encoding="utf-8")
    assert "other.txt" in (out / entries[0]["review"]).read_text(encoding="utf-8")
    assert entries[0]["review"].startswith("review/") and entries[0]["review"].endswith("/other.txt.html")


def test_a_second_concurrent_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    from repair.staging import OutputLock

    src = write_lines(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "out"
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    before = _digest(out)
    held = OutputLock(out)  # what a run still writing holds
    try:
        res = invoke("run", str(src), "-o", str(out), "-q")
        jl = invoke("run", str(src), "-o", str(tmp_path / "o.jsonl"), "-q")
        held_jl = OutputLock(tmp_path / "o.jsonl")
        try:
            jl2 = invoke("run", str(src), "-o", str(tmp_path / "o.jsonl"), "-q")
        finally:
            held_jl.release()
    finally:
        held.release()
    assert res.exit_code == 1 and "another repair run is writing" in res.stderr and len(errors(res.stderr)) == 1
    assert jl.exit_code == 0 and jl2.exit_code == 1 and "another repair run is writing" in jl2.stderr
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "o.jsonl", "out"]  # no lock or staging left


def test_an_interrupted_run_leaves_the_previous_output_set_untouched(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from repair import executor

    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        (src / f"{i}.txt").write_text(f"The State Division said {i}.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    before = _digest(out)
    for i in range(5, 9):
        (src / f"{i}.txt").write_text(f"The State Division spoke {i}.\n", encoding="utf-8")
    real = executor.apply
    seen = []

    def interrupted(work, item):
        seen.append(item)
        if len(seen) == 7:
            raise KeyboardInterrupt
        return real(work, item)

    monkeypatch.setattr(executor, "apply", interrupted)
    res = invoke("run", str(src), "-o", str(out), "-q")
    assert res.exit_code == 130
    assert _digest(out) == before  # not one new review page, cleaned file or diff: the old set, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]  # the staging folder is gone


def test_a_run_removes_what_killed_runs_left(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "out"
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    (tmp_path / ".out.staging-k1ll3d").mkdir()  # SIGKILL during a folder run
    (tmp_path / ".out.staging-k1ll3d" / "records.jsonl").write_text("x" * 1000, encoding="utf-8")
    (tmp_path / ".out.lock").write_text("", encoding="utf-8")  # its lock (no longer held)
    (out / ".records.jsonl.abcd1234.tmp").write_text("x" * 1000, encoding="utf-8")  # an older version's temporary
    (tmp_path / ".o.jsonl.abcd1234.tmp").write_text("x" * 1000, encoding="utf-8")  # SIGKILL during -o o.jsonl
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    assert invoke("run", str(src), "-o", str(tmp_path / "o.jsonl"), "-q").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "o.jsonl", "out"]
    assert not list(out.rglob("*.tmp"))


def test_a_folder_that_is_not_a_repair_output_is_refused(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "desktop"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    res = invoke("run", str(src), "-o", str(out), "-q")
    assert res.exit_code == 2 and "not a repair output" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_decisions_file_nested_too_deep_is_one_line(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", GOOD)
    assert invoke("run", str(src), "-o", str(tmp_path / "recs.jsonl"), "-q").exit_code == 0
    decisions = tmp_path / "decisions.json"
    decisions.write_text('{"format": "repair-decisions/1", "documents": ' + "[" * 100_000 + "]" * 100_000 + "}",
                         encoding="utf-8")
    res = invoke("emit", "--decisions", str(decisions), str(tmp_path / "recs.jsonl"), "-o", str(tmp_path / "f.jsonl"))
    assert res.exit_code == 1 and len(errors(res.stderr)) == 1 and "Traceback" not in res.output


# --- memory and scale ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["txt", "jsonl", "stdin-text", "stdin-jsonl"])
def test_a_document_over_the_size_limit_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     kind: str) -> None:
    """The limit (REPAIR_MAX_DOCUMENT_MB, 10 MB by default) set low here: 0.001 MB = 1,000 bytes."""
    monkeypatch.setenv("REPAIR_MAX_DOCUMENT_MB", "0.001")
    big = "The State Division said. " * 100  # 2,500 bytes
    small = "The State Division said."
    if kind == "txt":
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "a.txt").write_text(big, encoding="utf-8")
        (tmp_path / "in" / "b.txt").write_text(small, encoding="utf-8")
        args, data, want = [str(tmp_path / "in")], None, (1, None)
    elif kind == "jsonl":
        write_lines(tmp_path / "in.jsonl", json.dumps({"text": small}), json.dumps({"text": big}), json.dumps({"text": small}))
        args, data, want = [str(tmp_path / "in.jsonl")], None, (2, 2)
    elif kind == "stdin-text":
        args, data, want = ["-"], big.encode(), (0, None)
    else:
        args, data, want = ["-"], (json.dumps({"text": small}) + "\n" + json.dumps({"text": big}) + "\n").encode(), (1, 2)
    out = tmp_path / "out"
    res = invoke("run", *args, "-o", str(out), "-q", input=data)
    assert res.exit_code == 1, res.output
    if want[0] == 0:  # nothing was cleaned: nothing is written (the error is on stderr)
        assert not out.exists() and "MB limit for one document" in res.stderr
        return
    rep = report(out)
    assert rep["failed"] == 1 and rep["documents"] == want[0] and rep["failures"][0]["line"] == want[1]
    assert "MB limit for one document" in rep["failures"][0]["error"]


def test_a_100_mb_document_is_refused_by_default_without_being_read(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11's case with the default limit (10 MB): a 100 MB file (sparse: no disk used) is one
    error naming it, never read into memory (its 7.7 GB peak); the other file is cleaned."""
    from repair import readers

    monkeypatch.delenv("REPAIR_MAX_DOCUMENT_MB", raising=False)
    src = tmp_path / "in"
    src.mkdir()
    with open(src / "huge.txt", "wb") as f:
        f.write(b"The State Division said. ")
        f.truncate(100_000_000)
    (src / "small.txt").write_text("The State Division said.\n", encoding="utf-8")
    real, read = readers.read_bytes, []

    def spy(path):
        read.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(readers, "read_bytes", spy)
    res = invoke("run", str(src), "-o", str(tmp_path / "out"), "-q")
    assert res.exit_code == 1 and len(errors(res.stderr)) == 1
    assert "huge.txt" in res.stderr and "over the 10 MB limit for one document" in res.stderr
    assert read == ["small.txt"]
    assert report(tmp_path / "out")["documents"] == 1


def test_a_huge_line_is_skipped_without_being_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """A line over the limit is read in pieces and dropped: the reader never holds more than the limit."""
    import io

    from repair.decoding import json_lines

    monkeypatch.setenv("REPAIR_MAX_DOCUMENT_MB", "0.01")
    huge = b'{"text": "' + b"x" * 5_000_000 + b'"}\n'
    reads: list[int] = []

    class Spy(io.BytesIO):
        def readline(self, size=-1):
            line = super().readline(size)
            reads.append(len(line))
            return line

    items = list(json_lines(Spy(huge + b'{"text": "ok"}\n'), "f.jsonl"))
    assert isinstance(items[0], InputError) and items[0].line == 1 and items[1] == (2, {"text": "ok"})
    assert max(reads) <= 1 << 20


def test_a_bad_size_limit_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPAIR_MAX_DOCUMENT_MB", "lots")
    res = invoke("run", "-", "-q", input=b"The State Division said.")
    assert res.exit_code == 2 and "REPAIR_MAX_DOCUMENT_MB" in res.stderr


def test_discovery_lists_each_folder_once_and_stats_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear in the number of files: one os.scandir per folder, no per-file stat (the listing says
    what is a file). The old discovery (rglob, then is_file per file) stat'ed every file."""
    from repair.readers import discover

    for d in range(5):
        (tmp_path / f"d{d}").mkdir()
        for i in range(200):
            (tmp_path / f"d{d}" / f"{i}.txt").write_text("x", encoding="utf-8")
    calls = {"scandir": 0, "stat": 0}
    real_scandir, real_stat, real_lstat = os.scandir, os.stat, os.lstat

    def scandir(p):
        calls["scandir"] += 1
        return real_scandir(p)

    def stat(*a, **k):
        calls["stat"] += 1
        return real_stat(*a, **k)

    def lstat(*a, **k):
        calls["stat"] += 1
        return real_lstat(*a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    found = list(discover([tmp_path]))
    monkeypatch.undo()
    assert len(found) == 1000
    assert calls["scandir"] == 6 and calls["stat"] <= 5  # the root's is_dir/is_file, not one per file


def test_output_names_are_claimed_in_linear_time() -> None:
    """Claiming an output path used to re-hash every name claimed so far (quadratic: 40,000 files
    took 464 s against 34 s for 10,000). Timing-free: count the hashes of the names claimed."""
    from repair.writers import FolderSink, UniqueNames

    hashes = 0

    class Name(str):
        def __hash__(self) -> int:
            nonlocal hashes
            hashes += 1
            return str.__hash__(self)

    sink = FolderSink.__new__(FolderSink)  # only the naming part: no folder, no lock
    sink._outputs, sink._paths = {}, UniqueNames()
    n = 2_000
    for i in range(n):
        sink._claim(Name(f"d/{i}.txt"), f"in/{i}.txt")
    assert hashes <= 4 * n, hashes  # a constant number per name, not one per name claimed before


def test_a_corpus_mixing_bad_inputs_with_good_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One line per bad input naming file (and line), every good document written, a complete report, exit 1."""
    monkeypatch.setenv("REPAIR_MAX_DOCUMENT_MB", "0.01")
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    good = "The State Division said on Monday.\n"
    for i in range(3):
        (src / f"good{i}.txt").write_text(good, encoding="utf-8")
    (src / "latin1.txt").write_bytes("caf\u00e9".encode("latin-1"))
    (src / "empty.txt").write_text("", encoding="utf-8")
    (src / "huge.txt").write_text("word " * 5000, encoding="utf-8")
    (src / "e\n::add-mask::x.txt").write_bytes(b"\x00binary")
    write_lines(src / "sub" / "mixed.jsonl", GOOD, DEEP, HUGE_INT, '{"text": "a \\ud800 b", "id": "\\udc00"}',
                json.dumps({"text": "a b", "repair": {"skipped": {"overlap": "many"}}}),
                json.dumps({"text": "a b", "repair": {"origin": {"rel": "review/good0.txt.html"}, "stages": []}}),
                '{"text": 5}', "not json", json.dumps({"text": "x" * 20_000}), GOOD)
    out = tmp_path / "out"
    res = invoke("run", str(src), "-o", str(out), "--review")
    assert res.exit_code == 1, res.output
    rep = report(out)
    bad = {(Path(f["path"]).name, f["line"]) for f in rep["failures"]}
    assert bad == {("latin1.txt", 1), ("empty.txt", None), ("huge.txt", None), ("e\n::add-mask::x.txt", None),
                   ("mixed.jsonl", 2), ("mixed.jsonl", 3), ("mixed.jsonl", 5), ("mixed.jsonl", 7),
                   ("mixed.jsonl", 8), ("mixed.jsonl", 9)}
    assert len(errors(res.stderr)) == len(bad) and _raw_lines(res.stderr) == []
    assert rep["documents"] == 3 + 4  # three good files; four good or repairable lines
    assert len((out / "records.jsonl").read_text(encoding="utf-8").splitlines()) == 7
    entries = {e["id"]: e for e in map(json.loads, (out / "documents.jsonl").read_text(encoding="utf-8").splitlines())}
    assert (out / "index.html").exists() and "good0" in (out / entries["good0.txt"]["review"]).read_text(encoding="utf-8")


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/sbin/capsh").exists(), reason="needs root and capsh")
def test_unreadable_folders_as_root_without_its_override(tmp_path: Path) -> None:
    """The issue's reproduction: root without CAP_DAC_OVERRIDE meets a folder it can list but not
    search, and one it cannot list: one error line each, the rest processed, exit 1."""
    import shlex
    import subprocess
    import sys

    src = tmp_path / "u"
    for d in ("locked", "nolist"):
        (src / d).mkdir(parents=True)
        (src / d / "x.txt").write_text("The State Division said.\n", encoding="utf-8")
    (src / "a.txt").write_text("The State Division said.\n", encoding="utf-8")
    (src / "locked").chmod(0o400)
    (src / "nolist").chmod(0o000)
    root = Path(__file__).resolve().parent.parent
    cmd = (f"PYTHONPATH={shlex.quote(str(root))} {shlex.quote(sys.executable)} -c 'from repair.cli import main; main()' "
           f"run {shlex.quote(str(src))} -o {shlex.quote(str(tmp_path / 'uo'))} -q")
    try:
        ran = subprocess.run(["/usr/sbin/capsh", "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", cmd],
                             capture_output=True, text=True, timeout=120)
    finally:
        for d in ("locked", "nolist"):
            (src / d).chmod(0o755)
    assert ran.returncode == 1, ran.stderr
    assert len(errors(ran.stderr)) == 2 and "Traceback" not in ran.stderr
    rep = report(tmp_path / "uo")
    assert rep["documents"] == 1 and rep["failed"] == 2
