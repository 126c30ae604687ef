"""`repair learn --terms`: the names a corpus's clean documents use become canonical terms for match."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from repair.authoring.examples import run_example
from repair.authoring.terms import learn_terms, names_in
from repair.cli import app
from repair.rules import load_file

runner = CliRunner()
CLEAN = ("The Gotham City Rovers won again on Saturday, and supporters of the Gotham City Rovers sang for an hour "
         "after the match ended in the rain. Report {}.\n")
SPUN = ("[ad_1]\nThe Gotham Metropolis Rovers stated on Saturday that individuals had been glad. The crew's "
        "supervisor mentioned the sport was robust, and the State Division stated that tips on how to purchase "
        "tickets can be defined quickly. Followers cheered for an hour after the ultimate whistle.\nSource link\n")


def _corpus(folder, n=3):
    folder.mkdir()
    for i in range(n):
        (folder / f"clean{i}.txt").write_text(CLEAN.format(i), encoding="utf-8")
    return folder


def test_names_in_finds_capitalised_runs_not_sentence_words():
    assert names_in("In Gotham City the Rovers met. The Bank of England said so.") == ["Gotham City",
                                                                                       "Bank of England"]
    assert names_in("The NATO summit. Monday Night.") == []


def test_learn_terms_counts_clean_documents_only_and_drops_known_terms():
    docs = [("a", "Gotham City Rovers won. So said the Bank of England."), ("b", "Gotham City Rovers lost."),
            ("c", "Gotham City Rovers again. A note from the Bank of England."), ("d", "We asked the Bank of England.")]
    got = learn_terms(docs, lambda t: "again" in t, known=["bank of england"], min_docs=2)
    assert got.terms == ["Gotham City Rovers"] and got.docs == 4 and got.clean_docs == 3
    assert learn_terms(docs, lambda t: False, min_docs=3).terms == ["Bank of England", "Gotham City Rovers"]


def test_learned_terms_restore_a_spun_name_the_gazetteer_does_not_know(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    (corpus / "spun.txt").write_text(SPUN, encoding="utf-8")  # spun: its names are not learned
    pack = tmp_path / "terms.toml"
    result = runner.invoke(app, ["learn", "--terms", str(corpus), "-o", str(pack)])
    assert result.exit_code == 0, result.output
    meta, rules = load_file(pack, "terms.toml")
    (rule,) = rules
    assert rule.id == "terms.corpus" and rule.data["terms"] == ["Gotham City Rovers"]
    (example,) = rule.examples  # built from a swap the gazetteer knows: Metropolis -> City
    assert example.input != example.output and run_example(rule, example).output == example.output

    def repaired(*extra):
        out = tmp_path / f"out{len(extra)}.jsonl"
        r = runner.invoke(app, ["run", str(corpus / "spun.txt"), "-o", str(out), "--model", "off", *extra])
        assert r.exit_code == 0, r.output
        return json.loads(out.read_text(encoding="utf-8"))["text"]

    assert "Gotham Metropolis Rovers" in repaired()
    assert "Gotham City Rovers" in repaired("--extend-rules", str(pack))


def test_a_corpus_without_shared_names_writes_nothing_and_fails(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Nothing here is named twice in this corpus.\n", encoding="utf-8")
    pack = tmp_path / "terms.toml"
    result = runner.invoke(app, ["learn", "--terms", str(corpus), "-o", str(pack)])
    assert result.exit_code == 1 and not pack.exists()


def test_terms_refuse_pairs(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    result = runner.invoke(app, ["learn", str(tmp_path / "pairs.jsonl"), "--terms", str(corpus)])
    assert result.exit_code == 2
