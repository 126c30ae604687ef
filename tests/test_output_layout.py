"""What a run writes (issue 12, "Provenance and outputs"): a folder output holds what a pipeline
needs (cleaned data, records.jsonl, documents.jsonl, report.json, diffs), the HTML review only with
--review (sharded into sub-folders), each record once; ``-o out.txt`` is one cleaned text; a run
that cleans nothing writes nothing. Assertions are on files, JSON and exit codes."""
from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair import resume
from repair.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED4 = SEEDS / "004_0ec5a602defd3933.txt"
runner = CliRunner()

RECORDS = [{"id": "a", "text": "[ad_1]\nThe State Division said on Monday.\n", "n": 1, "meta": {"src": "x", "tags": [1]}},
           {"text": "Nothing to fix here.\n", "id": None, "score": 0.5},
           {"id": "c", "lang": "en", "text": "The US State Division spoke.\nSource link\n"}]


def invoke(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def _corpus(tmp_path: Path) -> Path:
    inp = tmp_path / "in"
    (inp / "seeds").mkdir(parents=True)
    for p in sorted(SEEDS.glob("*.txt")):
        (inp / "seeds" / p.name).write_bytes(p.read_bytes())
    (inp / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return inp


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _beside(out: Path) -> set[str]:
    """Hidden names next to the output: locks, staging folders, work folders of --resume."""
    return {p.name for p in out.parent.iterdir() if p.name.startswith(".")}


# ---- the default folder layout ------------------------------------------------------------------

def test_a_folder_run_writes_data_records_index_report_and_diffs_and_no_html(tmp_path: Path) -> None:
    inp, out = _corpus(tmp_path), tmp_path / "out"
    res = invoke("run", str(inp), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["cleaned", "diffs", "documents.jsonl", "records.jsonl",
                                                      "report.json"]
    assert sorted(p.name for p in (out / "cleaned").iterdir()) == ["feed.jsonl", "seeds"]
    assert sorted(p.name for p in (out / "cleaned" / "seeds").iterdir()) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(_lines(out / "records.jsonl")) == len(_lines(out / "documents.jsonl")) == 5 + 3
    assert all(e["review"] is None for e in _lines(out / "documents.jsonl"))
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["documents"] == 8


def test_a_jsonl_input_comes_back_as_the_users_records_without_the_repair_block(tmp_path: Path) -> None:
    inp, out = _corpus(tmp_path), tmp_path / "out"
    assert invoke("run", str(inp), "-o", str(out), "-q").exit_code == 0
    cleaned = _lines(out / "cleaned" / "feed.jsonl")
    records = [r for r in _lines(out / "records.jsonl") if r["repair"]["origin"]["kind"] == "jsonl"]
    # a drop-in replacement: the same fields in the same order, only the text cleaned
    assert [list(r) for r in cleaned] == [list(r) for r in RECORDS]
    assert [{k: v for k, v in r.items() if k != "text"} for r in cleaned] == \
        [{k: v for k, v in r.items() if k != "text"} for r in RECORDS]
    assert [r["text"] for r in cleaned] == [r["text"] for r in records]
    assert cleaned[0]["text"] == "The State Department said on Monday.\n"
    # the repair blocks live once, in records.jsonl: no record is written twice
    assert [{k: v for k, v in r.items() if k != "repair"} for r in records] == cleaned
    record_lines = set((out / "records.jsonl").read_text(encoding="utf-8").splitlines())
    assert not record_lines & set((out / "cleaned" / "feed.jsonl").read_text(encoding="utf-8").splitlines())


def test_a_parquet_input_comes_back_without_the_repair_columns(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "c"], "text": [RECORDS[0]["text"], RECORDS[2]["text"]], "n": [1, 3]}), src)
    out = tmp_path / "out"
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    table = pq.read_table(out / "cleaned" / "in.parquet")
    assert table.column_names == ["id", "text", "n"]
    assert table.to_pylist()[0] == {"id": "a", "text": "The State Department said on Monday.\n", "n": 1}
    records = _lines(out / "records.jsonl")
    assert [r["text"] for r in records] == table.column("text").to_pylist() and all("repair" in r for r in records)
    # a file output stays what it was: the records, repair block and typed columns included
    assert invoke("run", str(src), "-o", str(tmp_path / "out.parquet"), "-q").exit_code == 0
    assert {"repair", "repair_changes"} <= set(pq.read_table(tmp_path / "out.parquet").column_names)


