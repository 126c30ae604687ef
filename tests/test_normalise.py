"""The normalise stage: seed debris removed, article text kept, tails never cut articles."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.errors import RuleError
from repair.model import apply_changes
from repair.pipeline import Config
from repair.rules import load_rules
from repair.stages.normalise import normalise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RULES = load_rules()

# The scraping debris each seed carries, line by line (everything else in a seed is article text).
DEBRIS = {
    "000_90c302949eed4586.txt": set(),
    "001_81c95b44cc63d709.txt": {"Related Articles", "Back to top button", "%d bloggers like this:"},
    "002_e34fdb2de07d4674.txt": {
        "Type to search", "Categorized Diplomacy Terrorism",
        "Also read: Pakistan Rupee: Dollar Goes High, Shatters All Previous Records",
        "Donate To Naya Daur", "Leave a Comment",
        "Your email address will not be published. Required fields are marked *", "Naya Daur",
    },
    "003_2c9c0c25fcb8aeec.txt": {
        "Afghan refugees arrive at Pristina International Airport in Kosovo on Sunday \u00a9 Reuters",
        "Source link", "Leave a Reply", "Your email address will not be published. Required fields are marked *",
    },
    "004_0ec5a602defd3933.txt": {"[ad_1]", "[ad_2]", "Source link"},
}

# Article sentences that sit right next to the debris or merely contain its words.
KEPT = {
    "000_90c302949eed4586.txt": ["Nov 30, 2021", "coincides with the rise of the Taliban in Kabul ."],
    "001_81c95b44cc63d709.txt": ["The views expressed here are the creator\u2019s own"],
    "002_e34fdb2de07d4674.txt": [
        "Pakistan and The US Are Finally On The Same Page For Peace In Afghanistan",
        "A month later, Trump wrote to the Pakistani leader",
        "from operating from the country.",
    ],
    "003_2c9c0c25fcb8aeec.txt": ["Jen Psaki, a press secretary", "\u201cThey won\u2019t just leave this card easily or soon.\u201d"],
    "004_0ec5a602defd3933.txt": ["In a single dialogue with a U.S. official",
                                 "associated points related to Afghanistan.\u201d"],
}


def _squash(s: str) -> str:
    return " ".join(s.split())


def _seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def test_debris_table_covers_every_seed():
    assert sorted(DEBRIS) == sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.mark.parametrize("name", sorted(DEBRIS))
def test_seed_debris_removed_and_article_lines_kept(name: str):
    src = _seed(name)
    res = normalise(src, RULES)
    out_lines = {_squash(ln) for ln in res.text.splitlines()}
    for line in src.splitlines():
        if not line.strip():
            continue
        if line.strip() in DEBRIS[name]:
            assert _squash(line) not in out_lines, f"debris line still there: {line!r}"
        else:
            assert _squash(line) in out_lines, f"article line lost: {line[:80]!r}"
    for sentence in KEPT[name]:
        assert sentence in res.text
    # every removal is recorded as a change with a boilerplate rule id, and the changes replay
    assert apply_changes(src, res.changes) == res.text
    removed = "".join(c.before for c in res.changes if c.after == "" and c.rule.startswith("boilerplate."))
    for line in DEBRIS[name]:
        assert line in removed
    assert not res.text.startswith("\n") and res.text.count("\n\n\n") == 0


@pytest.mark.parametrize("name", sorted(DEBRIS))
def test_seed_normalise_is_idempotent(name: str):
    once = normalise(_seed(name), RULES).text
    again = normalise(once, RULES)
    assert again.text == once and again.changes == ()


def test_seed_removals_are_named_by_one_rule_each():
    """A removed line and the blank lines after it are one change, so report counts stay per rule."""
    res = normalise(_seed("002_e34fdb2de07d4674.txt"), RULES)
    rules = [c.rule for c in res.changes]
    assert "boilerplate.search-box" in rules and "boilerplate.categories" in rules
    assert "boilerplate.also-read" in rules and "boilerplate.donate" in rules
    assert "boilerplate.comment-form" in rules
    assert not any("+" in r for r in rules if r.startswith("boilerplate."))


# --- tails: never cut article text -------------------------------------------------------------

PARA = ("The ministers met in Doha on Sunday and agreed to resume talks next month, officials said, "
        "after a week in which both sides traded accusations over the border closures.")


def test_tail_removes_comment_form_after_a_long_article():
    text = "\n\n".join([PARA] * 4) + "\n\nLeave a Reply\n\nName *\nEmail *\nWebsite\n\nPost Comment\n\nDaily Planet\n"
    res = normalise(text, RULES)
    assert res.text == "\n\n".join([PARA] * 4) + "\n"
    assert [c.rule for c in res.changes if c.after == "" and "Leave a Reply" in c.before] == ["boilerplate.comment-form"]


def test_tail_never_cuts_paragraphs_after_a_heading():
    # a plugin put "Related Articles" between paragraphs: the article goes on after it
    text = PARA + "\n\nRelated Articles\n\n" + PARA.replace("Sunday", "Monday") + "\n"
    res = normalise(text, RULES)
    assert res.text == PARA + "\n\n" + PARA.replace("Sunday", "Monday") + "\n"
    assert {c.rule for c in res.changes} == {"boilerplate.related-heading"}


def test_tail_at_the_top_of_a_short_article_is_only_a_line():
    text = "Leave a Comment\n" + PARA + "\n"
    assert normalise(text, RULES).text == PARA + "\n"


def test_tail_longer_than_the_article_is_not_taken():
    comments = "\n".join(f"Reader {i} says: I agree." for i in range(20))
    text = "Short news item.\n\nLeave a Reply\n" + comments + "\n"
    res = normalise(text, RULES)
    assert "Reader 19 says: I agree." in res.text and "Short news item." in res.text
    assert "Leave a Reply" not in res.text  # the line rule still takes the heading


def test_tail_over_the_size_limit_is_not_taken():
    headlines = "\n".join(f"Headline number {i} about the region" for i in range(60))
    text = "\n\n".join([PARA] * 20) + "\n\nRelated Articles\n" + headlines + "\n"
    res = normalise(text, RULES)
    assert "Headline number 59" in res.text and "Related Articles" not in res.text


def test_tail_only_rule_set_keeps_everything_when_unsafe(tmp_path: Path):
    (tmp_path / "t.toml").write_text(
        '[[rule]]\nid = "t.tail"\nstage = "normalise"\nkind = "tail"\npattern = "the end"\nmax_tail_chars = 50\n'
        'examples = [ { in = "A long enough article text.\\nThe End\\nx\\n", out = "A long enough article text.\\n" } ]\n',
        encoding="utf-8")
    rules = load_rules([tmp_path])
    assert normalise("A long enough article text.\nThe End\nx\n", rules).text == "A long enough article text.\n"
    long_tail = "Short.\nThe End\n" + "y" * 60 + "\n"
    assert normalise(long_tail, rules).text == long_tail


# --- the built-in fixes ------------------------------------------------------------------------

def test_ftfy_fix_is_explained_as_named_changes():
    text = "The Taliban\u00e2\u0080\u0099s takeover of Kabul\n"
    res = normalise(text, RULES)
    assert res.text == "The Taliban\u2019s takeover of Kabul\n"
    assert len(res.changes) == 1
    c = res.changes[0]
    assert c.rule.startswith("ftfy.") and c.before == "\u00e2\u0080\u0099" and c.after == "\u2019"
    assert text[c.start:c.end] == c.before


def test_html_entities_and_nfc_and_crlf():
    text = "AT&amp;T\r\nCafe\u0301 open\r\n"
    res = normalise(text, RULES)
    assert res.text == "AT&T\nCaf\u00e9 open\n"
    rules = {c.rule for c in res.changes}
    assert "space.line-breaks" in rules and "unicode.nfc" in rules
    assert any(r.startswith("ftfy.") for r in rules)
    assert apply_changes(text, res.changes) == res.text


def test_curly_quotes_are_kept():
    text = "\u201cWords are good,\u201d he said.\n"
    assert normalise(text, RULES).changes == ()


def test_empty_and_blank_text():
    assert normalise("", RULES)[:2] == ("", ())  # text, changes (info is empty)
    assert normalise("\n\n", RULES).text == ""


def test_skip_switches_a_rule_off():
    cfg = Config.load(skip=["boilerplate.source-link"])
    assert normalise("Text.\nSource link\n", cfg.rules).text == "Text.\nSource link\n"
    cfg = Config.load(only=["boilerplate"])
    res = normalise("Text.  More.\nSource link\n", cfg.rules)
    assert res.text == "Text.  More.\n"


@pytest.mark.parametrize("body,needle", [
    ('[[rule]]\nid = "b.x"\nstage = "normalise"\nkind = "line"\npattern = "[unclosed"\n', "does not compile"),
    ('[[rule]]\nid = "b.x"\nstage = "normalise"\nkind = "line"\n', "needs a string 'pattern'"),
    ('[[rule]]\nid = "b.x"\nstage = "normalise"\nkind = "replace"\npattern = "x"\n', "needs 'replace'"),
    ('[[rule]]\nid = "b.x"\nstage = "normalise"\nkind = "replace"\npattern = "x"\nreplace = ""\nflags = "q"\n',
     "unknown regex flag"),
    ('[[rule]]\nid = "b.x"\nstage = "normalise"\nkind = "builtin"\nbuiltin = "magic"\n', "builtin must be one of"),
])
def test_bad_normalise_rules_name_file_and_rule(tmp_path: Path, body: str, needle: str):
    (tmp_path / "bad.toml").write_text(body, encoding="utf-8")
    with pytest.raises(RuleError) as e:
        Config.load([tmp_path])
    msg = str(e.value)
    assert needle in msg and "bad.toml" in msg and "b.x" in msg and "\n" not in msg


# --- property: a tail heading anywhere never takes article paragraphs ------------------------


_WORD = st.sampled_from(["the", "minister", "said", "on", "Sunday", "talks", "would", "resume", "in", "Doha",
                         "after", "a", "week", "of", "border", "closures", "and", "protests", "officials"])
_CLAUSE = "according to several officials who spoke on condition of anonymity because they were not authorised to brief reporters, "
_PARAGRAPH = st.lists(_WORD, min_size=45, max_size=60).map(lambda ws: (_CLAUSE + " ".join(ws)).capitalize() + ".")
_HEADING = st.sampled_from(["Leave a Reply", "Leave a Comment", "Related Articles", "Related Posts",
                            "You may also like"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_PARAGRAPH, min_size=1, max_size=6), st.lists(st.tuples(st.integers(0, 6), _HEADING), max_size=3),
       st.sampled_from(["\n", "\n\n"]))
def test_tail_headings_anywhere_never_take_paragraphs(paragraphs, headings, gap):
    """Paragraphs longer than a tail line may be are never removed, wherever headings sit."""
    assert all(len(p) > 200 for p in paragraphs)
    lines = list(paragraphs)
    for pos, heading in sorted(headings, reverse=True):
        lines.insert(min(pos, len(lines)), heading)
    text = gap.join(lines) + "\n"
    out = normalise(text, RULES).text
    for p in paragraphs:
        assert p in out
    for _, heading in headings:
        assert heading not in out.splitlines()


_PIECES = ["The State Department said.", "[ad_1]", "Source link", "Related Articles", "Leave a Reply", "a  b",
           "x\u00a0y", "Caf\u00c3\u00a9", "\r\n", "\n", "\n\n\n", " \t", "\u200b", "AT&amp;T", "Tags: Kabul",
           "It\u2019s \u201cdone\u201d", "\u00c0\u00a0\u20ac", "Share this:", "\t", "  "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_passes_left_idle_are_not_run_again_and_nothing_changes(pieces):
    """normalise skips a pass on the very text it left unchanged; every pass run every round gives the same."""
    from repair.model import compose
    from repair.stages import normalise as N

    text = "".join(pieces)
    compiled = RULES.compiled(N.STAGE, N.compile_rules)
    changes, cur = [], text
    for _ in range(N._MAX_ROUNDS):
        start = cur
        for p in compiled.passes:
            res = p(cur)
            if res.changes:
                changes = compose(text, changes, cur, res.changes).changes
                cur = res.text
        if cur == start:
            break
    got = normalise(text, RULES)
    assert (got.text, got.changes) == (cur, tuple(changes))


def test_replace_pass_windowed_scan_finds_what_finditer_finds():
    # space.runs is tried only where its literal ("  ") starts: the same matches as a scan of the whole text
    import re as _re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from repair.scan.prefilter import Prefilter, literal_starts_run
    from repair.scan.windows import finditer as windowed
    from repair.stages.normalise import _spots

    patterns = [r"(?<=\S) {2,}(?=\S)", r" {2,}", r"\b {3,}", r"(?<=a)b{2,}c?"]
    compiled = [(rx, Prefilter.of(rx)) for rx in map(_re.compile, patterns)]
    assert all(literal_starts_run(rx, pf) for rx, pf in compiled)

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=" ab\nxc\t", max_size=60))
    def check(text):
        for rx, pf in compiled:
            got = [m.span() for m in windowed(rx, text, _spots(pf.cover, text), None, 0)]
            assert got == [m.span() for m in rx.finditer(text)]

    check()


def test_nfc_plain_ranges_hold_no_character_nfc_joins_to_the_one_before():
    """The characters NFC may join to the one before them, without being combining marks: the second of a
    canonical pair (Python's own tables) and the Hangul vowels and final consonants (composed by rule)."""
    import unicodedata

    from repair.stages.normalise import _NFC_PLAIN_RANGES

    joining = {chr(c) for c in [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]}
    for cp in range(0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(d.split()) == 2:
            joining.add(chr(int(d.split()[1], 16)))
    inside = [c for c in joining if not unicodedata.combining(c) and any(lo <= c < hi for lo, hi in _NFC_PLAIN_RANGES)]
    assert inside == [] and "\u09be" in joining


# ASCII, plain characters beyond it, combining marks, ones NFC replaces (the ohm and angstrom signs, an en quad, a
# Greek ano teleia, a CJK compatibility ideograph), ones NFC joins to the one before (a Hangul vowel after a
# leading consonant, a Bengali vowel sign after its vowel), and a lone surrogate
_NFC_TEXT = st.lists(st.sampled_from(["a", "e", " ", "’", "—", "é", "\u0301", "\u0327", "\u2126", "\u212b", "\u2000",
                                      "\u0387", "\uf900", "\u1100", "\u1161", "\u09c7", "\u09be", "\u00a0", "ж", "€",
                                      "\ud800", "\u1e9b", "\u0340"]), max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(_NFC_TEXT)
def test_nfc_test_as_unicodedata(text):
    import unicodedata

    from repair.stages import normalise as N

    N._NFC_PLAIN.clear()  # the first look at each character, then the set
    assert N._is_nfc(text) is unicodedata.is_normalized("NFC", text)
    assert N._is_nfc(text) is unicodedata.is_normalized("NFC", text)
