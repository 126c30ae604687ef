"""The grammar stage: sentences, selection, the LanguageTool adapter (through language-tool-python's
remote-server mode, against tests/fake_languagetool.py), the cache, skipping when LanguageTool
cannot be had, the record, and `repair run --grammar` end to end.

Tests marked ``languagetool`` run against a real LanguageTool when LT_SERVER (a server URL) or
LTP_JAR_DIR_PATH (an unpacked LanguageTool-<version> folder) is set, and are skipped otherwise.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fake_languagetool import RULES, FakeLanguageTool
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner

from repair.cli import app
from repair.document import Document
from repair.errors import ConfigError
from repair.languagetool import cache as lt_cache
from repair.languagetool import client as lt_client
from repair.languagetool.client import Checker
from repair.languagetool.issue import Issue
from repair.languagetool.settings import DEFAULT_SAMPLE, NEWS_DISABLED_RULES, GrammarSettings
from repair.model import FLAG_CAP, Change, StageResult, apply_changes, check_changes, unapply
from repair.pipeline import STAGE_ORDER, Config, run_document
from repair.rules import RuleSet
from repair.sentences import sentences
from repair.stages import grammar as g

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test gets its own cache folder and no LanguageTool left over from another test."""
    monkeypatch.setenv(lt_cache.CACHE_ENV, str(tmp_path / "cache"))
    lt_cache.close_all()
    yield
    lt_cache.close_all()


@pytest.fixture
def lt():
    with FakeLanguageTool() as server:
        yield server


def remote(server_url: str, **kw) -> GrammarSettings:
    return GrammarSettings(enabled=True, server=server_url, **kw)


def check_document(doc: Document, settings: GrammarSettings) -> dict:
    """Run the pipeline's grammar stage alone on ``doc``; return what it recorded in ``doc.extra["grammar"]``."""
    run_document(doc, Config(rules=RuleSet((), {}), stages=("grammar",), options={"grammar": settings}))
    return doc.extra["grammar"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- sentences ------------------------------------------------------------------------------------

SPLITS = [
    ("abbreviation", "Mr. Smith went home. He slept.", ["Mr. Smith went home.", "He slept."]),
    ("initials", "J. K. Rowling wrote it. Fans cheered.", ["J. K. Rowling wrote it.", "Fans cheered."]),
    ("dotted", "The U.S. economy grew. Prices rose.", ["The U.S. economy grew.", "Prices rose."]),
    ("quote", 'He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("number-abbreviation", "No. 5 was there. It won.", ["No. 5 was there.", "It won."]),
    ("no-as-word", "He said no. Then left.", ["He said no.", "Then left."]),
    ("weekday-words", "He sat. The sun set. Wed. It rained.", ["He sat.", "The sun set.", "Wed.", "It rained."]),
    ("ellipsis", "Wait... What? Yes!", ["Wait...", "What?", "Yes!"]),
    ("lines", "line one\n\nline two\n", ["line one", "line two"]),
    ("lower-case-next", "pi is 3.14 today. ok then", ["pi is 3.14 today. ok then"]),
    ("non-ascii-capital", "Officials met. \u00c9gypte agreed.", ["Officials met.", "\u00c9gypte agreed."]),
    ("empty", "", []),
]


@pytest.mark.parametrize("text,expected", [(t, e) for _, t, e in SPLITS], ids=[label for label, _, _ in SPLITS])
def test_sentences(text, expected):
    assert [text[s:e] for s, e in sentences(text)] == expected


@hsettings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab A.!?\"\n 'U.S")), max_size=80))
def test_sentence_spans_are_ordered_trimmed_and_cover_all_words(text):
    spans = sentences(text)
    prev = 0
    for s, e in spans:
        assert prev <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        prev = e
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())


# ---- selection ------------------------------------------------------------------------------------

TEN = " ".join(f"Sentence number {w} is here." for w in
               ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])


def test_changed_scope_checks_touched_sentences_plus_an_even_sample():
    spans = sentences(TEN)
    assert len(spans) == 10
    s3 = spans[3]
    picked = g.select(spans, [(s3[0] + 2, s3[0] + 5)], sample=3)
    assert 3 in picked
    assert len(picked) == 4
    assert picked == g.select(spans, [(s3[0] + 2, s3[0] + 5)], sample=3)  # the same sample every run
    assert g.select(spans, [], sample=0) == []