def test_a_jsonl_file_output_still_holds_the_records(tmp_path: Path) -> None:
    inp = _corpus(tmp_path)
    assert invoke("run", str(inp / "feed.jsonl"), "-o", str(tmp_path / "out.jsonl"), "-q").exit_code == 0
    assert all("repair" in r for r in _lines(tmp_path / "out.jsonl"))


# ---- the user's data and the tool's own files never share a name ------------------------------

def test_input_folders_named_like_the_tools_own_keep_their_paths_under_cleaned(tmp_path: Path) -> None:
    """An input holding diffs/, review/, records.jsonl or documents.jsonl: its cleaned copy is under
    cleaned/ at the same relative paths (nothing renamed), the tool's files beside it stay the
    tool's, and check/run read the folder back as exactly those documents."""
    inp, out = tmp_path / "in", tmp_path / "out"
    text = "[ad_1]\nThe State Division said on Monday.\n"
    files = {"diffs/a.txt": text, "review/b.txt": text, "cleaned/c.txt": text, "index.html.txt": text,
             "records.jsonl": json.dumps({"id": "r1", "text": text}) + "\n",
             "documents.jsonl": json.dumps({"id": "d1", "text": text}) + "\n"}
    for rel, body in files.items():
        (inp / rel).parent.mkdir(parents=True, exist_ok=True)
        (inp / rel).write_text(body, encoding="utf-8")
    assert invoke("run", str(inp), "-o", str(out), "-q", "--review").exit_code == 0
    cleaned = sorted(p.relative_to(out / "cleaned").as_posix() for p in (out / "cleaned").rglob("*") if p.is_file())
    assert cleaned == sorted(files)
    assert sorted(p.name for p in out.iterdir()) == ["cleaned", "diffs", "documents.jsonl", "index.html",
                                                      "records.jsonl", "report.json", "review"]
    entries, records = _lines(out / "documents.jsonl"), _lines(out / "records.jsonl")
    assert len(entries) == len(records) == len(files) and all("repair" in r for r in records)
    assert sorted(e["output"] for e in entries) == sorted(f"cleaned/{rel}" for rel in files)
    for e in entries:  # every path the index gives is the document's own file
        assert "The State Department said" in (out / e["output"]).read_text(encoding="utf-8")
        assert (out / e["diff"]).is_file() and (out / e["review"]).is_file()
    # read back: each document once, none of the tool's files, at the same relative paths
    report = json.loads(invoke("check", str(out), "--no-baseline", "--format", "json").stdout)
    assert report["unreadable"] == [] and report["corpus"]["documents"] == len(files)
    assert invoke("run", str(out), "-o", str(tmp_path / "again"), "-q").exit_code == 0
    assert sorted(p.relative_to(tmp_path / "again" / "cleaned").as_posix()
                  for p in (tmp_path / "again" / "cleaned").rglob("*") if p.is_file()) == sorted(files)


