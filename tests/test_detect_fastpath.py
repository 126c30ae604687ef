"""detect's shortcuts change nothing: scans skipped or narrowed by literals find what full scans find.

detect runs a pattern rule only where the literals every match contains occur (the scan gates of
repair/stages/detect_rules.py, from repair/scan/windows.py). These tests compare it with the same
rules scanned in full.
"""
from __future__ import annotations

import dataclasses
import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.rules import load_rules
from repair.scan.windows import ScanGate
from repair.stages import detect as D
from repair.stages.detect_rules import LOOK_BEHIND, Compiled, compile_rules


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[Compiled, Compiled]:
    """(as detect runs the built-in rules, the same with every literal shortcut off but ``needs``, and
    every entry checked as one of several)."""
    fast = compile_rules(load_rules())
    slow = dataclasses.replace(fast, gates=tuple(ScanGate(needs=g.needs) for g in fast.gates))
    slow.plain = (None,) * len(fast.plain)
    return fast, slow


@functools.lru_cache(maxsize=1)
def _pieces() -> list[str]:
    """Rule example inputs: text that holds the rules' literals and matches."""
    return sorted({ex.input for r in load_rules().for_stage("detect") for ex in r.examples})


def _key(hits: list[D._Hit]) -> list[tuple]:
    return [(h.start, h.end, h.entry.rule, h.entry.phrase, h.after) for h in hits]


_ODD = ["\u0130", "\u017f", "\u212a", "\u03a3", "\u00a0", "\u2009", "\u201c", "\u201d", "K", "Okay", "the the",
        "a a", " ", "\n", ". ", "Nineteen Nineties"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_ODD), st.integers(0, 10_000)), min_size=1, max_size=8))
def test_shortcuts_find_what_full_scans_find(parts):
    pieces = _pieces()
    text = "".join(p if isinstance(p, str) else pieces[p % len(pieces)] for p in parts)
    fast, slow = _compiled()
    assert _key(D._candidates(text, fast)) == _key(D._candidates(text, slow))


def test_shortcuts_on_the_rule_examples_upper_and_lower_case():
    fast, slow = _compiled()
    for text in _pieces():
        for t in (text, text.upper(), text.lower(), text.replace(" ", "\u00a0")):
            assert _key(D._candidates(t, fast)) == _key(D._candidates(t, slow)), t


def test_some_scans_are_narrowed():
    fast, _ = _compiled()
    assert sum(g.cover for g in fast.gates) >= 10
    assert any(g.width is not None for g in fast.gates)
    assert sum(e is not None for e in fast.plain) > len(fast.plain) / 2  # most strings are one plain entry


@functools.lru_cache(maxsize=1)
def _contexts() -> list:
    """Every distinct context condition of the built-in detect rules (patterns, builtins, entries)."""
    fast, _ = _compiled()
    found = {e.context for _, e in fast.patterns + fast.builtins if e.context is not None}
    found |= {e.context for k in fast.automaton.values for e in k.entries if e.context is not None}
    return sorted(found, key=repr)


def test_some_contexts_search_less_far_back():
    assert any(c.before_reach < LOOK_BEHIND or c.not_before_reach < LOOK_BEHIND for c in _contexts())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_ODD), st.integers(0, 10_000)), min_size=1, max_size=8), st.data())
def test_contexts_answer_as_when_searching_80_characters_back(parts, data):
    """A context's ``before``/``not_before`` search starts at its longest match back, not 80 characters
    back: the same answer at every place of the text."""
    pieces = _pieces()
    text = "".join(p if isinstance(p, str) else pieces[p % len(pieces)] for p in parts)
    starts = data.draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=10))
    for ctx in _contexts():
        full = dataclasses.replace(ctx, before_reach=LOOK_BEHIND, not_before_reach=LOOK_BEHIND)
        for s in starts:
            e = min(len(text), s + 3)
            assert ctx.ok(text, s, e) == full.ok(text, s, e), (ctx, text, s)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)), max_size=12),
       st.integers(0, 80), st.integers(0, 20))
def test_cover_holds_as_a_scan_of_the_spans_says(spans, s, n):
    """``_Cover.holds`` (the second look's "inside a folded-in repair" test) answers as the scan it replaced."""
    spans = [(a, a + k) for a, k in spans]
    e = s + n
    assert D._Cover(spans).holds(s, e) == any(a <= s and e <= b for a, b in spans)


_ENTRIES = [D.Entry(f"r{i}", "f", "x", None, 0.5, 1.0, "none", (), exact, None) for i, exact in enumerate((True, False))]


def _resolved(hits: list[D._Hit]) -> list[tuple]:
    return [(h.start, h.end, h.entry.rule, h.after, h.conf) for h in hits]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8), st.sampled_from(["ab", "b c", "", "ab c", None]),
                          st.sampled_from([0.2, 0.3, 0.9, 0.95]), st.integers(0, 1)), max_size=14))