def test_all_scope_checks_everything():
    spans = sentences(TEN)
    assert g.select(spans, [], scope="all", sample=0) == list(range(10))


def test_a_short_document_is_checked_whole():
    spans = sentences("One sentence here. Another one there. A third.")
    assert g.select(spans, [], sample=DEFAULT_SAMPLE) == [0, 1, 2]


def test_a_deletion_point_marks_the_sentence_it_borders():
    spans = sentences("First one. Second one.")
    assert g.select(spans, [(10, 10)], sample=0) == [0]


def test_touched_spans_follow_the_current_text_and_ignore_normalise():
    src = "[ad_1]\nThe State Division said it.\nNothing here.\n"
    doc = Document.from_text(src)
    doc.absorb(StageResult(src[7:], (Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\n", ""),)))
    cur = doc.text
    i = cur.index("Division")
    doc.absorb(StageResult(cur[:i] + "Department" + cur[i + 8:],
                             (Change("match", "terms.x", i, i + 8, "Division", "Department"),)))
    spans = g.touched_spans(doc.changes, doc.pending)
    assert spans == [(doc.text.index("Department"), doc.text.index("Department") + len("Department"))]


# ---- the pure stage ----------------------------------------------------------------------------------


def fake_check(sentences: list[str]) -> list[list[Issue]]:
    """The fake server's rules, in process (Python offsets: no UTF-16 here)."""
    out = []
    for s in sentences:
        issues = []
        for r in RULES:
            for m in r.pattern.finditer(s):
                issues.append(Issue(r.id, m.start(r.group), m.end(r.group), r.message, r.category[0], r.issue_type,
                                      tuple(r.suggest(m))))
        out.append(issues)
    return out


ALL_RULES = frozenset(r.id for r in RULES)


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["he have", "a apple", "maybe maybe", "Zorblatt", "recieve", "now not", "  ", " ",
                                 ". ", "\n", "it", "A", "\U0001F600", "was"]), max_size=25).map("".join),
       st.booleans())
def test_grammar_changes_never_overlap_and_replay(text, apply_all):
    res = g.grammar(text, fake_check, scope="all", auto_apply=ALL_RULES if apply_all else ())
    check_changes(text, res.changes)  # each before matches the text, no overlap
    assert apply_changes(text, res.changes) == res.text
    assert all(c.applied == (apply_all and c.before != c.after) for c in res.changes)
    assert res.info["matches"] == len(res.changes) + len(res.info["unplaced"])
    assert all(c.note is not None for c in res.changes)


# ---- the adapter, against the fake server ---------------------------------------------------------


def test_adapter_reads_matches_through_language_tool_python(lt):
    checker = Checker(lt.url)
    assert lt.checks == [] and lt.language_requests == 0  # lazy: nothing until the first sentence
    text = "\U0001F600 He have a apple."  # an emoji first: LanguageTool counts UTF-16 units
    [issues] = checker.check([text], NEWS_DISABLED_RULES)
    found = {(i.rule_id, text[i.start:i.end], i.replacements[:1]) for i in issues}
    assert found == {("HE_VERB_AGR", "have", ("has",)), ("EN_A_VS_AN", "a", ("an",))}
    assert lt.language_requests == 1
    [check] = lt.sentence_checks()
    assert check["language"] == "en-US"
    assert set(check["disabledRules"].split(",")) == set(NEWS_DISABLED_RULES)


def test_sentences_of_a_document_go_in_one_request_and_come_back_apart(lt):
    checker = Checker(lt.url)
    texts = ["It was maybe maybe true.", "Nothing wrong here.", "She have it."]
    out = checker.check(texts)
    assert len(lt.sentence_checks()) == 1
    assert [[(t[i.start:i.end], i.rule_id) for i in issues] for t, issues in zip(texts, out, strict=True)] == [
        [("maybe maybe", "ENGLISH_WORD_REPEAT_RULE")], [], [("have", "HE_VERB_AGR")]]


