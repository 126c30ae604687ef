"""repair check: figures, verdicts, baselines, every report format parsed back, exit codes.

Corpora are the seeds and short texts written here: CLEAN (no damage), MOJIBAKE (UTF-8 read as
cp1252), DEBRIS (scraping debris lines) and SPUN (the "okay" spinner's tells).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_text import mentions
from fake_languagetool import FakeLanguageTool  # tests/ is on sys.path (no __init__.py)
from typer.testing import CliRunner

from repair import model
from repair.cli import app
from repair.document import Document
from repair.gate.check import Checker, rejudge
from repair.gate.figures import FIGURES, Counts, RuleFamilies, fed_by, grammar_state
from repair.gate.formats import GITHUB_CAP, render_github, render_junit, render_sarif
from repair.gate.judge import Baseline, judge
from repair.gate.locate import LineIndex
from repair.model import Change
from repair.pipeline import run_document
from repair.rules import load_rules
from repair.settings import CORPUS_LIMITS, DOCUMENT_LIMITS, CheckSettings

CLEAN = (
    "Council approves new library budget\n"
    "\n"
    "The city council approved a budget for the central library on Tuesday evening. The plan adds "
    "two reading rooms, extends opening hours on weekends and pays for a new catalogue system.\n"
    "\n"
    "Members voted nine to two in favour after a debate that lasted most of the afternoon. The "
    "library director thanked residents who wrote letters in support of the project.\n"
    "\n"
    "Work on the reading rooms will begin in the spring and should finish before the end of the "
    "year, according to the schedule published with the budget.\n"
)
MOJIBAKE = (
    "Harbour reopens after repairs\n"
    "The harbourâ€™s new pier opened on Monday, and the mayorâ€™s office said boats could dock again.\n"
    "Fishermen welcomed the news.\n"
)
DEBRIS = (
    "[ad_1]\n"
    "The bridge over the river will close for two weeks while engineers replace the deck.\n"
    "Drivers are asked to use the northern crossing instead.\n"
    "Source link\n"
)
SPUN = (
    "Fighters of ISIS-Okay claimed the attack, officials said.\n"
    "A spokesman for the State Division said ISIS-Okay had grown since the Nineteen Nineties.\n"
)

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["check", *args], env=env)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory (no configuration above it is found)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "repair.toml").write_text("", encoding="utf-8")  # stops discovery from walking further up
    monkeypatch.chdir(root)
    monkeypatch.setenv("REPAIR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


def doc_with(text: str, changes: list[Change], id: str = "d", spin: float = 0.0) -> Document:
    d = Document.from_text(text, id=id)
    d.changes = changes
    d.spin_score = spin
    return d


# ---- figures -----------------------------------------------------------------------------------


def test_the_clean_text_is_left_alone_by_the_pipeline(cfg):
    doc = run_document(Document.from_text(CLEAN), cfg)
    assert doc.changes == [] and doc.spin_score < 0.5, [c.to_json() for c in doc.changes]


def test_figures_fed_follow_rule_families_stages_and_merged_ids():
    fams = RuleFamilies.builtin()

    def change_families(c: Change) -> tuple[str, ...]:
        return fed_by(c, fams)

    assert change_families(Change("normalise", "ftfy.fix-encoding", 0, 1, "x", "y")) == ("mojibake_per_10k",)
    assert change_families(Change("normalise", "boilerplate.ad-marker", 0, 1, "x", "")) == ("boilerplate_share",)
    assert change_families(Change("match", "terms.x", 0, 1, "x", "y", 0.5, False)) == ("spun_per_1k_words",)
    assert change_families(Change("grammar", "grammar.X", 0, 1, "x", "y", 0.5, False)) == ("grammar_per_1k_words",)
    merged = Change("detect", "ftfy.fix-encoding+okay.k", 0, 1, "x", "y")
    assert change_families(merged) == ("mojibake_per_10k", "spun_per_1k_words")
    assert change_families(Change("normalise", "space.runs", 0, 2, "  ", " ")) == ()


def test_a_figure_is_fed_by_the_rules_family_not_its_id_prefix(tmp_path):
    pack = tmp_path / "debris.toml"
    pack.write_text('[pack]\nstage = "normalise"\nfamily = "boilerplate"\nkind = "replace"\n\n'
                    '[[rule]]\nid = "site.footer"\npattern = "Footer"\nreplace = ""\n\n'
                    '[[rule]]\nid = "boilerplate.lookalike"\nfamily = "house-style"\npattern = "x"\nreplace = "y"\n',
                    encoding="utf-8")
    fams = RuleFamilies(load_rules([pack]))
    assert fed_by(Change("normalise", "site.footer", 0, 6, "Footer", ""), fams) == ("boilerplate_share",)
    assert fed_by(Change("normalise", "boilerplate.lookalike", 0, 1, "x", "y"), fams) == ()
    assert fed_by(Change("normalise", "space.runs+site.footer", 0, 6, "Footer", ""), fams) == ("boilerplate_share",)


def test_the_figure_table_gives_the_default_limits_and_the_shared_constants():
    assert DOCUMENT_LIMITS == {f.name: f.document_limit for f in FIGURES if f.document_limit is not None}
    assert list(CORPUS_LIMITS) == [f.name for f in FIGURES]
    assert DOCUMENT_LIMITS["spin_score"] == model.SPUN


def test_figures_from_hand_made_records():
    text = "[ad_1]\n\n" + "word " * 198 + "end\nlast line\n"  # 3 non-blank lines, 202 words
    ad = "[ad_1]\n\n"
    changes = [
        Change("normalise", "boilerplate.ad-marker", 0, len(ad), ad, ""),
        Change("normalise", "ftfy.fix-encoding", 10, 11, "w", "W"),
        Change("detect", "okay.x", 20, 24, "word", "Word", 0.9, True),
        Change("match", "terms.y", 30, 34, "word", "Word", 0.7, False),  # flagged, confident: counts too
        Change("detect", "okay.z", 40, 44, "word", "Word", 0.55, False),  # gate not met, not spun: a candidate
    ]
    figs = Counts.of(doc_with(text, changes, spin=0.3), "off").figures(corpus=False)
    assert figs["boilerplate_share"] == round(1 / 3, 4)
    assert figs["mojibake_per_10k"] == round(10_000 / len(text), 4)
    assert figs["spun_per_1k_words"] == round(2 * 1000 / 202, 4)
    # in a document detection finds spun, every proposal counts, the unconfirmed one too
    spun = Counts.of(doc_with(text, changes, spin=0.7), "off").figures(corpus=False)
    assert spun["spun_per_1k_words"] == round(3 * 1000 / 202, 4)
    assert figs["spin_score"] == 0.3
    assert figs["grammar_per_1k_words"] is None


def test_empty_text_has_no_damage_and_no_division_by_zero():
    figs = Counts.of(Document.from_text(""), "off").figures(corpus=True)
    assert figs == {"spun_share": 0.0, "spin_score": 0.0, "mojibake_per_10k": 0.0, "boilerplate_share": 0.0,
                    "spun_per_1k_words": 0.0, "grammar_per_1k_words": None}
    report = Checker(CheckSettings()).finish()  # no documents at all
    assert report.passed and report.corpus["spun_share"] == 0.0


def test_corpus_figures_add_documents_up():
    c = Checker(CheckSettings())
    c.add(doc_with("one two three four\n", [], id="a", spin=0.9))
    c.add(doc_with("five six\n", [Change("detect", "okay.x", 0, 4, "five", "5", 0.9, True)], id="b", spin=0.1))
    report = c.finish()
    assert report.corpus["spun_share"] == 0.5
    assert report.corpus["spin_score"] == 0.5
    assert report.corpus["spun_per_1k_words"] == round(1000 / 6, 4)
    assert [d.id for d in report.documents][0] in ("a", "b") and not report.passed


def test_judge_fails_only_above_the_limit_and_off_means_no_gate():
    assert [v.passed for v in judge({"spin_score": 0.5}, {"spin_score": 0.5})] == [True]
    assert [v.passed for v in judge({"spin_score": 0.5001}, {"spin_score": 0.5})] == [False]
    assert judge({"spin_score": 0.9}, {"spin_score": None}) == []
    raised = judge({"spin_score": 0.7}, {"spin_score": 0.5}, {"spin_score": 0.8})[0]
    assert raised.passed and raised.by == "baseline" and raised.limit == 0.8
    lower = judge({"spin_score": 0.7}, {"spin_score": 0.5}, {"spin_score": 0.2})[0]
    assert not lower.passed and lower.by == "limit"  # a baseline below the limit never tightens it


def test_documents_come_worst_first():
    c = Checker(CheckSettings())
    c.add(doc_with("fine text here\n", [], id="fine"))
    c.add(doc_with("a b c d\n", [], id="bad", spin=0.6))
    c.add(doc_with("a b c d\n", [], id="worse", spin=0.95))
    assert [d.id for d in c.finish().documents] == ["worse", "bad", "fine"]


# ---- grammar: skipped is never a pass -------------------------------------------------------------


def test_a_skipped_grammar_stage_is_reported_as_skipped():
    d = doc_with("Some text.\n", [], id="g")
    d.extra["grammar"] = {"status": "skipped", "reason": "no Java"}
    assert grammar_state(d, True) == ("skipped", "no Java")
    c = Checker(CheckSettings(), grammar_enabled=True)
    r = c.add(d)
    assert r.grammar == "skipped" and r.figures["grammar_per_1k_words"] is None
    report = c.finish()
    assert report.grammar == "skipped" and "no Java" in report.grammar_reason
    assert report.passed  # not a failure by default ...
    assert "grammar SKIPPED" in report.summary()  # ... but never reported as a pass
    junit = ET.fromstring(render_junit(report))
    case = junit.find(".//testcase[@name='grammar']")
    assert case is not None and case.find("skipped") is not None
    strict = CheckSettings(fail_on_skip=True)
    c2 = Checker(strict, grammar_enabled=True)
    c2.add(d)
    assert c2.finish().exit_code == 1


def test_a_grammar_stage_that_was_asked_for_and_left_no_trace_is_skipped():
    assert grammar_state(Document.from_text("x"), True)[0] == "skipped"
    assert grammar_state(Document.from_text("x"), False)[0] == "off"


def test_grammar_figure_uses_the_words_the_stage_checked():
    d = doc_with("w " * 1000, [Change("grammar", "grammar.X", 0, 1, "w", "W", 0.5, False)], id="g")
    d.extra["grammar"] = {"status": "ok", "matches": 2, "words_checked": 100}
    figs = Counts.of(d, "ran").figures(corpus=False)
    assert figs["grammar_per_1k_words"] == 20.0
    d2 = doc_with("w " * 500, [Change("grammar", "grammar.X", 0, 1, "w", "W", 0.5, False)], id="g2")
    d2.stages.append("grammar")
    assert Counts.of(d2, grammar_state(d2, True)[0]).figures(corpus=False)["grammar_per_1k_words"] == 2.0


def test_grammar_matches_against_a_languagetool_server(project):
    write(project / "corpus", {"a.txt": "It have been a long week for the the council.\n" + CLEAN})
    (project / "repair.toml").write_text('[grammar]\nscope = "all"\ncache = "off"\n', encoding="utf-8")
    with FakeLanguageTool() as lt:
        res = invoke("corpus", "--lt-server", lt.url, "--format", "json", "--max", "grammar_per_1k_words=1")
    data = json.loads(res.stdout)
    assert data["grammar"]["status"] == "ran", res.output
    doc = data["documents"][0]
    assert doc["figures"]["grammar_per_1k_words"] > 1
    assert {f["figure"] for f in doc["findings"]} == {"grammar_per_1k_words"}
    assert res.exit_code == 1


def test_unreachable_languagetool_is_skipped_and_fail_on_skip_fails(project):
    write(project / "corpus", {"a.txt": CLEAN})
    res = invoke("corpus", "--lt-server", "http://127.0.0.1:9", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["grammar"]["status"] == "skipped" and "127.0.0.1:9" in data["grammar"]["reason"]
    assert data["corpus"]["figures"]["grammar_per_1k_words"] is None
    res = invoke("corpus", "--lt-server", "http://127.0.0.1:9", "--fail-on-skip", "--format", "github")
    assert res.exit_code == 1
    assert "::error title=repair check%3A grammar skipped::" in res.stdout


# ---- CLI: passing and failing corpora, exit codes --------------------------------------------------


def test_clean_corpus_passes_with_exit_0(project):
    write(project / "corpus", {"a.txt": CLEAN, "b.txt": CLEAN.replace("Tuesday", "Friday")})
    res = invoke("corpus")
    assert res.exit_code == 0, res.output
    assert "check passed: 2 documents checked, 0 failed" in res.stdout


@pytest.mark.parametrize("name,text,figure", [
    ("mojibake", MOJIBAKE, "mojibake_per_10k"),
    ("debris", DEBRIS, "boilerplate_share"),
    ("spun", SPUN, "spun_per_1k_words"),
], ids=["mojibake", "debris", "spun"])
def test_each_kind_of_damage_fails_its_figure(project, name, text, figure):
    write(project / "corpus", {"clean.txt": CLEAN, f"{name}.txt": text})
    res = invoke("corpus", "--format", "json")
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    worst = data["documents"][0]
    assert worst["id"] == f"corpus/{name}.txt" and not worst["passed"]  # ids are relative to the project root
    assert figure in {f["figure"] for f in worst["failures"]}
    clean = next(d for d in data["documents"] if d["id"] == "corpus/clean.txt")
    assert clean["passed"] and clean["failures"] == []


def test_the_seeds_fail_the_default_gate(project, seed_paths):
    res = invoke(*[str(p) for p in seed_paths], "--format", "json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert len(data["documents"]) == 5
    assert "boilerplate_share" in {v["figure"] for v in data["corpus"]["failures"]}


def test_limits_from_flags_can_pass_a_failing_corpus(project):
    write(project / "corpus", {"debris.txt": DEBRIS})
    assert invoke("corpus").exit_code == 1
    res = invoke("corpus", "--max", "boilerplate_share=off", "--corpus-max", "boilerplate_share=0.9")
    assert res.exit_code == 0, res.output


def test_unreadable_input_fails_and_is_named(project):
    write(project / "corpus", {"a.txt": CLEAN})
    (project / "corpus" / "bad.txt").write_bytes(b"caf\xe9\n")
    res = invoke("corpus", "--format", "json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["unreadable"][0]["path"].endswith("bad.txt") and "UTF-8" in data["unreadable"][0]["error"]


@pytest.mark.parametrize("args", [
    ["--format", "yaml"],
    ["--max", "nonsense=1"],
    ["--max", "spin_score=-1"],
    ["--max", "spin_score"],
    ["--write-baseline", "b.json", "--update-baseline"],
], ids=["bad-format", "unknown-figure", "negative-limit", "no-value", "write-and-update"])
def test_usage_errors_exit_2(project, args):
    write(project / "corpus", {"a.txt": CLEAN})
    res = invoke("corpus", *args)
    assert res.exit_code == 2, res.output


def test_configuration_errors_exit_2_naming_key_and_file(project):
    write(project / "corpus", {"a.txt": CLEAN})
    (project / "repair.toml").write_text("[check.document]\nspin = 0.3\n", encoding="utf-8")
    res = invoke("corpus")
    assert res.exit_code == 2
    assert mentions(res.output, "repair.toml") and mentions(res.output, "'spin'")
    res = invoke("corpus", "--config", str(project / "missing.toml"))
    assert res.exit_code == 2 and mentions(res.output, "missing.toml")


def test_output_file_is_written_and_stdout_stays_empty(project):
    write(project / "corpus", {"spun.txt": SPUN})
    out = project / "reports" / "check.json"
    res = invoke("corpus", "--format", "json", "--output", str(out))
    assert res.exit_code == 1
    assert res.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["passed"] is False
    assert not list(out.parent.glob(".*.tmp"))  # atomic: no temporary file left behind


def test_human_report_lists_worst_first_and_ends_with_a_summary(project, monkeypatch):
    write(project / "corpus", {"a.txt": CLEAN, "z.txt": SPUN})
    monkeypatch.setenv("COLUMNS", "120")  # the table is laid out for the terminal: a narrow one folds names
    res = invoke("corpus")
    assert res.exit_code == 1
    out = res.stdout
    assert out.index("z.txt") < out.index("a.txt")
    assert out.rstrip().splitlines()[-1].startswith("check FAILED: 2 documents checked, 1 failed")


# ---- formats parsed back ---------------------------------------------------------------------------


def test_junit_parses_with_one_testcase_per_document_and_reasons(project):
    write(project / "corpus", {"clean.txt": CLEAN, "debris.txt": DEBRIS})
    (project / "corpus" / "bad.txt").write_bytes(b"\xff\xfe\x00\x01")
    res = invoke("corpus", "--format", "junit")
    assert res.exit_code == 1
    root = ET.fromstring(res.stdout)
    assert root.tag == "testsuites"
    docs = root.find("testsuite[@name='repair check: documents']")
    names = [c.get("name") for c in docs.findall("testcase")]
    assert sorted(names[:2]) == ["corpus/clean.txt", "corpus/debris.txt"] and names[2].endswith("bad.txt")
    assert docs.get("tests") == "3" and docs.get("failures") == "1" and docs.get("errors") == "1"
    debris = docs.find("testcase[@name='corpus/debris.txt']")
    failure = debris.find("failure")
    assert "boilerplate_share" in failure.get("message") and "[ad_1]" in failure.text
    assert docs.find("testcase[@name='corpus/clean.txt']").find("failure") is None
    corpus = root.find("testsuite[@name='repair check: corpus']")
    assert {c.get("name") for c in corpus.findall("testcase")} >= {"spun_share", "boilerplate_share"}


def test_junit_escapes_characters_xml_cannot_hold():
    bad = "Text with a control \x01 char and \x85.\n" + "word " * 10
    d = doc_with(bad, [Change("normalise", "ftfy.remove-control-chars", 20, 21, "\x01", "")], id="ctl\x02")
    c = Checker(CheckSettings())
    c.add(d)
    root = ET.fromstring(render_junit(c.finish()))  # parses: no raw control characters
    assert root.find(".//testcase").get("name") == "ctl\\x02"


def test_sarif_has_required_keys_and_the_right_region(project):
    write(project / "corpus", {"clean.txt": CLEAN, "harbour.txt": MOJIBAKE, "debris.txt": DEBRIS})
    res = invoke("corpus", "--format", "sarif")
    assert res.exit_code == 1
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "repair" and driver["version"]
    rule_ids = {r["id"] for r in driver["rules"]}
    for r in run["results"]:
        assert {"ruleId", "level", "message", "locations", "partialFingerprints"} <= set(r)
        assert r["ruleId"] in rule_ids and r["message"]["text"]
        region = r["locations"][0]["physicalLocation"]["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
    moji = [r for r in run["results"] if r["ruleId"] == "repair/mojibake"]
    assert moji, run["results"]
    first = moji[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "corpus/harbour.txt"
    line2 = MOJIBAKE.splitlines()[1]
    col = line2.index("â€™") + 1
    assert first["region"] == {"startLine": 2, "startColumn": col, "endLine": 2, "endColumn": col + 3}
    ad = [r for r in run["results"] if r["ruleId"] == "repair/boilerplate" and "[ad_1]" in r["message"]["text"]]
    assert ad[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 7}


def test_sarif_fingerprints_are_stable_and_distinct(project):
    write(project / "corpus", {"harbour.txt": MOJIBAKE, "spun.txt": SPUN})
    runs = [json.loads(invoke("corpus", "--format", "sarif").stdout) for _ in range(2)]
    prints = [[r["partialFingerprints"] for r in s["runs"][0]["results"]] for s in runs]
    assert prints[0] == prints[1]
    flat = [next(iter(p.values())) for p in prints[0]]
    assert len(flat) == len(set(flat))
    # a line added above moves the finding but keeps its fingerprint
    (project / "corpus" / "harbour.txt").write_text("New first line.\n" + MOJIBAKE, encoding="utf-8")
    moved = json.loads(invoke("corpus", "--format", "sarif").stdout)["runs"][0]["results"]
    old = {next(iter(r["partialFingerprints"].values())): r for r in runs[0]["runs"][0]["results"]}
    for r in moved:
        fp = next(iter(r["partialFingerprints"].values()))
        if r["ruleId"] == "repair/mojibake" and "document" in r.get("properties", {}):
            assert fp in old
            assert (r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    == old[fp]["locations"][0]["physicalLocation"]["region"]["startLine"] + 1)


def test_sarif_region_of_a_jsonl_record_is_its_line_and_columns_in_the_text_field(project):
    folder = project / "corpus"
    folder.mkdir()
    lines = [json.dumps({"id": "ok", "text": CLEAN}),
             json.dumps({"id": "harbour", "source": "wire", "text": MOJIBAKE})]  # ensure_ascii: \\u escapes
    (folder / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = invoke("corpus", "--format", "sarif")
    results = [r for r in json.loads(res.stdout)["runs"][0]["results"] if r["ruleId"] == "repair/mojibake"]
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "corpus/news.jsonl"
    raw = lines[1]
    start = raw.index("\\u00e2\\u20ac\\u2122") + 1
    assert loc["region"] == {"startLine": 2, "startColumn": start, "endLine": 2,
                             "endColumn": start + len("\\u00e2\\u20ac\\u2122")}


GITHUB_LINE = re.compile(
    r"^::(error|warning) (file=[^,:]+,line=\d+,endLine=\d+,col=\d+(,endColumn=\d+)?,)?title=[^:,]+::\S.*$")


def test_github_annotations_have_the_workflow_command_shape(project):
    write(project / "corpus", {"harbour.txt": MOJIBAKE, "debris.txt": DEBRIS, "clean.txt": CLEAN})
    res = invoke("corpus", "--format", "github")
    assert res.exit_code == 1
    commands = [ln for ln in res.stdout.splitlines() if ln.startswith("::")]
    assert commands and all(GITHUB_LINE.match(ln) for ln in commands), commands
    moji = next(ln for ln in commands if "mojibake_per_10k" in ln and "file=" in ln)
    col = MOJIBAKE.splitlines()[1].index("â€™") + 1
    assert f"file=corpus/harbour.txt,line=2,endLine=2,col={col}," in moji
    assert res.stdout.rstrip().splitlines()[-1].startswith("check FAILED")


def test_github_annotations_are_capped_and_the_rest_go_to_the_step_summary(project, tmp_path):
    write(project / "corpus", {f"spun{i:02d}.txt": SPUN for i in range(GITHUB_CAP + 5)})
    summary = tmp_path / "summary.md"
    res = invoke("corpus", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert res.exit_code == 1
    errors = [ln for ln in res.stdout.splitlines() if ln.startswith("::error")]
    assert len(errors) == GITHUB_CAP
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("## repair check: FAILED")
    m = re.search(r"### (\d+) more issue\(s\) not shown as annotations", md)
    assert m and int(m.group(1)) > 5
    assert md.count("| error |") == int(m.group(1))
    assert "not annotated" in res.stdout


def test_github_escapes_newlines_and_separators():
    c = Checker(CheckSettings())
    d = doc_with("a,b:c\n%d\nrest of the text\n", [Change("normalise", "boilerplate.ad-marker", 0, 9, "a,b:c\n%d\n", "")],
                 id="x,y:z\nnext")
    d.origin = {"path": "in,put:1.txt", "kind": "txt"}
    c.add(d)
    text, _ = render_github(c.finish())
    line = next(ln for ln in text.splitlines() if ln.startswith("::error file="))
    assert "%0A" in line and "%25d" in line and "\n" not in line
    assert line.startswith("::error file=in%2Cput%3A1.txt,line=1,")
    assert GITHUB_LINE.match(line.replace("%2C", "_").replace("%3A", "_"))


def test_line_index_and_sarif_for_a_document_without_findings():
    assert LineIndex("a\nbb\nccc").position(5) == (3, 1)
    c = Checker(CheckSettings())
    c.add(doc_with("no changes at all here\n", [], id="s", spin=0.9))  # spin with no evidence to point at
    sarif = json.loads(render_sarif(c.finish()))
    res = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "repair/spin-score"]
    assert res and "spin_score" in res[0]["message"]["text"]


# ---- baselines -------------------------------------------------------------------------------------


def test_write_baseline_then_only_regressions_fail(project):
    corpus = write(project / "corpus", {"debris.txt": DEBRIS, "clean.txt": CLEAN})
    assert invoke("corpus").exit_code == 1
    res = invoke("corpus", "--write-baseline", ".repair-baseline.json")
    assert res.exit_code == 0, res.output
    base = json.loads((project / ".repair-baseline.json").read_text(encoding="utf-8"))
    assert set(base["documents"]) == {"corpus/debris.txt", "corpus/clean.txt"}
    assert base["documents"]["corpus/debris.txt"]["boilerplate_share"] == 0.5
    assert invoke("corpus").exit_code == 0  # found by default in the project folder
    assert invoke("corpus", "--no-baseline").exit_code == 1
    # a regression: more debris in a known document
    (corpus / "debris.txt").write_text(DEBRIS + "Leave a Reply\n", encoding="utf-8")
    res = invoke("corpus", "--format", "json")
    assert res.exit_code == 1
    failure = json.loads(res.stdout)["documents"][0]["failures"][0]
    assert failure["figure"] == "boilerplate_share" and failure["by"] == "baseline"


def test_a_new_document_is_judged_by_the_limits(project):
    corpus = write(project / "corpus", {"debris.txt": DEBRIS, "clean.txt": CLEAN * 3})
    assert invoke("corpus", "--write-baseline", "base.json").exit_code == 0
    (corpus / "new.txt").write_text(SPUN, encoding="utf-8")
    res = invoke("corpus", "--baseline", "base.json", "--format", "json")
    assert res.exit_code == 1
    bad = [d["id"] for d in json.loads(res.stdout)["documents"] if not d["passed"]]
    assert bad == ["corpus/new.txt"]


def test_update_baseline_tightens_and_never_loosens(project):
    corpus = write(project / "corpus", {"debris.txt": DEBRIS + "Source link\n", "clean.txt": CLEAN})
    assert invoke("corpus", "--write-baseline", ".repair-baseline.json").exit_code == 0
    path = project / ".repair-baseline.json"
    before = json.loads(path.read_text(encoding="utf-8"))["documents"]["corpus/debris.txt"]["boilerplate_share"]
    # improve: one debris line fewer
    (corpus / "debris.txt").write_text(DEBRIS, encoding="utf-8")
    assert invoke("corpus", "--update-baseline").exit_code == 0
    after = json.loads(path.read_text(encoding="utf-8"))["documents"]["corpus/debris.txt"]["boilerplate_share"]
    assert after < before
    # going back to the old state is now a regression
    (corpus / "debris.txt").write_text(DEBRIS + "Source link\n", encoding="utf-8")
    assert invoke("corpus").exit_code == 1
    # and updating does not loosen the baseline
    assert invoke("corpus", "--update-baseline").exit_code == 1
    assert json.loads(path.read_text(encoding="utf-8"))["documents"]["corpus/debris.txt"]["boilerplate_share"] == after


def test_update_without_a_baseline_and_a_broken_baseline_are_configuration_errors(project):
    write(project / "corpus", {"a.txt": CLEAN})
    res = invoke("corpus", "--update-baseline")
    assert res.exit_code == 2 and mentions(res.output, "--write-baseline")
    (project / "broken.json").write_text("{not json", encoding="utf-8")
    res = invoke("corpus", "--baseline", "broken.json")
    assert res.exit_code == 2 and mentions(res.output, "broken.json")
    (project / "other.json").write_text('{"documents": {}}', encoding="utf-8")
    assert invoke("corpus", "--baseline", "other.json").exit_code == 2


def test_baseline_library_round_trip_and_rejudge():
    c = Checker(CheckSettings())
    c.add(doc_with("a b c d\n", [], id="spun", spin=0.8))
    report = c.finish()
    assert not report.passed
    base = Baseline.from_report(report)
    assert base.documents == {"spun": {"spin_score": 0.8, "mojibake_per_10k": 0.0, "boilerplate_share": 0.0,
                                       "spun_per_1k_words": 0.0}}
    assert rejudge(report, base).passed
    tighter, n = base.tightened(report)
    assert n == 0 and tighter.documents == base.documents


def test_baseline_file_round_trips(tmp_path):
    c = Checker(CheckSettings())
    c.add(doc_with("a b c d\n", [], id="spun", spin=0.8))
    base = Baseline.from_report(c.finish())
    p = tmp_path / "b.json"
    p.write_text(base.dumps(), encoding="utf-8")
    loaded = Baseline.load(p)
    assert loaded.documents == base.documents and loaded.corpus == base.corpus


def test_pre_commit_hook_file_declares_repair_check():
    hooks = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert re.search(r"^- id: repair-check$", hooks, re.M)
    assert re.search(r"^  entry: repair check$", hooks, re.M)
    files = re.search(r"^  files: (.+)$", hooks, re.M).group(1).strip("'\"")
    pattern = re.compile(files)
    assert pattern.search("corpus/a.txt") and pattern.search("data/news.jsonl") and not pattern.search("x.py")