def test_diff_names_are_safe_stable_and_one_per_document(tmp_path: Path) -> None:
    """A record's diff is diffs/<file>/<line>.diff (no '#', '?', '%' or ':' added); a text's is
    diffs/<path>.diff; a name does not change when other documents come and go."""
    text = "[ad_1]\nThe State Division said on Monday.\n"
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    (inp / "sub" / "a.txt").write_text(text, encoding="utf-8")
    ids = ["x#1", "x/1", "x_1", "x?1%20", "x#1", "clean"]
    (inp / "feed.jsonl").write_text("".join(json.dumps({"id": i, "text": text if i != "clean" else "Fine.\n"}) + "\n"
                                            for i in ids), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", str(inp), "-o", str(out), "-q").exit_code == 0
    entries = _lines(out / "documents.jsonl")
    diffs = {(e["id"], e["line"]): e["diff"] for e in entries}
    assert diffs == {("sub/a.txt", None): "diffs/sub/a.txt.diff", ("x#1", 1): "diffs/feed.jsonl/1.diff",
                     ("x/1", 2): "diffs/feed.jsonl/2.diff", ("x_1", 3): "diffs/feed.jsonl/3.diff",
                     ("x?1%20", 4): "diffs/feed.jsonl/4.diff", ("x#1", 5): "diffs/feed.jsonl/5.diff",
                     ("clean", 6): None}
    written = sorted(p.relative_to(out).as_posix() for p in (out / "diffs").rglob("*") if p.is_file())
    assert written == sorted(d for d in diffs.values() if d)
    assert not any(ch in name for name in written for ch in "#?%:")
    head = (out / "diffs" / "feed.jsonl" / "2.diff").read_text(encoding="utf-8").splitlines()[:2]
    assert head == ["--- a/feed.jsonl:2", "+++ b/feed.jsonl:2"]
    # stable: another input file and the same documents keep their names
    (inp / "0first.txt").write_text(text, encoding="utf-8")
    again = tmp_path / "again"
    assert invoke("run", str(inp), "-o", str(again), "-q").exit_code == 0
    assert {(e["id"], e["line"]): e["diff"] for e in _lines(again / "documents.jsonl")} == \
        {**diffs, ("0first.txt", None): "diffs/0first.txt.diff"}


def test_records_that_share_a_file_and_line_still_get_a_diff_each(tmp_path: Path) -> None:
    """Records piped twice (two stage outputs of one file) carry the same file and line: numbered."""
    src = tmp_path / "f.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "[ad_1]\nThe State Division said.\n"}) + "\n", encoding="utf-8")
    detected = invoke("detect", str(src))
    assert detected.exit_code == 0, detected.output
    (tmp_path / "d.jsonl").write_text(detected.stdout * 2, encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("emit", str(tmp_path / "d.jsonl"), "-o", str(out), "-q").exit_code == 0
    assert [e["diff"] for e in _lines(out / "documents.jsonl")] == ["diffs/f.jsonl/1.diff", "diffs/f.jsonl/1-2.diff"]


# ---- the review report: opt-in, sharded -------------------------------------------------------

def test_review_comes_from_the_flag_or_the_configuration_and_no_report_turns_it_off(tmp_path: Path) -> None:
    inp = _corpus(tmp_path)
    cfg = tmp_path / "repair.toml"
    cfg.write_text("review = true\n", encoding="utf-8")

    def html(*args: str) -> bool:
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        res = invoke("run", str(inp), "-o", str(out), "-q", *args)
        assert res.exit_code == 0, res.output
        assert (out / "index.html").exists() == (out / "review").exists()
        return (out / "index.html").is_file()

    assert not html("--isolated")
    assert html("--isolated", "--review")
    assert html("--config", str(cfg))
    assert not html("--config", str(cfg), "--no-report")
    assert not html("--isolated", "--no-report")  # today's opt-out, now the default: accepted
    shown = invoke("run", "--config", str(cfg), "--show-settings")
    assert shown.exit_code == 0 and tomllib.loads(shown.stdout)["review"] is True
    shown = invoke("run", "--config", str(cfg), "--no-report", "--show-settings")
    assert shown.exit_code == 0 and tomllib.loads(shown.stdout)["review"] is False
    assert invoke("run", str(inp), "-o", str(tmp_path / "x"), "--review", "--no-report").exit_code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('review = "yes"\n', encoding="utf-8")
    assert invoke("run", str(inp), "-o", str(tmp_path / "y"), "--config", str(bad)).exit_code == 2
    # emit writes folders too, under the same rule
    out = tmp_path / "emitted"
    assert invoke("emit", str(inp), "-o", str(out), "-q", "--isolated").exit_code == 0
    assert not (out / "index.html").exists()
    assert invoke("emit", str(inp), "-o", str(out), "-q", "--isolated", "--review").exit_code == 0
    assert (out / "index.html").is_file()


def test_review_pages_are_sharded_and_every_path_follows(tmp_path: Path) -> None:
    from repair.review.html import shard

    lines = [json.dumps({"id": f"doc-{n:04d}", "text": f"[ad_1]\nDocument {n}: the State Division said.\n"})
             for n in range(600)]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", str(tmp_path / "in.jsonl"), "-o", str(out), "-q", "--review").exit_code == 0
    review = out / "review"
    assert sorted(p.name for p in review.iterdir() if p.is_file()) == ["data.js", "report.css", "report.js"]
    folders = [p for p in review.iterdir() if p.is_dir()]
    assert 200 < len(folders) <= 256  # 600 pages over (nearly) all 256 sub-folders, none in review/ itself
    assert all(len(p.name) == 2 and all(ch in "0123456789abcdef" for ch in p.name) for p in folders)
    pages = sorted(review.glob("*/**/*.html"))  # review/<shard>/in.jsonl/<line>.html
    names = [p.relative_to(review).as_posix().split("/", 1) for p in pages]
    assert len(pages) == 600 and all(folder == shard(name) for folder, name in names)
    assert sorted(name for _, name in names) == sorted(f"in.jsonl/{n}.html" for n in range(1, 601))
    entries = _lines(out / "documents.jsonl")
    assert sorted(out / e["review"] for e in entries) == pages
    data = json.loads((review / "data.js").read_text(encoding="utf-8").removeprefix("window.REPAIR_REPORT = ")
                      .rstrip().rstrip(";"))
    at = data["fields"].index("page")
    assert sorted(f"review/{d[at]}" for d in data["docs"]) == sorted(e["review"] for e in entries)
    page = pages[0].read_text(encoding="utf-8")  # one folder deeper than review/<shard>/
    for link in ('href="../../report.css"', 'src="../../data.js"', 'src="../../report.js"', 'href="../../../index.html"'):
        assert link in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'src="review/data.js"' in index and 'href="review/report.css"' in index


def test_a_million_pages_make_a_few_thousand_files_a_folder() -> None:
    from repair.review.html import shard

    sizes = Counter(shard(f"doc-{n:07d}.txt.html") for n in range(1_000_000))
    assert len(sizes) == 256 and max(sizes.values()) < 4_500


# ---- the records' other readers: emit, diff, check, resume --------------------------------------

def test_emit_diff_and_check_read_a_folder_output(tmp_path: Path) -> None:
    inp, out = _corpus(tmp_path), tmp_path / "out"
    assert invoke("run", str(inp), "-o", str(out), "-q").exit_code == 0
    records = _lines(out / "records.jsonl")

    # emitted records are not emitted again (their figures are final): each fails, nothing is written
    final = tmp_path / "final.jsonl"
    res = invoke("emit", str(out / "records.jsonl"), "-o", str(final), "-q")
    assert res.exit_code == 1 and not final.exists(), res.output
    # emit --decisions re-decides them (no decision: the tool's choice), one record each
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps({"version": 1, "documents": {}}), encoding="utf-8")
    res = invoke("emit", "--decisions", str(decisions), str(out / "records.jsonl"), "-o", str(tmp_path / "again"), "-q")
    assert res.exit_code == 0 and len(_lines(tmp_path / "again" / "records.jsonl")) == len(records)
    assert [r["text"] for r in _lines(tmp_path / "again" / "records.jsonl")] == [r["text"] for r in records]

    res = invoke("diff", str(out / "records.jsonl"), "-u")
    assert res.exit_code == 0, res.output
    assert "+++ b/" in res.stdout and "The State Department said on Monday." in res.stdout

    # the folder is read as its cleaned data: each document once, none of the tool's own files
    res = invoke("check", str(out), "--no-baseline", "--format", "json")
    assert res.exit_code in (0, 1), res.output
    report = json.loads(res.stdout)
    assert report["unreadable"] == [] and report["corpus"]["documents"] == len(records)
    ids = {d["id"] for d in report["documents"]}
    assert len(ids) == len(records) and not any("records.jsonl" in i or "documents.jsonl" in i for i in ids)


def test_a_folder_run_resumes_to_the_new_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inp = _corpus(tmp_path)
    lines = [json.dumps({"id": f"j{n}", "text": SEED4.read_text(encoding="utf-8"), "n": n}) for n in range(6)]
    (inp / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = tmp_path / "repair.toml"
    cfg.write_text("[executor]\npartition_mb = 0.02\n", encoding="utf-8")
    whole, out = tmp_path / "whole", tmp_path / "out"
    assert invoke("run", str(inp), "-o", str(whole), "--config", str(cfg), "-q").exit_code == 0

    commit = resume.WorkFolder._commit

    def stop_here(self, rec, part):
        commit(self, rec, part)
        if self.done == 2:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(resume.WorkFolder, "_commit", stop_here)
        assert invoke("run", str(inp), "-o", str(out), "--config", str(cfg), "-q").exit_code == 130
    assert not out.exists()
    res = invoke("run", str(inp), "-o", str(out), "--config", str(cfg), "-q", "--resume")
    assert res.exit_code == 0, res.output
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert files == {p.relative_to(whole).as_posix(): p.read_bytes() for p in whole.rglob("*") if p.is_file()}
    assert "index.html" not in files and not any("repair" in r for r in _lines(out / "cleaned" / "big.jsonl"))
    assert _beside(out) == set()


# ---- -o out.txt -------------------------------------------------------------------------------

def test_a_txt_output_is_the_cleaned_text_of_one_text_input_and_nothing_else(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    res = invoke("run", str(SEED4), "-o", str(work / "clean.txt"), "-q")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in work.iterdir()) == ["clean.txt"]  # no folder, no records, no lock left
    folder = tmp_path / "folder"
    assert invoke("run", str(SEED4), "-o", str(folder), "-q").exit_code == 0
    assert (work / "clean.txt").read_bytes() == (folder / "cleaned" / SEED4.name).read_bytes()
    assert (work / "clean.txt").read_text(encoding="utf-8") != SEED4.read_text(encoding="utf-8")

    # stdin text, emit, and a compressed text file: the same one file
    res = invoke("run", "-", "-o", str(work / "stdin.txt"), "-q", input="[ad_1]\nThe State Division said.\n")
    assert res.exit_code == 0, res.output
    assert (work / "stdin.txt").read_text(encoding="utf-8") == "The State Department said.\n"
    assert invoke("emit", str(SEED4), "-o", str(work / "emit.txt"), "-q").exit_code == 0
    assert (work / "emit.txt").read_bytes() == (work / "clean.txt").read_bytes()
    import gzip

    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"[ad_1]\nHello.\n"))
    assert invoke("run", str(tmp_path / "a.txt.gz"), "-o", str(work / "gz.TXT"), "-q").exit_code == 0
    assert (work / "gz.TXT").read_text(encoding="utf-8") == "Hello.\n"

    # an existing folder named *.txt is still a folder output
    (tmp_path / "dir.txt").mkdir()
    assert invoke("run", str(SEED4), "-o", str(tmp_path / "dir.txt"), "-q").exit_code == 0
    assert (tmp_path / "dir.txt" / "records.jsonl").is_file()