def test_one_checker_per_process_and_settings(lt):
    s = remote(lt.url)
    assert lt_client.get_checker(s) is lt_client.get_checker(s.replace(scope="all"))
    for text in ("He have it.", "She have it."):
        check_document(Document.from_text(text), s)
    assert lt.language_requests == 1  # language-tool-python's LanguageTool built once


def test_check_document_records_flagged_changes_and_figures(lt):
    doc = Document.from_text("It was maybe maybe true. He have a apple.")
    report = check_document(doc, remote(lt.url, scope="all"))
    assert report["status"] == "ok"
    assert report["sentences"] == report["sentences_checked"] == 2
    assert report["matches"] == 3
    assert report["per_1k_words"] == pytest.approx(1000 * 3 / 9, abs=0.01)
    assert doc.text == doc.source  # nothing applied
    assert [(c.stage, c.rule, c.before, c.after, c.applied) for c in doc.changes] == [
        ("grammar", "grammar.ENGLISH_WORD_REPEAT_RULE", "maybe maybe", "maybe", False),
        ("grammar", "grammar.HE_VERB_AGR", "have", "has", False),
        ("grammar", "grammar.EN_A_VS_AN", "a", "an", False),
    ]
    conf = {c.rule: c.confidence for c in doc.changes}
    assert conf["grammar.HE_VERB_AGR"] == 0.7 and conf["grammar.EN_A_VS_AN"] == 0.5
    block = doc.to_record()["repair"]
    assert block["grammar"]["issues"][1]["status"] == "flagged"
    # LanguageTool's words travel on the change itself, and the issues say where each change is
    assert block["changes"][1]["note"] == {"message": "The pronoun and the verb do not agree.", "category": "GRAMMAR",
                                           "issue_type": "grammar", "replacements": ["has"]}
    assert [(i["start"], i["end"]) for i in block["grammar"]["issues"]] == [(c.start, c.end) for c in doc.changes]
    assert [Change.from_json(c) for c in block["changes"]] == doc.changes


def test_a_change_without_a_note_keeps_its_json():
    c = Change("match", "terms.x", 4, 12, "Division", "Department", 0.9, False)
    assert list(c.to_json()) == ["start", "end", "before", "after", "stage", "rule", "confidence", "applied"]
    assert Change.from_json(c.to_json()) == c and c.note is None


def test_a_checked_record_is_not_checked_again(lt):
    doc = Document.from_text("He have it.")
    first = check_document(doc, remote(lt.url, cache="off"))
    again = Document.from_record(json.loads(json.dumps(doc.to_record())))
    assert check_document(again, remote(lt.url, cache="off")) == first
    assert again.changes == doc.changes and len(lt.sentence_checks()) == 1


def test_disabled_rules_are_not_reported_and_can_be_switched_back_on(lt):
    text = "Zorblatt  said so."
    doc = Document.from_text(text)
    check_document(doc, remote(lt.url))
    assert doc.changes == []  # spelling and whitespace are off by default
    doc = Document.from_text(text)
    report = check_document(doc, remote(lt.url, disabled_rules=frozenset({"WHITESPACE_RULE"})))
    [c] = doc.changes
    assert (c.rule, c.before, c.after, c.applied) == ("grammar.MORFOLOGIK_RULE_EN_US", "Zorblatt", "Zorblatt", False)
    assert report["issues"][0]["note"].startswith("LanguageTool has no suggestion")


def test_an_allowed_rule_is_applied_and_replays(lt):
    doc = Document.from_text("He have a apple.")
    check_document(doc, remote(lt.url, auto_apply=frozenset({"EN_A_VS_AN"})))
    assert doc.text == "He have an apple."
    by_rule = {c.rule: c.applied for c in doc.changes}
    assert by_rule == {"grammar.EN_A_VS_AN": True, "grammar.HE_VERB_AGR": False}
    assert apply_changes(doc.source, doc.changes) == doc.text
    assert unapply(doc.text, doc.changes) == doc.source


