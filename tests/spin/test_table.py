from __future__ import annotations

from repair.spin.align import aligned_spans, substitutions, tokenize
from repair.spin.table import Table, Tables, from_spintax, learn_tables, spintax_table


def test_substitutions_word_for_word_and_added_words():
    subs = substitutions("Tips on how to fix the metropolis roads.", "How to fix the city roads.")
    assert [(s.spun, s.original) for s in subs] == [("tips on how", "how"), ("metropolis", "city")]
    assert subs[1].left == "the" and subs[1].right == "roads"


def test_aligned_spans_give_character_offsets():
    spun = "A metropolis grew."
    (start, end, orig), = aligned_spans(spun, "A city grew.")
    assert spun[start:end] == "metropolis" and orig == "city"


def test_tokens_unify_quotes_and_case():
    assert [t.norm for t in tokenize("It’s Metropolis")] == ["it's", "metropolis"]


def test_learn_counts_pairs_and_kept(pairs):
    t = learn_tables(pairs)["okay"]
    e = t.lookup("stated")
    assert e.to == {"said": 4} and e.pairs == 4 and e.kept == 0
    m = t.lookup("metropolis")
    assert m.to == {"city": 3} and m.pairs == 3
    w = t.lookup("within")
    assert w.to == {"in": 2}
    assert "tips on how" in t and t.lookup("tips on how").to == {"how": 1}
    assert t.pairs == 4 and t.spun_words > 0


def test_kept_counts_forms_left_unchanged():
    # "stated" replaced "said" once, and stood for itself once
    from repair.authoring.benchmark import Pair

    t = learn_tables([Pair("a", "okay", "He stated it.", "He said it."),
                      Pair("b", "okay", "She stated her name and stated it twice.",
                           "She stated her name and said it twice.")])["okay"]
    e = t.lookup("stated")
    assert e.to == {"said": 2} and e.kept == 1 and e.in_originals == 1
    assert 0.5 < e.p_change < 0.75


def test_unpaired_texts_count_emitted_forms(pairs):
    t = learn_tables(pairs, [("okay", "The metropolis and the metropolis again.")])["okay"]
    assert t.lookup("metropolis").emitted == 2


def test_save_load_round_trip(tmp_path, pairs):
    tables = learn_tables(pairs)
    paths = tables.save(tmp_path)
    assert [p.name for p in paths] == ["okay.table.json"]
    back = Tables.load(tmp_path)
    assert back["okay"].to_json() == tables["okay"].to_json()
    assert "said" in (tmp_path / "okay.table.json").read_text()


def test_merged_adds_families():
    a = spintax_table(["city|metropolis"], "x")
    b = Table("y")
    b.entries.update(learn_tables([]).get("y", Table("y")).entries)
    m = Tables(x=a, y=b).merged()
    assert m.lookup("metropolis").to == {"city": 0}


def test_spintax_both_formats(tmp_path):
    p = tmp_path / "syn.txt"
    p.write_text("# comment\n{big|large|huge} and {fast|quick}\nsaid|stated\n", encoding="utf-8")
    t = from_spintax(p)
    assert sorted(t.lookup("huge").to) == ["big", "large"]
    assert t.lookup("quick").to == {"fast": 0}
    assert t.lookup("stated").to == {"said": 0} and t.lookup("said").to == {"stated": 0}
    assert t.lookup("huge").source == "spintax"
    assert "and" not in t