@pytest.mark.parametrize("inputs", ["two", "folder", "jsonl", "parquet", "stdin-jsonl"])
def test_a_txt_output_of_several_documents_or_records_is_a_usage_error(tmp_path: Path, inputs: str) -> None:
    inp = _corpus(tmp_path)
    (tmp_path / "x.parquet").write_bytes(b"PAR1")  # refused by its name, before it is read
    args, data = {"two": ([str(SEED4), str(inp / "seeds" / "000_90c302949eed4586.txt")], None),
                  "folder": ([str(inp / "seeds")], None),
                  "jsonl": ([str(inp / "feed.jsonl")], None),
                  "parquet": ([str(tmp_path / "x.parquet")], None),
                  "stdin-jsonl": (["-"], json.dumps(RECORDS[0]) + "\n")}[inputs]
    out = tmp_path / "work" / "out.txt"
    out.parent.mkdir()
    res = invoke("run", *args, "-o", str(out), "-q", input=data)
    assert res.exit_code == 2, res.output
    assert list(out.parent.iterdir()) == []  # nothing written, nothing left beside it
    assert res.stderr.count("error:") == 1 and "folder" in res.stderr and ".jsonl" in res.stderr


# ---- nothing cleaned, nothing written ------------------------------------------------------------

@pytest.mark.parametrize("target", ["out", "out.jsonl", "out.txt"])
def test_a_mistyped_input_path_creates_no_output(tmp_path: Path, target: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    res = invoke("run", str(tmp_path / "no-such-file.txt"), "-o", str(work / target), "-q")
    assert res.exit_code == 2, res.output
    assert list(work.iterdir()) == []
    # a previous output there is left as it was
    assert invoke("run", str(SEED4), "-o", str(work / target), "-q").exit_code == 0
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    res = invoke("run", str(tmp_path / "no-such-folder"), "-o", str(work / target), "-q")
    assert res.exit_code == 2, res.output
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file()} == before
    assert _beside(work / target) == set()