def test_offsets_map_into_the_record_after_earlier_stages(lt, cfg):
    src = "[ad_1]\nThe State Division said he have a apple.\n\nIt was maybe maybe true.\n"
    doc = Document.from_text(src)
    cfg.options["grammar"] = remote(lt.url)
    try:
        run_document(doc, cfg, STAGE_ORDER + ("grammar",))
    finally:
        cfg.options.pop("grammar")
    grammar = [c for c in doc.changes if c.stage == "grammar"]
    assert {c.before for c in grammar} == {"have", "a", "maybe maybe"}
    for c in doc.changes:  # the contract: original coordinates
        assert src[c.start:c.end] == c.before
    check_changes(src, doc.changes)
    assert apply_changes(src, doc.changes) == doc.text
    rec = json.loads(json.dumps(doc.to_record()))
    again = Document.from_record(rec)
    assert again.source == src and again.extra["grammar"]["status"] == "ok"
    assert "grammar" in again.stages or rec["repair"]["grammar"]["sentences_checked"] == 2


def test_a_match_on_text_an_earlier_stage_rewrote_is_kept_as_overlap(lt):
    src = "It was perhaps maybe true."
    doc = Document.from_text(src)
    doc.absorb(StageResult("It was maybe maybe true.", (Change("match", "m.x", 7, 14, "perhaps", "maybe"),)))
    report = check_document(doc, remote(lt.url))
    assert [c.stage for c in doc.changes] == ["match"]
    assert doc.skipped["overlap"] == 1
    assert report["matches"] == 1 and report["issues"][0]["status"] == "overlap"
    # recorded with its span in the source: the earlier repair it falls on, and the rest of the match
    [issue] = report["issues"]
    assert (issue["start"], issue["end"], issue["text"]) == (7, 20, "maybe maybe")
    assert src[issue["start"]:issue["end"]] == "perhaps maybe"
    # allowed to apply, it merges with the earlier repair instead
    doc = Document.from_text(src)
    doc.absorb(StageResult("It was maybe maybe true.", (Change("match", "m.x", 7, 14, "perhaps", "maybe"),)))
    check_document(doc, remote(lt.url, auto_apply=frozenset({"ENGLISH_WORD_REPEAT_RULE"})))
    assert doc.text == "It was maybe true."
    assert apply_changes(src, doc.changes) == doc.text


def test_matches_that_would_merge_with_the_same_earlier_repair_are_all_recorded_as_overlap(lt):
    # two auto-applied matches fall on one earlier repair: nothing is applied, and both are kept
    # in the record as overlaps, with the span of that repair (the notes used to lose both)
    src = "He got one apple. It was maybe maybe true."
    doc = Document.from_text(src)
    doc.absorb(StageResult("He have a apple. It was maybe maybe true.",
                           (Change("match", "m.x", 3, 10, "got one", "have a"),)))
    report = check_document(doc, remote(lt.url, scope="all", auto_apply=frozenset({"HE_VERB_AGR", "EN_A_VS_AN"})))
    assert doc.text == "He have a apple. It was maybe maybe true."
    assert [(c.rule, c.applied) for c in doc.changes] == [("m.x", True), ("grammar.ENGLISH_WORD_REPEAT_RULE", False)]
    assert doc.skipped["overlap"] == 2
    got = [(i["rule"], i["status"], i["start"], i["end"], i["text"]) for i in report["issues"]]
    assert got == [("grammar.HE_VERB_AGR", "overlap", 3, 10, "have"), ("grammar.EN_A_VS_AN", "overlap", 3, 10, "a"),
                   ("grammar.ENGLISH_WORD_REPEAT_RULE", "flagged", 25, 36, "maybe maybe")]
    assert src[25:36] == "maybe maybe"


# ---- the cache --------------------------------------------------------------------------------------


def test_second_run_makes_no_http_calls(lt, tmp_path):
    s = remote(lt.url, scope="all", cache=str(tmp_path / "c.sqlite3"))
    text = "It was maybe maybe true. He have a apple. All fine here."
    first = check_document(Document.from_text(text), s)
    n = len(lt.checks)
    second_doc = Document.from_text(text)
    second = check_document(second_doc, s)
    assert len(lt.checks) == n  # not even a version probe: the checker knows it
    assert second["from_cache"] == second["sentences_checked"] == 3
    assert second["issues"] == first["issues"]
    # a new process: a fresh checker and cache on the same file only probe the server's version
    lt_cache.close_all()
    third = check_document(Document.from_text(text), s)
    assert third["from_cache"] == 3
    assert lt.sentence_checks() == lt.sentence_checks()[:1]
    assert third["issues"] == first["issues"]


