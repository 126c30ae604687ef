"""The review report (HTML), the alignment it is built on, decisions, `emit --decisions` and `repair diff`."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from repair.cli import app
from repair.counts import Stats
from repair.document import Document
from repair.model import Change, apply_changes, unapply
from repair.review.align import is_removal, rows, visible, word_core
from repair.review.decisions import DecisionsError, export, load, parse, redecide
from repair.review.html import json_for_html, render_document, render_index, shard, write_report

runner = CliRunner()
HOSTILE = ('[ad_1]\nThe State Division said <script>alert(1)</script> then </textarea> and </script>'
           '<img src=x "onerror=alert(2)> & <!-- x -->.\nISIS-Okay fighters <b>left</b>\n')


def _doc(source: str, changes: list[Change], id: str = "d") -> Document:
    doc = Document(id=id, source=source, text=apply_changes(source, changes), changes=list(changes))
    return doc


class _Tags(HTMLParser):
    """Collects every start tag with its attributes (what a browser would build)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


# ---------------------------------------------------------------- alignment


@st.composite
def texts_with_changes(draw):
    alphabet = st.sampled_from(list("ab \n\u00a0<>&\"'"))
    text = draw(st.text(alphabet, max_size=60))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    changes, pos = [], 0
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):  # an odd last cut is left over
        if a < pos or (a == b and changes and changes[-1].end == a):
            continue
        after = draw(st.text(alphabet, max_size=4))
        if after == text[a:b]:
            continue
        changes.append(Change("s", draw(st.sampled_from(["r1", "r2"])), a, b, text[a:b], after, 0.9,
                              draw(st.booleans())))
        pos = b
    return text, changes


@settings(max_examples=300, deadline=None)
@given(texts_with_changes())
def test_rows_partition_the_text_and_rebuild_both_sides(tc):
    text, changes = tc
    rs = rows(text, changes)
    assert "".join(text[r.start:r.end] for r in rs) == text or (not text and not rs)
    placed = [i for r in rs for i in r.items if isinstance(i, int)]
    assert placed == list(range(len(changes)))  # every change exactly once, in order
    left = "".join(i if isinstance(i, str) else changes[i].before for r in rs for i in r.items)
    right = "".join(i if isinstance(i, str) else (changes[i].after if changes[i].applied else changes[i].before)
                    for r in rs for i in r.items)
    assert left == text
    assert right == apply_changes(text, changes)
    for r in rs[:-1]:  # rows end at line ends
        assert text[r.end - 1] == "\n"


def test_a_change_across_lines_keeps_its_lines_in_one_row():
    src = "one\n\nSource link\n\ntwo\n"
    c = Change("normalise", "boilerplate.source-link", 3, 18, "\n\nSource link\n\n", "\n\n")
    rs = rows(src, [c])
    assert [(r.start, r.end) for r in rs] == [(0, 18), (18, 22)]
    assert rs[0].items == ("one", 0)


def test_a_removed_line_is_a_removal_row_and_a_rewrite_is_not():
    src = "[ad_1]\nState Division\n"
    ch = [Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\n", ""),
          Change("match", "terms", 6 + 1 + 6, 21, "Division", "Department")]
    rs = rows(src, ch)
    assert is_removal(rs[0], ch) and not is_removal(rs[1], ch)


def test_word_core_and_visible_whitespace():
    assert word_core("Nineteen Nineties", "1990s") == ("", "Nineteen Nineties", "1990s", "")
    assert word_core("same", "same") == ("same", "", "", "")
    assert visible("\u00a0") == "\u237d" and visible(" a ") == " a "