def _review_links(out: Path) -> list[str]:
    """Each document's page (documents.jsonl's review), checked against data.js and the page's own links."""
    import re

    entries = _lines(out / "documents.jsonl")
    data = json.loads((out / "review" / "data.js").read_text(encoding="utf-8").removeprefix("window.REPAIR_REPORT = ")
                      .rstrip().rstrip(";"))
    at = data["fields"].index("page")
    assert sorted(f"review/{d[at]}" for d in data["docs"]) == sorted(e["review"] for e in entries)
    for e in entries:
        page = out / e["review"]
        html = page.read_text(encoding="utf-8")
        assert f'data-page="{e["review"].removeprefix("review/")}"' in html
        for link in re.findall(r'(?:href|src)="([^"#]+)"', html):  # every relative link resolves
            assert (page.parent / link).resolve().is_file(), (e["review"], link)
    return [e["review"] for e in entries]


def test_review_page_names_are_stable_when_documents_are_added_or_removed(tmp_path: Path) -> None:
    """A page is named after its source file and line (row), as its diff is, not a number in processing order."""
    inp = tmp_path / "in"
    (inp / "2021").mkdir(parents=True)
    text = "[ad_1]\nThe State Division said on Monday.\n"
    (inp / "2021" / "b.txt").write_text(text, encoding="utf-8")
    (inp / "c.txt").write_text(text, encoding="utf-8")
    feed = [json.dumps({"id": "same", "text": text}) for _ in range(3)]  # one id three times
    (inp / "feed.jsonl").write_text("\n".join(feed) + "\n", encoding="utf-8")
    assert invoke("run", str(inp), "-o", str(tmp_path / "one"), "-q", "--review").exit_code == 0
    first = _review_links(tmp_path / "one")
    entries = _lines(tmp_path / "one" / "documents.jsonl")
    for e in entries:  # the page and the diff share the document's name
        assert e["review"].split("/", 2)[2].removesuffix(".html") == e["diff"].removeprefix("diffs/").removesuffix(".diff")
    assert sorted(p.split("/", 2)[2] for p in first) == [
        "2021/b.txt.html", "c.txt.html", "feed.jsonl/1.html", "feed.jsonl/2.html", "feed.jsonl/3.html"]
    # add a document before the others and remove one: every other page keeps its name
    (inp / "0-new.txt").write_text(text, encoding="utf-8")
    (inp / "c.txt").unlink()
    (inp / "feed.jsonl").write_text("\n".join([json.dumps({"id": "new", "text": "Other news.\n"}), *feed[1:]]) + "\n",
                                    encoding="utf-8")
    assert invoke("run", str(inp), "-o", str(tmp_path / "two"), "-q", "--review").exit_code == 0
    second = _review_links(tmp_path / "two")
    pages_one = {e["review"] for e in entries if e["output"] != "cleaned/c.txt"}
    assert pages_one <= set(second) and len(second) == 5
