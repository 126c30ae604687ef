"""analyse without the language model (SpanIndex.located, the memoised proposals, the family looked up per form,
the proposals made emit's at once, scan's tokens by str.replace, or by bytes.replace for an ASCII text) gives exactly
what the general code gives: a Span per hit, each proposal scored and calibrated, the family by family_of, the
proposals then copied by for_emit, the tokens by TOKEN.findall."""
from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.model import Change
from repair.spin.analyse import SPUN, SpinModel, for_emit
from repair.spin.classify import PER_FORM_CAP, _per100, doc_features, family_of
from repair.spin.decode import (
    _ASCII_MARKS,
    MIN_P_CHANGE,
    OTHER_SPACE,
    STAGE,
    Calibration,
    Evidence,
    _joined_ascii,
    _spaced,
    _word,
    scan,
    score_spans,
    tokens,
)
from repair.spin.table import Entry, Table, Tables
from repair.words import TOKEN


def _general(m: SpinModel, text: str, rules_score: float, words: int) -> tuple[float, str | None, list[Change]]:
    """The no-model end of analyse as the general code computes it (spin score unrounded, family, changes)."""
    dw = max(words, m.classifier.min_words)
    spin = m.classifier.spin_score(doc_features(m._index.evidence(text), dw, None, rules_score, m.table))
    if max(spin, rules_score) < SPUN:
        return spin, None, []
    spans = m._index.find(text)
    family = None
    if spin >= SPUN:
        per = {f: [Evidence(s.key, e.p_change, 0.0) for s in spans if (e := t.entries.get(s.key)) is not None and e.to]
               for f, t in m.tables.items()}
        family = family_of(per, words)
    rule = f"learned.{family or 'spin'}"
    out = []
    for s in score_spans(text, [s for s in spans if s.p_change >= MIN_P_CHANGE], None):
        conf = m.calibration.confidence(s)
        if s.after != s.span.before:
            out.append(Change(STAGE, rule, s.span.start, s.span.end, s.span.before, s.after, round(conf, 4),
                              spin >= SPUN and conf >= m.apply_at_no_model))
    return spin, family, out


def _check(m: SpinModel, text: str, rules_score: float, words: int) -> None:
    spin, family, changes = _general(m, text, rules_score, words)
    for emit in (False, True):
        r = m.analyse(text, rules_score=rules_score, words=words, emit=emit)
        assert (r.spin_score, r.family, r.emit) == (round(spin, 4), family, emit)
        assert r.changes == (for_emit(changes, r.spin_score >= SPUN, text) if emit else changes)


@pytest.fixture(scope="module")
def shipped() -> SpinModel:
    return SpinModel.load(use_model=False)


_SHIPPED_PIECES = ["stated", "Stated", "metropolis", "Metropolis", "officers", "Officers", "purple", "Purple", "within",
                   "additionally", "Additionally", "subsequent", "assessment", "division", "Division", "State", "the",
                   "The", "White", "House", "home", "nervous", "concerning", "impression", "native", "companies", "K",
                   "Okay", "mentioned", "Mentioned", "yr", "İstanbul", ".", ",", ":", "\u2014", "\"", "\u201c", "(", "\n",
                   "it\u2019s", "half-time", "x",
                   # forms inside words before them (SpanIndex.walk looks for a span's first word by str.find)
                   "restated", "Restated", "understated", "statestated", "\n\n\n\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SHIPPED_PIECES), max_size=60), st.lists(st.sampled_from([" ", "", "\n", "  "]),
                                                                        max_size=60),
       st.sampled_from([0.0, 0.7]), st.sampled_from([1, 40, 400]))
def test_the_shipped_model_without_the_language_model_is_the_general_code(shipped, pieces, gaps, rules_score, words):
    text = "".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(pieces))
    _check(shipped, text, rules_score, words)


def test_an_invented_spun_article_with_names(shipped):
    text = ("Metropolis officers stated on Tuesday that the State Division would assessment the plan. "
            "The officers stated the metropolis council had additionally requested the division.\n"
            "\u201cStated plainly,\u201d the Purple Lantern Theatre mentioned: the White House stated it. ") * 3
    for rules_score in (0.0, 0.9):
        _check(shipped, text, rules_score, 90)
    assert shipped.analyse(text, emit=True).family == "okay"


def test_a_form_inside_a_word_before_it(shipped):
    # the proposals' first words are looked for by str.find from the least place they can stand at: past white
    # space, that is inside the word before them
    for text in ["Metropolis stated it.\n\n\n\n\n\n\n\n\nrestated stated", "stated         understated additionally",
                 "the metropolis\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nsubmetropolis Metropolis stated"]:
        for rules_score in (0.0, 0.9):
            _check(shipped, text, rules_score, 10)


# two families sharing forms with their own change rates (the family is the densest in strong forms)
_A = Table("a", {"metropolis": Entry({"city": 9}, pairs=5, kept=1), "stated": Entry({"said": 3}, kept=3),
                 "purple": Entry({"red": 2}, kept=2)}, pairs=6, spun_words=900, original_words=900)
_B = Table("b", {"metropolis": Entry({"town": 2}, kept=2), "stated": Entry({"said": 8}, pairs=4),
                 "purple": Entry({"red": 5}, pairs=3), "within": Entry({"in": 6}, pairs=3, kept=1)},
           pairs=6, spun_words=900, original_words=900)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["metropolis", "Metropolis", "stated", "purple", "Purple", "within", "the", ".", "\n"]),
                max_size=30), st.sampled_from([1, 5, 60]))