def test_the_cache_key_holds_version_language_and_disabled_rules():
    k = lt_cache.sentence_key("He have it.", version="6.4", language="en-US", disabled_rules=["A", "B"])
    assert k == lt_cache.sentence_key("He have it.", version="6.4", language="en-US", disabled_rules=["B", "A"])
    assert k != lt_cache.sentence_key("He have it.", version="6.5", language="en-US", disabled_rules=["A", "B"])
    assert k != lt_cache.sentence_key("He have it.", version="6.4", language="en-GB", disabled_rules=["A", "B"])
    assert k != lt_cache.sentence_key("He have it.", version="6.4", language="en-US", disabled_rules=["A"])


def test_changing_disabled_rules_checks_again(lt, tmp_path):
    s = remote(lt.url, cache=str(tmp_path / "c.sqlite3"))
    check_document(Document.from_text("Zorblatt said so."), s)
    check_document(Document.from_text("Zorblatt said so."), s.replace(disabled_rules=frozenset()))
    assert len(lt.sentence_checks()) == 2


def test_cache_is_shared_by_concurrent_writers(tmp_path):
    path = tmp_path / "shared.sqlite3"
    issue = Issue("R", 0, 1, "m", "GRAMMAR", "grammar", ("x",))

    def write(tag: str) -> None:
        cache = lt_cache.Cache(path)
        for i in range(100):
            cache.put_many({f"{tag}{i}": [issue]})
        cache.close()

    threads = [threading.Thread(target=write, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = lt_cache.Cache(path).get_many([f"{t}{i}" for t in "ab" for i in range(100)])
    assert len(got) == 200 and got["a7"] == [issue]


def test_an_unusable_cache_turns_itself_off_and_checking_goes_on(lt, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    report = check_document(Document.from_text("He have it."), remote(lt.url, cache=str(blocker / "c.sqlite3")))
    assert report["status"] == "ok" and report["matches"] == 1
    assert lt_cache.get_cache(str(blocker / "c.sqlite3")).problem


def test_cache_can_be_switched_off(lt):
    s = remote(lt.url, cache="off")
    for _ in range(2):
        check_document(Document.from_text("He have it."), s)
    assert len(lt.sentence_checks()) == 2


# ---- when LanguageTool cannot be had ---------------------------------------------------------------


def assert_skipped(doc: Document, report: dict, *, says: str) -> None:
    assert report["status"] == "skipped"
    assert "reason" not in report  # the run's reason, said once by the commands, not copied into every record
    reason = doc.notes["grammar"]
    assert says in reason
    assert "\n" not in reason and "--lt-server" in reason
    assert report["per_1k_words"] is None  # not a pass
    assert doc.extra["grammar"] is report
    assert doc.skipped["grammar-unavailable"] == 1
    assert doc.text == doc.source and doc.changes == []


def test_connection_refused_is_a_skip_with_a_reason():
    doc = Document.from_text("He have it.")
    report = check_document(doc, remote(f"http://127.0.0.1:{free_port()}"))
    assert_skipped(doc, report, says="connection refused")


def test_a_server_that_does_not_answer_in_time_is_a_skip():
    with FakeLanguageTool(delay=5) as slow:
        doc = Document.from_text("He have it.")
        report = check_document(doc, remote(slow.url, timeout=0.3))
    assert_skipped(doc, report, says="within 0.3 s")


def test_a_failing_server_is_a_skip():
    with FakeLanguageTool(broken=True) as broken:
        doc = Document.from_text("He have it.")
        report = check_document(doc, remote(broken.url))
    assert_skipped(doc, report, says="HTTP 500")


def test_a_server_that_goes_away_mid_run_skips_the_rest_quickly():
    lt = FakeLanguageTool().start()
    s = remote(lt.url, cache="off")
    assert check_document(Document.from_text("He have it."), s)["status"] == "ok"
    lt.stop()
    doc = Document.from_text("She have it.")
    report = check_document(doc, s)
    assert_skipped(doc, report, says=lt.url.split("//")[1])
    first = doc.notes["grammar"]
    doc = Document.from_text("They has it.")
    check_document(doc, s)
    assert doc.notes["grammar"] == first  # no second wait: fails fast


def test_local_mode_without_java_says_so(monkeypatch):
    monkeypatch.setattr(lt_client.shutil, "which", lambda name: None)
    doc = Document.from_text("He have it.")
    report = check_document(doc, GrammarSettings(enabled=True))
    assert_skipped(doc, report, says="no Java")


def test_local_mode_with_a_wrong_ltp_jar_dir_path_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("LTP_JAR_DIR_PATH", str(tmp_path / "missing"))
    doc = Document.from_text("He have it.")
    report = check_document(doc, GrammarSettings(enabled=True))
    assert_skipped(doc, report, says="LTP_JAR_DIR_PATH")


@pytest.mark.skipif(not Path("/usr/bin/java").exists() and not os.environ.get("JAVA_HOME"), reason="needs java")
def test_local_mode_with_a_jar_that_is_not_languagetool_is_a_skip(monkeypatch, tmp_path):
    install = tmp_path / "LanguageTool-6.4"
    install.mkdir()
    (install / "languagetool-server.jar").write_bytes(b"not a jar")
    monkeypatch.setenv("LTP_JAR_DIR_PATH", str(install))
    monkeypatch.setenv("LTP_PATH", str(tmp_path))  # restored after the test
    doc = Document.from_text("He have it.")
    report = check_document(doc, GrammarSettings(enabled=True, timeout=5))
    assert_skipped(doc, report, says="LanguageTool unavailable")


# ---- local mode, with a stand-in LanguageTool jar (tests/java/HTTPServer.java) -------------------------


@pytest.fixture(scope="module")
def local_install(tmp_path_factory) -> Path:
    """A LanguageTool-6.4 folder whose languagetool-server.jar is the stand-in server, compiled here."""
    if not (shutil.which("javac") and shutil.which("jar") and shutil.which("java")):
        pytest.skip("needs a JDK (javac, jar) to build the stand-in LanguageTool jar")
    root = tmp_path_factory.mktemp("local-lt")
    src = Path(__file__).parent / "java" / "HTTPServer.java"
    subprocess.run(["javac", "-d", str(root / "classes"), str(src)], check=True, timeout=120, capture_output=True)
    install = root / "LanguageTool-6.4"
    install.mkdir()
    subprocess.run(["jar", "cf", str(install / "languagetool-server.jar"), "-C", str(root / "classes"), "."],
                   check=True, timeout=60, capture_output=True)
    return install


def test_local_mode_starts_one_languagetool_lazily_and_stops_it(local_install, monkeypatch, tmp_path):
    monkeypatch.setenv("LTP_JAR_DIR_PATH", str(local_install))
    monkeypatch.setenv("LTP_PATH", str(tmp_path))  # the adapter points it at the install; restored after
    s = GrammarSettings(enabled=True, cache=str(tmp_path / "c.sqlite3"), timeout=30)
    doc = Document.from_text("It was maybe maybe true.")
    report = check_document(doc, s)
    assert (report["status"], report["server"], report["lt_version"]) == ("ok", "local", "6.4"), report.get("reason")
    assert [(c.before, c.after) for c in doc.changes] == [("maybe maybe", "maybe")]
    checker = lt_client.get_checker(s)
    jvm = checker._tool._server
    assert jvm.poll() is None
    check_document(Document.from_text("She was was there."), s)
    assert checker._tool._server is jvm  # one LanguageTool per process
    lt_cache.close_all()
    assert jvm.wait(timeout=20) is not None
    # a re-run answered from the cache does not start Java at all: the folder name gives the version
    again = check_document(Document.from_text("It was maybe maybe true."), s)
    assert again["from_cache"] == 1 and lt_client.get_checker(s)._tool is None


def test_local_languagetool_is_stopped_when_the_process_exits(local_install, tmp_path):
    script = ("from repair.languagetool.client import get_checker\n"
              "from repair.languagetool.settings import GrammarSettings\n"
              "from repair.document import Document\n"
              "from repair.pipeline import Config, run_document\n"
              "s = GrammarSettings(enabled=True, cache='off', timeout=30)\n"
              "d = run_document(Document.from_text('It was maybe maybe true.'), Config.load(options={'grammar': s}),\n"
              "                 ['grammar'])\n"
              "print(d.extra['grammar']['status'], get_checker(s)._tool._server.pid)\n")
    env = dict(os.environ, LTP_JAR_DIR_PATH=str(local_install), LTP_PATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    status, pid = out.stdout.split()
    assert status == "ok", out.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)


# ---- settings ---------------------------------------------------------------------------------------


def test_settings_from_the_project_configuration_object():
    from repair import settings as config

    table = {"enabled": True, "server": "", "scope": "all", "disabled_rules": ["X"], "timeout": 3}
    s = config.settings_from_mapping({"grammar": table}, "repair.toml", section="").grammar
    assert (s.enabled, s.server, s.scope, s.disabled_rules, s.timeout) == (True, None, "all", frozenset({"X"}), 3.0)
    assert config.load_settings(discover=False).grammar == GrammarSettings()  # the stage's schema and defaults


@pytest.mark.parametrize("table,says", [
    ({"scope": "most"}, "scope"),
    ({"timeout": 0}, "timeout"),
    ({"sample": True}, "sample"),
    ({"disabled_rules": [1]}, "rule ids"),
    ({"colour": "red"}, "unknown key 'colour'"),
], ids=["scope", "timeout", "sample-bool", "rules-not-strings", "unknown"])
def test_bad_settings_say_which_key(table, says):
    with pytest.raises(ConfigError, match=says):
        GrammarSettings.from_mapping(table)


# ---- the command line --------------------------------------------------------------------------------


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def article(tmp_path) -> Path:
    p = tmp_path / "in" / "a.txt"
    p.parent.mkdir()
    p.write_text("[ad_1]\nThe State Division said he have a apple.\n\nIt was maybe maybe true.\n\n"
                 + " ".join(f"The talks went on for day {i} of the week." for i in range(12)) + "\n", encoding="utf-8")
    return p


def test_run_grammar_against_a_server_end_to_end(lt, article):
    result = runner.invoke(app, ["run", str(article), "--grammar", "--lt-server", lt.url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [rec] = json_lines(result.stdout)
    block = rec["repair"]
    assert block["grammar"]["status"] == "ok"
    assert block["grammar"]["sentences"] == 14
    # the learned model does not find this document spun, so its tables' proposals are flagged at no more
    # than FLAG_CAP: low-confidence noise ("day 2" -> "two"), but they touch their sentences, which are
    # checked too: the changed one, the flagged ones, and the sample
    source = article.read_text(encoding="utf-8")
    flagged = [c for c in block["changes"] if c["stage"] == "detect" and not c["applied"]]
    assert flagged and all(c["rule"].startswith("learned.") and c["confidence"] <= FLAG_CAP for c in flagged)
    assert block["evidence"]["model"]["spin_score"] < 0.5
    flagged_sentences = {source.rfind(". ", 0, c["start"]) for c in flagged}
    assert all("The talks went on" in source[i:i + 20] for i in flagged_sentences)  # not the unsampled repeat
    checked = 1 + len(flagged_sentences) + DEFAULT_SAMPLE
    assert block["grammar"]["sentences_checked"] == checked
    grammar = [c for c in block["changes"] if c["stage"] == "grammar"]
    assert {c["before"] for c in grammar} == {"have", "a"}  # the repeat is in an untouched, unsampled sentence
    assert all(source[c["start"]:c["end"]] == c["before"] and not c["applied"] for c in grammar)
    assert "grammar:" in result.stderr
    # run again: everything comes from the cache
    n = len(lt.sentence_checks())
    again = runner.invoke(app, ["run", str(article), "--grammar", "--lt-server", lt.url], catch_exceptions=False)
    assert len(lt.sentence_checks()) == n
    assert json_lines(again.stdout)[0]["repair"]["grammar"]["from_cache"] == checked


def test_run_grammar_scope_all_checks_every_sentence(lt, article):
    result = runner.invoke(app, ["run", str(article), "--lt-server", lt.url, "--grammar-scope", "all"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [rec] = json_lines(result.stdout)
    assert rec["repair"]["grammar"]["sentences_checked"] == 14
    assert "maybe maybe" in {c["before"] for c in rec["repair"]["changes"]}


def test_run_without_languagetool_warns_once_and_marks_every_document(tmp_path, article):
    second = article.parent / "b.txt"
    second.write_text("She have it.\n", encoding="utf-8")
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["run", str(article.parent), "--lt-server", url, "-o", str(out)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "grammar stage skipped" in line]
    assert len(warnings) == 1 and "connection refused" in warnings[0] and "docker run" in warnings[0]
    report = json.loads((out / "report.json").read_text())
    assert report["skipped"]["grammar-unavailable"] == 2
    assert report["documents"] == 2 and report["failed"] == 0


def test_the_skip_reason_is_said_once_never_copied_into_every_record(tmp_path, article):
    (article.parent / "b.txt").write_text("She have it.\n", encoding="utf-8")
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["run", str(article.parent), "--lt-server", url, "-o", str(out)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert [r["repair"]["grammar"]["status"] for r in records] == ["skipped", "skipped"]
    assert all("reason" not in r["repair"]["grammar"] for r in records)
    assert all("connection refused" not in json.dumps(r) for r in records)
    report = json.loads((out / "report.json").read_text())
    [(reason, n)] = report["grammar"]["skip_reasons"].items()
    assert n == 2 and "connection refused" in reason and "--lt-server" in reason
    assert (report["grammar"]["checked_documents"], report["grammar"]["skipped_documents"]) == (0, 2)
    assert sum("grammar stage skipped" in line for line in result.stderr.splitlines()) == 1
    # the gate's JSON report: the reason once for the run, not per document
    checked = runner.invoke(app, ["check", str(article.parent), "--lt-server", url, "--no-baseline", "-f", "json"],
                            catch_exceptions=False)
    data = json.loads(checked.stdout)
    assert "connection refused" in data["grammar"]["reason"] and data["grammar"]["skipped_documents"] == 2
    assert list(data["grammar"]["reasons"].values()) == [2]
    assert all(d["grammar"] == {"status": "skipped"} for d in data["documents"])


def test_grammar_is_off_by_default_and_on_from_the_project_config(lt, article, tmp_path, monkeypatch):
    off = runner.invoke(app, ["run", str(article)], catch_exceptions=False)
    assert "grammar" not in json_lines(off.stdout)[0]["repair"]
    project = tmp_path / "project"
    project.mkdir()
    (project / "repair.toml").write_text(f'[grammar]\nenabled = true\nserver = "{lt.url}"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    on = runner.invoke(app, ["run", str(article)], catch_exceptions=False)
    assert json_lines(on.stdout)[0]["repair"]["grammar"]["status"] == "ok"
    no = runner.invoke(app, ["run", str(article), "--no-grammar"], catch_exceptions=False)
    assert "grammar" not in json_lines(no.stdout)[0]["repair"]


# ---- a real LanguageTool (skipped unless one is provided) ----------------------------------------------


def real_settings() -> GrammarSettings:
    if os.environ.get("LT_SERVER"):
        return GrammarSettings(enabled=True, server=os.environ["LT_SERVER"], cache="off", timeout=60)
    if os.environ.get("LTP_JAR_DIR_PATH"):
        return GrammarSettings(enabled=True, cache="off", timeout=60)
    pytest.skip("no real LanguageTool: set LT_SERVER=http://host:port or LTP_JAR_DIR_PATH=/path/LanguageTool-X.Y")


@pytest.mark.languagetool
def test_real_languagetool_flags_agreement_and_repeats():
    s = real_settings().replace(scope="all")
    doc = Document.from_text("He have a apple. It was was true. The cat sat on the mat.")
    report = check_document(doc, s)
    assert report["status"] == "ok", report.get("reason")
    befores = {c.before for c in doc.changes}
    assert {"a", "was was"} & befores
    check_changes(doc.source, doc.changes)
    assert all(c.start < doc.source.index("The cat") for c in doc.changes)


@pytest.mark.languagetool
def test_real_languagetool_through_the_cli(article):
    s = real_settings()
    args = ["run", str(article), "--grammar"] + (["--lt-server", s.server] if s.server else [])
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    block = json_lines(result.stdout)[0]["repair"]
    assert block["grammar"]["status"] == "ok", block["grammar"].get("reason")
