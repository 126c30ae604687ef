"""match: spun names resolve to gazetteer terms through word swaps; real names stay."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import repair.stages.match as M
from repair.errors import RuleError
from repair.rules import load_rules
from repair.stages.match import match

RULES = load_rules()


def pairs(text: str, **kw) -> list[tuple[str, str]]:
    return [(c.before, c.after) for c in match(text, RULES, **kw).changes]


@pytest.mark.parametrize("spun,canonical", [
    ("Nationwide Safety Company", "National Security Agency"),
    ("Protection Division", "Defense Department"),
    ("Division of Homeland Safety", "Department of Homeland Security"),
    ("Worldwide Financial Fund", "International Monetary Fund"),
    ("Facilities for Illness Management and Prevention", "Centers for Disease Control and Prevention"),
    ("Hamid Karzai Worldwide Airport", "Hamid Karzai International Airport"),
])
def test_unseen_spun_names_resolve(spun, canonical):
    assert pairs(f"Officials at the {spun} said so.") == [(spun, canonical)]


def test_fuzzy_variant_of_a_term_resolves():
    got = match("a Facilities for Illness Management & Prevention report", RULES).changes
    assert [(c.after) for c in got] == ["Centers for Disease Control and Prevention"]
    assert got[0].confidence < 0.9  # fuzzy is less sure than exact


@pytest.mark.parametrize("text", [
    "The National Safety Council and the Nationwide Building Society agreed.",
    "The Environmental Protection Agency met at the Home Office.",
    "Officials at the National Security Agency said so.",
    "He lives on Division Street.",
])
def test_real_names_are_left_alone(text):
    assert pairs(text) == []


@pytest.mark.parametrize("text,names", [
    ("the results Protection Secretary of Protection Secretary the inquiry", ["Defense Secretary"] * 2),
    ("the results State Division of State Division the inquiry", ["State Department"] * 2),
])
def test_two_names_in_one_run_are_both_restored_without_overlap(text, names):
    # "Secretary of Protection" (a real name, three words) straddled both: the first name was left
    # half-restored, or two proposals overlapped, and a second run restored the rest (issue 11)
    got = match(text, RULES).changes
    assert [c.after for c in got] == names
    assert all(a.end <= b.start for a, b in zip(got, got[1:], strict=False))


def test_one_swap_in_an_unspun_document_is_flagged_not_applied():
    spun = match("the New York Instances reported", RULES, spin_score=0.9).changes
    calm = match("the New York Instances reported", RULES, spin_score=0.1).changes
    assert spun[0].confidence >= 0.8 > calm[0].confidence
    # two swaps landing on a real name are evidence enough on their own
    assert match("the Nationwide Safety Company", RULES, spin_score=0.0).changes[0].confidence >= 0.8


def test_no_candidates_no_work():
    assert match("", RULES).changes == ()
    assert match("plain words only", RULES).changes == ()


def test_bad_match_rule(tmp_path: Path):
    (tmp_path / "g.toml").write_text('[[rule]]\nid = "x.s"\nstage = "match"\nkind = "substitutions"\nentries = [["a"]]\n')
    with pytest.raises(RuleError, match="g.toml: rule 'x.s'"):
        match("A", load_rules([tmp_path]))


def _window_in_full(text: str, start: int, end: int) -> list:
    """The window of name words around [start, end) with every token within REACH characters read first."""
    left = M._tokens(text, max(0, start - M.REACH), start)
    right = M._tokens(text, end, min(len(text), end + M.REACH))
    return (M._run(text, reversed(left), start, True)[0][::-1] + M._tokens(text, start, end)
            + M._run(text, right, end, False)[0])


_NAMEISH = ["State", "Department", "of", "the", "and", "&", "U.S.", "U.S.-based", "Washington", "O’Neil", "de",
            "New", "York", "Times", "said", "a", "-", ".", ",", " ", "  ", "\n", "9", "A9b", "x.y", "Mc-Donald's"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NAMEISH), min_size=1, max_size=60), st.data())
def test_window_reads_near_first_and_finds_what_the_full_reach_finds(parts, data):
    text = "".join(p if p in (" ", "  ", "\n", "-", ".", ",") else p + " " for p in parts)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 12)))
    assert M._window(text, start, end) == _window_in_full(text, start, end)


# --- the per-window shortcuts of _restore and _variants, held to the plain forms they replaced ----------------

def _variants_plain(g, words):
    """Every slot one word (or swapped words), the product over all of them: what _variants shortens."""
    import itertools

    slots, i = [], 0
    while i < len(words):
        for n in range(min(g.max_sub_words, len(words) - i), 0, -1):
            key = " ".join(words[i:i + n])
            if key in g.subs:
                slots.append([(key, 0, 1.0, "")] + [(c, 1, conf, rid) for c, rid, conf in g.subs[key]])
                i += n
                break
        else:
            slots.append([(words[i], 0, 1.0, "")])
            i += 1
    out = []
    for combo in itertools.islice(itertools.product(*slots), M.MAX_VARIANTS):
        swaps = sum(c[1] for c in combo)
        if swaps:
            out.append((" ".join(c[0] for c in combo), swaps, min(c[2] for c in combo),
                        next(c[3] for c in combo if c[1])))
    return out


def _restore_plain(g, text, start, stop, spots, min_score, free_from):
    """_restore as it read before: offsets found by scanning the window, sub-windows tried anew."""
    win = M._window(text, start, stop)
    if not win or " ".join(w for _, _, w in win).casefold() in g.terms:
        return []
    ranges = []
    for s, t in spots:
        if s < max(start, free_from) or t > win[-1][1]:
            continue
        lo = next((k for k, tok in enumerate(win) if tok[0] >= s), len(win))
        hi = max((k for k, tok in enumerate(win) if tok[1] <= t), default=-1) + 1
        if lo >= hi or win[lo][0] != s or win[hi - 1][1] != t:
            continue
        if any(" ".join(w for _, _, w in win[i:j]).casefold() in g.terms
               for i in range(0, lo + 1) for j in range(hi, len(win) + 1)):
            continue
        if (lo, hi) not in ranges:
            ranges.append((lo, hi))
    words = [w for _, _, w in win]
    name = [M._is_name_word(w) for w in words]
    found = {}
    for lo, hi in ranges:
        for i in range(0, lo + 1):
            if win[i][0] < free_from:
                continue
            for j in range(hi, len(win) + 1):
                if (i, j) not in found:
                    best = M._best_restoration(g, win, i, j, min_score, words, name)
                    if best is not None:
                        found[i, j] = best
    return M._most_restored(found, ranges)


_GAZ = M.with_swaps(M.compile_rules(RULES), [("Purple", "Red", 0.8), ("Bull Ring", "Red Bull", 0.7)], "learned")
_SPUN_WORDS = ["Nationwide", "Safety", "Company", "Division", "Protection", "Homeland", "State", "of", "the", "Purple",
               "Bull", "Ring", "National", "Security", "Council", "and", "Worldwide", "Financial", "Fund", "said",
               "Department", "&", "New", "York", "Instances", ",", "-"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SPUN_WORDS), min_size=1, max_size=10))
def test_variants_are_the_plain_products(words):
    assert M._variants(_GAZ, words) == _variants_plain(_GAZ, words)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SPUN_WORDS), min_size=1, max_size=24), st.integers(0, 40))
def test_restore_finds_what_the_plain_form_finds(words, free_from):
    text = " ".join(words)
    g = _GAZ
    spots = [(start, stop) for _, start, stop in g.automaton.find(text)]
    spots = [(a, b) for a, b in spots if not ((a > 0 and text[a - 1].isalnum()) or (b < len(text) and text[b].isalnum()))]
    for a, b in spots:
        assert M._restore(g, text, a, b, spots, 92.0, free_from) == _restore_plain(g, text, a, b, spots, 92.0, free_from)