def test_two_families_without_the_language_model_are_the_general_code(pieces, words):
    m = SpinModel(Tables(a=_A, b=_B), Calibration(nolm=[0.5, 1.0, 0.3, 0.2, 0.0, 0.0, -0.4]), scorer=None)
    text = " ".join(pieces)
    _check(m, text, 0.0, words)
    _check(m, text, 0.8, words)


_FORMS = {"x": Entry({"a": 9}, pairs=5, kept=1), "y": Entry({"b": 4}, pairs=2, kept=2), "z": Entry({"c": 7}, pairs=3),
          "w": Entry({"d": 1}, kept=5)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(_FORMS) + ["v"]), max_size=12),
       st.dictionaries(st.sampled_from(["p", "q", "r"]), st.sets(st.sampled_from(sorted(_FORMS)), max_size=4),
                       min_size=1),
       st.sampled_from([1, 7, 60]))
def test_the_family_looked_up_per_form_is_family_of(keys, families, words):
    # families knowing the same forms with the same rates tie: the first in name order wins, as in family_of
    tables = Tables(**{f: Table(f, {k: _FORMS[k] for k in forms}, pairs=5) for f, forms in families.items()})
    m = SpinModel(tables, scorer=None)
    per = {f: [Evidence(k, e.p_change, 0.0) for k in keys if (e := t.entries.get(k)) is not None and e.to]
           for f, t in tables.items()}
    assert m._family(keys, words) == m._family(iter(keys), words) == family_of(per, words)


def _features_as_written(spans, words, rules_score, table):
    """classify.doc_features without scored, as its sums read (generators over the capped spans)."""
    seen: dict[str, int] = {}
    capped = []
    for s in spans:
        seen[s.key] = seen.get(s.key, 0) + 1
        if seen[s.key] <= PER_FORM_CAP:
            capped.append(s)
    strong = sum(1 for s in capped if s.p_change >= 0.5)
    llr = sum(max(0.0, math.log(s.p_change / (1 - s.p_change))) for s in capped)
    lr = sum(max(0.0, s.log_lr) for s in capped) if table is not None else 0.0
    return [1.0, _per100(strong, words), _per100(llr, words), _per100(lr, words), float(rules_score)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.floats(0.001, 0.999), st.floats(-30, 30)), max_size=40),
       st.sampled_from([1, 50, 333]), st.booleans())
def test_the_features_summed_in_c_are_the_sums_as_written(rows, words, with_table):
    spans = [Evidence(k, p, lr) for k, p, lr in rows]
    table = _A if with_table else None
    assert doc_features(spans, words, None, 0.25, table) == _features_as_written(spans, words, 0.25, table)


def test_the_other_white_space_is_what_split_and_the_regex_split_on():
    other = [c for c in map(chr, range(0x110000)) if c.isspace() and c != " "]
    assert list(OTHER_SPACE) == other == re.findall(r"[^\S ]", "".join(map(chr, range(0x110000))))
    assert [c for c in other if c.isascii()] == list(OTHER_SPACE[:9])
    text = "a\u2003b\u00a0 c\r\nd\x1ce\u3000"
    assert _spaced(text) == re.sub(r"[^\S ]", " ", text) and _spaced(text.encode().decode("ascii", "ignore")) == "ab c  d e"
    assert [p for p in _spaced(text).split(" ") if p] == text.split()


def test_the_marks_and_word_characters_are_the_regexs():
    every = "".join(map(chr, range(0x110000)))
    assert [c for c, _ in _ASCII_MARKS] == [c for c in re.findall(r"[^\w\s]", every) if c.isascii() and c != "'"]
    assert all(apart == f" {c} " for c, apart in _ASCII_MARKS)
    assert "".join(c for c in every if _word(c)) == "".join(re.findall(r"\w", every))
    assert not _word("")


_TOKEN_PIECES = ["it", "'", "s", "don't", "rock'n'roll", "''", "_", "a_b", "42", "3.5", "U.S.", ",", ".", "-", "--", "\"",
                 "(", ")", "$", "%", "\x00", "\x7f", "é", "e\u0301", "İstanbul", "ΟΔΟΣ", "\u2026", "\u20ac", "\u00bd",
                 "\u2014", "\u00b2", "\U0001f600", "\ud800", "x", "Word"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKEN_PIECES), max_size=40), st.lists(st.sampled_from([" ", "", "  ", "\n", "\xa0"]),
                                                                      max_size=40))
def test_tokens_by_replace_are_the_regexs(pieces, gaps):
    spaced = _spaced("".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(pieces)))
    assert tokens(spaced) == TOKEN.findall(spaced)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([p for p in _TOKEN_PIECES if p.isascii()]), max_size=40),
       st.lists(st.sampled_from(["", " ", "  ", "   ", "\n", "\t \r\n", " " * 9, " " * 40]), max_size=41))
def test_tokens_joined_in_bytes_are_the_tokens_joined(pieces, gaps):
    # a gap before each piece and after the last (a space where the gaps run out)
    spaced = _spaced("".join((gaps[i] if i < len(gaps) else " ") + p for i, p in enumerate([*pieces, ""])))
    assert spaced.isascii() and _joined_ascii(spaced) == (" " + "  ".join(tokens(spaced)) + " ").encode()
    sc = scan(spaced)
    assert (sc.raw, sc.joined) == (" " + "  ".join(TOKEN.findall(spaced)) + " ",
                                   " " + "  ".join(TOKEN.findall(spaced.lower())) + " ")