def test_rows_of_a_megabyte_document_are_linear_enough_to_run_here():
    para = "The State Division said the ISIS-Okay group left. " * 20 + "\n"
    src = para * (1_000_000 // len(para))
    changes, pos = [], 0
    while True:
        i = src.find("Division", pos)
        if i < 0:
            break
        changes.append(Change("match", "terms", i, i + 8, "Division", "Department"))
        pos = i + 8
    rs = rows(src, changes)
    assert len(rs) == src.count("\n") and sum(len(r.items) for r in rs) > len(changes)


# ---------------------------------------------------------------- HTML


@pytest.fixture()
def hostile_doc(cfg):
    from repair.pipeline import run_document

    return run_document(Document.from_text(HOSTILE, id='evil "<doc>".txt'), cfg)


def test_hostile_text_is_escaped_everywhere(hostile_doc):
    assert hostile_doc.changes, "the pipeline must change something in the hostile text for this test to mean much"
    page = render_document(hostile_doc, token="t", page="evil.html")
    tags = _parse(page)
    names = [t for t, _ in tags.tags]
    assert names.count("script") == 3  # the JSON block, data.js, report.js: none from the document
    assert "img" not in names and "textarea" not in names and "b" in names  # <b> only from our own markup
    assert not any(k.startswith("on") for _, attrs in tags.tags for k in attrs)
    # the page lives in review/<shard>/: its assets are one folder up, the index two
    assert [a.get("src") for t, a in tags.tags if t == "script"] == [None, "../data.js", "../report.js"]
    assert [a["href"] for t, a in tags.tags if t == "link"] == ["../report.css"]
    assert [a["href"] for t, a in tags.tags if t == "a" and a.get("id") == "to-index"] == ["../../index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the learned model flags the "2" of alert(2) (low-confidence noise): the escaped text runs up to the
    # change's markup and on after it
    assert "&quot;onerror=alert(<span" in page and ")&gt; &amp; &lt;!-- x --&gt;" in page
    assert "&lt;/textarea&gt;" in page and "&lt;!-- x --&gt;" in page
    # the embedded change data parses back to the exact texts, and cannot close its <script>
    data_json = re.search(r'<script id="changes" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data_json
    assert [d[6] for d in json.loads(data_json)] == [c.before for c in sorted(hostile_doc.changes,
                                                                               key=lambda c: c.start)]
    assert 'data-doc="evil &quot;&lt;doc&gt;&quot;.txt"' in page


def test_json_for_html_round_trips_and_hides_markup():
    s = json_for_html({"t": "</script><!--\u2028&"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"t": "</script><!--\u2028&"}


def test_applied_flagged_and_removed_changes_look_different():
    src = "[ad_1]\nThe State Division said Nineteen Nineties.\n"
    ch = [Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\n", ""),
          Change("match", "terms.us", 17, 25, "Division", "Department", 1.0, True),
          Change("detect", "okay.decade", 31, 48, "Nineteen Nineties", "1990s", 0.7, False)]
    page = render_document(_doc(src, ch), token="t")
    tags = _parse(page)
    spans = [(a["class"], a.get("data-rule")) for t, a in tags.tags if t == "span" and "tabindex" in a]
    assert ("chg applied on", "terms.us") in spans and ("chg flagged off", "okay.decade") in spans
    # stage, confidence and the tool's choice are in the page data; the status bar shows them (no floating tip)
    data = json.loads(re.search(r'<script id="changes" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert data[2][2:6] == ["detect", "okay.decade", 0.7, False]
    assert 'class="row changed removal"' in page and "removed \u00b7 boilerplate.ad-marker" in page
    assert "<del>Division</del>" in page and "<ins>Department</ins>" in page
    assert '<mark>Nineteen Nineties</mark><span class="sug">1990s</span>' in page  # the proposal, beside it
    # one focusable element per change (the right-hand one), for keyboard navigation
    assert sum(1 for t, a in tags.tags if "tabindex" in a) == 3


def test_long_unchanged_runs_fold_away():
    lines = [f"Paragraph {i} stays as it was.\n" for i in range(40)]
    src = "".join(lines)
    i = src.index("Paragraph 20 ")
    page = render_document(_doc(src, [Change("s", "r", i, i + 9, "Paragraph", "Section")]), token="t")
    assert page.count('<details class="same">') == 2  # before the change and after it, one line of context each
    assert "19 unchanged paragraphs (lines 1\u201319)" in page and "18 unchanged paragraphs (lines 23\u201340)" in page
    assert "Paragraph 39 stays" in page  # folded, not dropped


def test_report_on_the_seeds(tmp_path, seed_paths):
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(seed_paths[0].parent), "-o", str(out), "-q", "--threshold", "0.98", "--review"])
    assert r.exit_code == 0, r.output
    pages = sorted(p.name for p in (out / "review").glob("*/*.html"))
    assert pages == sorted(p.name + ".html" for p in seed_paths)
    assert all(p.parent.name == shard(p.name) for p in (out / "review").glob("*/*.html"))  # review/<shard>/<page>
    data = json.loads((out / "review" / "data.js").read_text().removeprefix("window.REPAIR_REPORT = ")
                      .rstrip().rstrip(";"))
    spins = [d[2] for d in data["docs"]]
    assert spins == sorted(spins, reverse=True) and len(spins) == 5
    records = [json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()]
    by_id = {rec["repair"]["id"]: rec for rec in records}
    entries = {e["id"]: e for e in map(json.loads, (out / "documents.jsonl").read_text().splitlines())}
    for d in data["docs"]:
        assert entries[d[0]]["review"] == f"review/{d[1]}" and (out / "review" / d[1]).is_file()
        changes = by_id[d[0]]["repair"]["changes"]
        assert d[4] == sum(c["applied"] for c in changes) and d[5] == sum(not c["applied"] for c in changes)
    assert any(d[5] for d in data["docs"]), "threshold 0.98 should leave some flagged changes in the seeds"
    index = (out / "index.html").read_text()
    assert "Changes by stage and rule" in index and index.count("<svg") == 2
    report = json.loads((out / "report.json").read_text())
    for stage, rules in report["by_rule"].items():
        for rule, c in rules.items():
            assert (f"<td>{stage}</td><td><code>{rule}</code></td><td class=\"num\">{c['applied']}</td>"
                    f"<td class=\"num\">{c['flagged']}</td>") in index
    for f in [out / "index.html", *(p for p in (out / "review").rglob("*") if p.is_file())]:  # nothing from the network
        assert not re.search(r"(src|href)=\"(https?:)?//", f.read_text()), f
        assert "http://" not in f.read_text() and "https://" not in f.read_text(), f
    (out / "review" / shard("gone.txt.html")).mkdir(exist_ok=True)
    (out / "review" / shard("gone.txt.html") / "gone.txt.html").write_text("a page from an earlier run")
    assert runner.invoke(app, ["run", str(seed_paths[4]), "-o", str(out), "-q", "--threshold", "0.98",
                               "--review"]).exit_code == 0
    assert [p.name for p in (out / "review").glob("*/*.html")] == ["004_0ec5a602defd3933.txt.html"]
    page = (out / "review" / shard("004_0ec5a602defd3933.txt.html") / "004_0ec5a602defd3933.txt.html").read_text()
    assert page.count('tabindex="0"') == len(by_id["004_0ec5a602defd3933.txt"]["repair"]["changes"])


def test_index_with_no_changes_and_failures():
    st_ = Stats()
    st_.add(Document.from_text("clean text"))
    d = st_.as_dict()
    d["failed"], d["failures"] = 1, [{"path": "<bad>.txt", "line": 3, "error": "not UTF-8 <x>"}]
    page = render_index(d, token="t")
    assert "No changes in this corpus" in page and "&lt;bad&gt;.txt:3" in page and "<bad>" not in page


def test_large_corpus_report(tmp_path):
    """2,000 small documents and one of 1 MB: the report is written (timing lives in bench/bench_report.py)."""
    docs = []
    for n in range(2000):
        src = f"[ad_1]\nDocument {n}: the State Division said so.\n"
        i = src.index("Division")
        docs.append(_doc(src, [Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\n", ""),
                               Change("match", "terms.us", i, i + 8, "Division", "Department", 0.9, n % 3 > 0)],
                         id=f"doc-{n:05d}"))
    para = "The State Division said the group left the city. " * 15 + "\n"
    big = para * (1_000_000 // len(para))
    changes, pos = [], 0
    while (i := big.find("Division", pos)) >= 0:
        changes.append(Change("match", "terms.us", i, i + 8, "Division", "Department"))
        pos = i + 8
    docs.append(_doc(big, changes, id="big"))
    index = write_report(tmp_path, docs)
    assert index.exists()
    data = json.loads((tmp_path / "review" / "data.js").read_text().removeprefix("window.REPAIR_REPORT = ")
                      .rstrip().rstrip(";"))
    assert len(data["docs"]) == 2001 and data["docs"][0][0] == "big"  # most changed first among equal spins
    big_page = (tmp_path / "review" / shard("big.html") / "big.html").read_text()
    assert big_page.count('tabindex="0"') == len(changes) > 10_000


# ---------------------------------------------------------------- decisions


def _three():
    src = "The State Division said ISIS-Okay left in the Nineteen Nineties.\n"
    ch = [Change("match", "terms.us", 10, 18, "Division", "Department", 1.0, True),
          Change("detect", "okay.isis-k", 24, 33, "ISIS-Okay", "ISIS-K", 0.99, True),
          Change("detect", "okay.decade", 46, 63, "Nineteen Nineties", "1990s", 0.7, False)]
    return _doc(src, ch, id="004.txt")


def test_redecide_rejects_accepts_and_keeps_the_contract():
    doc = _three()
    d = parse({"documents": {"004.txt": [
        {"start": 24, "end": 33, "rule": "okay.isis-k", "before": "ISIS-Okay", "after": "ISIS-K", "decision": "reject"},
        {"start": 46, "end": 63, "decision": "accept"}]}}, where="d.json")
    out = redecide(doc, d)
    assert out == (1, 1, 2, [])
    assert doc.text == "The State Department said ISIS-Okay left in the 1990s.\n"
    assert [c.applied for c in doc.changes] == [True, False, True]
    assert apply_changes(doc.source, doc.changes) == doc.text and unapply(doc.text, doc.changes) == doc.source
    assert doc.extra["review"] == {"decisions": "d.json", "accepted": 1, "rejected": 1, "changed": 2}
    assert d.unused() == []


@pytest.mark.parametrize("undecided, rules, expected", [
    ("tool", {}, [True, True, False]),
    ("reject", {}, [False, False, False]),
    ("accept", {}, [True, True, True]),
    ("tool", {"okay.isis-k": "reject", "okay.decade": "accept"}, [True, False, True]),
    ("reject", {"terms.us": "accept"}, [True, False, False]),
], ids=["keep-tool", "reject-rest", "accept-rest", "by-rule", "rule-beats-undecided"])
def test_precedence_change_then_rule_then_undecided(undecided, rules, expected):
    doc = _three()
    redecide(doc, parse({"undecided": undecided, "rules": rules}))
    assert [c.applied for c in doc.changes] == expected
    assert apply_changes(doc.source, doc.changes) == doc.text


def test_a_change_decision_beats_its_rule_decision():
    doc = _three()
    redecide(doc, parse({"rules": {"okay.isis-k": "reject"},
                         "documents": {"004.txt": [{"start": 24, "end": 33, "decision": "accept"}]}}))
    assert "ISIS-K" in doc.text


def test_stale_decisions_are_warned_about_and_ignored():
    doc = _three()
    d = parse({"documents": {"004.txt": [{"start": 0, "end": 3, "decision": "reject"},
                                         {"start": 10, "end": 18, "after": "Dept", "decision": "reject"}],
                             "other.txt": [{"start": 0, "end": 1, "decision": "accept"}]}}, where="d.json")
    out = redecide(doc, d)
    assert out.accepted == out.rejected == 0 and len(out.warnings) == 2
    assert "change at 0-3 is not in the record" in out.warnings[0]
    assert "the record has after 'Department'" in out.warnings[1]
    assert doc.text == "The State Department said ISIS-K left in the Nineteen Nineties.\n"
    assert d.unused() == ["d.json: 1 document(s) not in the input, their decisions were not used: other.txt"]


@pytest.mark.parametrize("data, message", [
    ([], "is a JSON object"),
    ({"format": "other/2"}, "unknown format"),
    ({"undecided": "maybe"}, "'undecided' must be one of"),
    ({"rules": {"r": "yes"}}, "rule 'r': decision must be"),
    ({"documents": {"a": [{"start": 1, "end": 0, "decision": "accept"}]}}, "start and end"),
    ({"documents": {"a": [{"start": 0, "end": 1, "decision": "ok"}]}}, "decision must be"),
    ({"documents": {"a": {"start": 0}}}, "expected a list"),
], ids=["not-object", "format", "undecided", "rule-value", "span", "value", "not-list"])
def test_malformed_decisions_name_the_problem(data, message):
    with pytest.raises(DecisionsError, match=message):
        parse(data, where="d.json")


def test_unreadable_decisions_file(tmp_path):
    p = tmp_path / "d.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(DecisionsError, match=r"d.json: not JSON .* export the decisions"):
        load(p)


def test_export_round_trips():
    doc = _three()
    exported = export({"004.txt": [(doc.changes[1], False)]}, rules={"okay.decade": True})
    again = _three()
    redecide(again, parse(json.loads(json.dumps(exported))))
    assert [c.applied for c in again.changes] == [True, False, True]


# ---------------------------------------------------------------- CLI


def test_emit_with_decisions_from_the_report_records(tmp_path, seed_paths):
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(seed_paths[0].parent), "-o", str(out), "-q"]).exit_code == 0
    records = {json.loads(x)["repair"]["id"]: json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()}
    doc_id = "004_0ec5a602defd3933.txt"
    rec = records[doc_id]
    changes = [Change.from_json(c) for c in rec["repair"]["changes"]]
    applied = [i for i, c in enumerate(changes) if c.applied]
    assert len(applied) >= 2, "seed 004 should have applied changes"
    target = applied[len(applied) // 2]
    decisions = {"format": "repair-decisions/1",
                 "documents": {doc_id: [dict(changes[target].to_json(), decision="reject")], "missing.txt": []}}
    (tmp_path / "d.json").write_text(json.dumps(decisions))
    final = tmp_path / "final.jsonl"
    r = runner.invoke(app, ["emit", "--decisions", str(tmp_path / "d.json"), str(out / "records.jsonl"),
                            "-o", str(final)])
    assert r.exit_code == 0, r.output
    assert "1 document(s) not in the input" in r.output and "0 changes accepted, 1 rejected" in r.output
    got = {json.loads(x)["repair"]["id"]: json.loads(x) for x in final.read_text().splitlines()}
    source = unapply(rec["text"], changes)
    new = [Change.from_json(c) for c in got[doc_id]["repair"]["changes"]]
    assert [c.applied for c in new] == [c.applied and i != target for i, c in enumerate(changes)]
    text = got[doc_id]["text"]
    assert text == apply_changes(source, new) != rec["text"]
    at = changes[target].start + sum(len(c.after) - (c.end - c.start) for c in new[:target] if c.applied)
    assert text[at:at + len(changes[target].before)] == changes[target].before  # the original wording is back
    assert got[doc_id]["repair"]["review"] == {"decisions": "d.json", "accepted": 0, "rejected": 1, "changed": 1}
    for other, r0 in records.items():  # documents without decisions come out exactly as the tool emitted them
        if other != doc_id:
            assert got[other]["text"] == r0["text"] and got[other]["repair"]["changes"] == r0["repair"]["changes"]


def test_emit_decisions_refuses_text_input_and_bad_files(tmp_path, seed_paths):
    (tmp_path / "d.json").write_text('{"documents": {}}')
    r = runner.invoke(app, ["emit", "--decisions", str(tmp_path / "d.json"), str(seed_paths[0])])
    assert r.exit_code == 2 and "--decisions re-decides emitted records" in r.output  # usage
    (tmp_path / "bad.json").write_text('{"rules": {"x": 1}}')
    (tmp_path / "r.jsonl").write_text('{"text": "a"}\n')
    r = runner.invoke(app, ["emit", "--decisions", str(tmp_path / "bad.json"), str(tmp_path / "r.jsonl")])
    assert r.exit_code == 2 and "bad.json: rule 'x': decision must be" in r.output  # a bad --decisions file


def test_diff_side_by_side_and_unified(tmp_path):
    p = tmp_path / "spun.txt"
    # a line with no word the learned tables propose for (they would flag "Keep" -> "Maintain")
    p.write_text("[ad_1]\nNothing here changes.\nThe State Division said so.\n", encoding="utf-8")
    r = runner.invoke(app, ["diff", str(p), "--width", "120"])
    assert r.exit_code == 0, r.output
    assert "original" in r.output and "cleaned" in r.output and "spun.txt" in r.output
    assert "State Department" in r.output and "removed \u00b7 boilerplate." in r.output
    assert "Nothing here changes" not in r.output and "1 unchanged paragraph" in r.output  # context 0: changed rows only
    r = runner.invoke(app, ["diff", str(p), "-C", "1", "--width", "120"])
    assert "Nothing here changes" in r.output
    r = runner.invoke(app, ["diff", str(p), "--unified"])
    assert r.exit_code == 0 and "-The State Division said so." in r.output and "+The State Department said so." in r.output


def test_diff_shows_records_as_recorded(tmp_path):
    src = "Intro stays.\nThe State Division said the Nineteen Nineties <b>were</b> long.\n"
    ch = [Change("match", "terms.us", 23, 31, "Division", "Department", 1.0, True),
          Change("detect", "okay.decade", 41, 58, "Nineteen Nineties", "1990s", 0.7, False)]
    doc = _doc(src, ch, id="mine.txt")
    rec_path = tmp_path / "records.jsonl"
    rec_path.write_text(json.dumps(doc.to_record()) + "\n" + json.dumps(_doc("x\n", [], id="other").to_record()) + "\n")
    r = runner.invoke(app, ["diff", str(rec_path), "--doc", "mine", "--width", "140"])
    assert r.exit_code == 0, r.output
    assert "mine.txt" in r.output and "other" not in r.output and "1 applied" in r.output and "1 flagged" in r.output
    assert "State Department" in r.output and "[\u2192 1990s]" in r.output and "<b>were</b>" in r.output
    assert "terms.us" in r.output and "okay.decade" in r.output and "detect 0.70 flagged" in r.output
    r = runner.invoke(app, ["diff", str(rec_path), "--doc", "nothing-matches"])
    assert r.exit_code == 0 and r.output == ""


def test_emit_decisions_reads_parquet_records(tmp_path, seed_paths):
    pytest.importorskip("pyarrow")
    records = tmp_path / "r.parquet"
    assert runner.invoke(app, ["run", str(seed_paths[4]), "-o", str(records), "-q"]).exit_code == 0
    ref = tmp_path / "r.jsonl"
    assert runner.invoke(app, ["run", str(seed_paths[4]), "-o", str(ref), "-q"]).exit_code == 0
    rec = json.loads(ref.read_text())
    c = next(c for c in rec["repair"]["changes"] if c["applied"])
    (tmp_path / "d.json").write_text(json.dumps({"documents": {rec["repair"]["id"]: [dict(c, decision="reject")]}}))
    out = tmp_path / "final.jsonl"
    r = runner.invoke(app, ["emit", "--decisions", str(tmp_path / "d.json"), str(records), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    got = json.loads(out.read_text())
    assert got["repair"]["review"]["rejected"] == 1 and got["text"] != rec["text"]


def test_low_confidence_proposals_in_clean_documents_do_not_ask_for_a_decision(tmp_path):
    """A flagged change at or below FLAG_CAP in a document that is not spun stays in the record and the page
    (kind "low", drawn as plain text until shown), but is not in data.js's asks: the index does not count it."""
    from repair.model import FLAG_CAP, SPUN
    from repair.review.html import kind

    src = "He stated the dialogue was Simply over.\n"
    ch = [Change("match", "lexicon.said", 3, 9, "stated", "said", FLAG_CAP, False),
          Change("match", "lexicon.dialogue", 14, 22, "dialogue", "discussion", 0.7, False),
          Change("match", "lexicon.simply", 27, 33, "Simply", "Just", 0.95, True)]
    clean, spun = _doc(src, ch, id="clean"), _doc(src, ch, id="spun")
    clean.spin_score, spun.spin_score = SPUN - 0.01, SPUN
    assert [kind(c, clean.spin_score) for c in ch] == ["low", "ask", "tool"]
    assert [kind(c, spun.spin_score) for c in ch] == ["ask", "ask", "tool"]
    page = render_document(clean, token="t")
    data = json.loads(re.search(r'<script id="changes" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert [d[8] for d in data] == ["low", "ask", "tool"] and [d[5] for d in data] == [False, False, True]
    assert page.count("chg flagged off low") == 2  # both columns
    assert 'id="show-low"' in page and "(<b>1</b> to decide, 1 low-confidence)" in page
    write_report(tmp_path, [clean, spun])
    raw = json.loads((tmp_path / "review" / "data.js").read_text().removeprefix("window.REPAIR_REPORT = ")
                     .rstrip().rstrip(";"))
    docs = {d[0]: dict(zip(raw["fields"], d, strict=True)) for d in raw["docs"]}
    assert docs["clean"]["ask"] == 1 and docs["clean"]["low"] == 1 and docs["clean"]["flagged"] == 2
    assert docs["clean"]["asks"] == [[14, 22, "lexicon.dialogue"]]
    assert docs["spun"]["asks"] == [[3, 9, "lexicon.said"], [14, 22, "lexicon.dialogue"]]
    assert docs["spun"]["rules"] == [["lexicon.dialogue", 1], ["lexicon.said", 1], ["lexicon.simply", 1]]