def test_resolve_ranks_runs_of_overlapping_hits_as_one_ranking_of_all(specs):
    # spans of every length (none too), protecting and evidence-only hits, ties of rank, and repairs that merge
    # ("ab" over "a b" then "b c" over "b" share what they overlap on)
    text = "a b c " * 10
    hits = [D._Hit(s, s + n, _ENTRIES[k], after, conf) for s, n, after, conf, k in specs]
    expected = _resolved(D._resolve_ranked(hits, text))
    assert _resolved(D._resolve(hits, text)) == expected
    assert _resolved(D._resolve(list(reversed(hits)), text)) == _resolved(D._resolve_ranked(list(reversed(hits)), text))


def test_resolve_keeps_a_merged_repair_and_drops_the_outranked_one():
    text = "decrease than per week"
    a = D._Hit(0, 13, _ENTRIES[0], "less than", 0.9)  # "decrease than" -> "less than"
    b = D._Hit(9, 22, _ENTRIES[0], "than a week", 0.9)  # "than per week" -> "than a week"
    lone = D._Hit(14, 17, _ENTRIES[1], "for", 0.3)  # inside b, outranked (shorter, flagged)
    out = D._resolve([lone, a, b], text)
    assert _resolved(out) == [(0, 22, "r0", "less than a week", 0.9)]


def _texts_to_look_again_at() -> list[str]:
    """Spun texts whose repairs' output detect looks at: the seeds, the rule examples, and ones where
    a second look repairs more (a repair re-creating its phrase, a gate opening once tells are gone)."""
    from pathlib import Path

    seeds = sorted(p.read_text(encoding="utf-8") for p in (Path(__file__).parent.parent / "seeds").glob("*.txt"))
    return seeds + _pieces() + ["They shared tips on tips on how to cope.",
                                "Nato became weak after a lengthy course of, officials said.",
                                "Protection Secretary the the would dangle mentioned dangle"]


def test_a_look_again_without_a_possible_sure_repair_stops_as_weighing_it_would(monkeypatch):
    rules = load_rules()

    def changes() -> list[list[tuple]]:
        return [[(c.start, c.end, c.after, c.rule, c.confidence) for c in D.detect(t, rules).changes]
                for t in _texts_to_look_again_at()]

    weighed = []
    real = D._weighed
    monkeypatch.setattr(D, "_weighed", lambda hits, text, *words: weighed.append(text) or real(hits, text, *words))
    quick, quick_weighed = changes(), len(weighed)
    monkeypatch.setattr(D, "_could_repair", lambda hits, text: True)  # always weigh the repaired text
    monkeypatch.setattr(D, "_shut", lambda *a: False)
    weighed.clear()
    assert changes() == quick
    assert quick_weighed < len(weighed)  # the shortcut was taken


@pytest.mark.parametrize("assume, also", [
    (None, None), (None, D.Assume(True, "okay")), (D.Assume(True, "okay"), None), (D.Assume(False), None)])
def test_a_look_again_whose_gates_cannot_open_stops_as_weighing_it_would(monkeypatch, assume, also):
    rules = load_rules()

    def changes() -> list[list[tuple]]:
        return [[(c.start, c.end, c.after, c.rule, c.confidence)
                 for c in D.detect(t, rules, assume=assume, also=also).changes] for t in _texts_to_look_again_at()]

    shut = []
    real = D._shut
    monkeypatch.setattr(D, "_shut", lambda *a: shut.append(real(*a)) or shut[-1])
    quick = changes()
    assert True in shut  # the shortcut was taken
    monkeypatch.setattr(D, "_shut", lambda *a: False)  # weigh the repaired text whenever it could repair
    assert changes() == quick


@pytest.mark.parametrize("assume, also", [(None, None), (None, D.Assume(True, "okay")), (D.Assume(True, "thesaurus"), None)])
def test_gates_decided_once_per_gate_and_families_are_each_entry_s_own(assume, also):
    rules = load_rules()
    for text in _texts_to_look_again_at():
        hits, weights, _, words = D.evidence(text, rules)
        D._gate(hits, weights, words, assume, also)
        spun, family = D.score(weights, words) >= D.SPUN, D._family(weights)
        told = {h.entry.family for h in hits if h.entry.weight >= D.TELL_WEIGHT}
        if assume is not None:
            spun, family, told, weights = assume.spun, assume.family, {assume.family}, {}
        for h in hits:  # each hit's own decision, as the rules say it
            ok = D._gate_ok(h.entry, spun, family, weights, told, words) or (
                also is not None and D._gate_ok(h.entry, also.spun, also.family, {}, {also.family}))
            assert h.conf == (h.entry.confidence if ok else min(h.entry.confidence, D.FLAG_CAP)), (text[:40], h)
