"""Speed shortcuts that must change no output: compose for changes clear of rewritten spans; JSON lines by orjson."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair import model
from repair.model import Change, apply_changes, compose


@st.composite
def _case(draw):
    source = draw(st.text(alphabet="ab c\n", min_size=0, max_size=40))
    prior, pos = [], 0
    while pos <= len(source) and draw(st.booleans()):
        s = draw(st.integers(pos, len(source)))
        e = draw(st.integers(s, min(len(source), s + 4)))
        after = draw(st.text(alphabet="xy", max_size=3))
        if (s, e) != (s, s) or after:
            prior.append(Change("normalise", "p", s, e, source[s:e], after, 1.0, True))
        pos = e + 1
    current = apply_changes(source, prior)
    new = []
    for _ in range(draw(st.integers(0, 8))):
        s = draw(st.integers(0, len(current)))
        e = draw(st.integers(s, min(len(current), s + 5)))
        new.append(Change("emit", f"n{len(new)}", s, e, current[s:e], draw(st.text(alphabet="zw", max_size=3)),
                          draw(st.sampled_from([0.5, 0.9])), draw(st.booleans())))
    return source, prior, current, new


@st.composite
def _clear_case(draw):
    """A case the bulk path takes more often: longer texts, prior changes apart, new changes in order and
    apart, mostly clear of the prior ones (and now and then a current text the prior ones do not describe)."""
    source = draw(st.text(alphabet="ab c\n", min_size=10, max_size=80))
    prior, pos = [], draw(st.integers(0, 8))
    while pos <= len(source) and draw(st.integers(0, 4)):
        s = draw(st.integers(pos, min(len(source), pos + 10)))
        e = draw(st.integers(s, min(len(source), s + 3)))
        after = draw(st.text(alphabet="xy", max_size=3))
        if (s, e) != (s, s) or after:
            prior.append(Change("normalise", "p", s, e, source[s:e], after, 1.0, True))
        pos = e + draw(st.integers(1, 12))
    current = apply_changes(source, prior)
    m = model._Map(prior)
    near = {p for a, b in zip(m.cur_start, m.cur_end, strict=True) for p in range(a, b + 1)}  # touching a prior change
    touch = draw(st.integers(0, 3)) == 0
    new, pos = [], 0
    while pos <= len(current) and draw(st.integers(0, 8)):
        s = draw(st.integers(pos, min(len(current), pos + 6)))
        e = draw(st.integers(s, min(len(current), s + 3)))
        pos = e + draw(st.integers(0, 2))
        if touch or not near & set(range(s, e + 1)):
            new.append(Change("emit", f"n{len(new)}", s, e, current[s:e], draw(st.text(alphabet="zw", max_size=3)),
                              draw(st.sampled_from([0.5, 0.9])), draw(st.booleans())))
    if draw(st.integers(0, 9)) == 0 and current:
        i = draw(st.integers(0, len(current) - 1))
        current = current[:i] + "q" + current[i + 1:]
        new = [n for n in new if n.end <= i or n.start > i]
    return source, prior, current, new


def _general(source, prior, current, new, fuse=True):
    """compose with its shortcuts (the bulk path and the one-change one) turned off."""
    bulk, one = model._Composition.in_bulk, model._Composition._add_isolated
    model._Composition.in_bulk = lambda self, *a: None
    model._Composition._add_isolated = lambda self, n: False
    try:
        return compose(source, prior, current, new, fuse=fuse)
    finally:
        model._Composition.in_bulk, model._Composition._add_isolated = bulk, one


@settings(max_examples=800, deadline=None)
@given(_case() | _clear_case(), st.booleans())
def test_isolated_shortcut_matches_the_general_path(monkeypatch_free_case, fuse):
    source, prior, current, new = monkeypatch_free_case
    fast = compose(source, prior, current, new, fuse=fuse)
    slow = _general(source, prior, current, new, fuse=fuse)
    assert fast.changes == slow.changes
    assert fast.skipped == slow.skipped
    assert [c.before for c in fast.changes] == [c.before for c in slow.changes]


def test_bulk_path_is_taken():
    """The property above must test the bulk path, not only the general one."""
    source, n1 = "ab  cd e", Change("normalise", "space", 2, 4, "  ", " ")
    current = apply_changes(source, [n1])
    new = [Change("emit", "x", 0, 1, "a", "A"), Change("emit", "y", 4, 5, "d", "D", 0.5, False),
           Change("emit", "z", 6, 7, "e", "E")]
    composition = model._Composition(source, [n1])
    done = composition.in_bulk(new, [0, 4, 6], [1, 5, 7], current, True)
    assert done is not None and done == _general(source, [n1], current, new)
    assert [(c.start, c.end) for c in done.changes] == [(0, 1), (2, 4), (5, 6), (7, 8)]


# --- JSON lines by orjson: the same bytes as json.dumps ------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8")) | st.text(max_size=3)
    | st.dates() | st.datetimes() | st.decimals(allow_nan=False) | st.binary(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.integers(0, 3), inner, max_size=2),
    max_leaves=20)


@settings(max_examples=500, deadline=None)
@given(JSONISH, st.floats() | st.integers(-(2 ** 70), 2 ** 70))
def test_orjson_lines_are_json_lines(value, number):
    from repair.writers import _json_dumps, dumps

    for rec in ({"v": value}, {"n": number, "v": [number, value]}, {"text": f"a:{number}", "n": None}):
        try:
            expected = _json_dumps(rec)
        except (TypeError, ValueError) as e:
            with pytest.raises(type(e)):
                dumps(rec)
            continue
        assert dumps(rec) == expected


# --- emit's choice: runs of overlapping proposals by the greedy pass, the rest in bulk --------------

@st.composite
def _proposals(draw, text="abcdefghijklmnopqrstuvwxyz" * 2):
    out = []
    for _ in range(draw(st.integers(0, 14))):
        s = draw(st.integers(0, len(text)))
        e = draw(st.integers(s, min(len(text), s + draw(st.sampled_from([0, 1, 2, 4, 9])))))
        after = text[s:e] if draw(st.integers(0, 6)) == 0 else draw(st.sampled_from(["X", "", "yy"]))
        conf = draw(st.sampled_from([0.5, 0.9, 0.95, float("nan")] if draw(st.integers(0, 20)) == 0 else [0.5, 0.9]))
        out.append(Change("detect", draw(st.sampled_from(["a", "b"])), s, e, text[s:e], after, conf, False))
    if out and draw(st.booleans()):  # the same proposal twice
        out.append(out[draw(st.integers(0, len(out) - 1))])
    if out and draw(st.integers(0, 20)) == 0:  # a span that ends before it starts
        c = out[0]
        out[0] = Change(c.stage, c.rule, c.end + 1, c.start, "", "z", c.confidence, False)
    return out


@settings(max_examples=1500, deadline=None)
@given(_proposals() | _proposals("abcdef"))  # a short text: many proposals of one start, or one span
def test_choose_matches_the_greedy_pass_over_all(props):
    from collections import Counter
    from itertools import compress

    from repair.stages import emit

    kept, skipped = emit.choose(props)
    ranked = sorted(props, key=emit._rank)
    ref_skipped: Counter = Counter()
    ref_kept = sorted(compress(ranked, emit._greedy(ranked, ref_skipped)), key=emit._SPAN)
    assert [id(c) for c in kept] == [id(c) for c in ref_kept]
    assert list(skipped.items()) == list(ref_skipped.items())  # the keys in the same order too


# --- a record's confidence: round(c, 4), the usual ones kept -----------------------------------------

@settings(max_examples=500, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3) | st.booleans()
                | st.sampled_from([0.0, -0.0, 0.5, 0.95, 1.0, 0.123456789]), max_size=8))
def test_rounded_confidence_is_round_of_it(values):
    import json
    import math

    for x in values + values:  # twice: the second time from what was kept
        r, ref = model._round4(x), round(float(x), 4)
        assert json.dumps(r) == json.dumps(ref)
        assert type(r) is float and (math.isnan(r) or math.copysign(1, r) == math.copysign(1, ref))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3) | st.booleans()
                          | st.sampled_from([0.0, -0.0, 0.00004, 0.5, 0.95, 1.0, 0.123456789]),
                          st.booleans(), st.booleans()), max_size=8))
def test_changes_json_is_each_changes_to_json(specs):
    """A record's changes written in one comprehension: each as its to_json writes it (keys in the same order,
    the same rounding and sign), a change with a note too."""
    import json

    from repair.model import Note, changes_json

    fixed = [(-0.0, True, False), (0.0, True, False), (0.00004, False, False), (float("nan"), True, False)]
    changes = [Change("emit", f"r{i}", i, i + 1, "a", "b", conf, applied, Note("m") if noted else None)
               for i, (conf, applied, noted) in enumerate(fixed + specs)]
    for _ in range(2):  # the second time with the confidences kept by the first
        ref = [dict(c.to_json(), confidence=round(float(c.confidence), 4)) for c in changes]  # (the rounding as such)
        assert json.dumps(changes_json(changes)) == json.dumps(ref)


# --- a Change built as a draft, then given its class -------------------------------------------------

def test_change_built_fast_is_a_frozen_change_like_any_other():
    import copy
    import dataclasses
    import pickle

    from repair.model import Note, change

    note = Note("m", "c", "t", ("r",))
    args = ("emit", "r", 3, 5, "ab", "cd", 0.9, False, note)
    ref = Change(*args)
    for c in (change(*args), change(*args[:6]), Change(*args[:6]), change(**dict(zip(
            ("stage", "rule", "start", "end", "before", "after", "confidence", "applied", "note"), args, strict=True)))):
        assert type(c) is Change and not hasattr(c, "__dict__")
        assert [getattr(c, f.name) for f in dataclasses.fields(c)] == [*args[:6], *(args[6:] if c.note else (1.0, True, None))]
        with pytest.raises(dataclasses.FrozenInstanceError):
            c.start = 0  # type: ignore[misc]
        assert pickle.loads(pickle.dumps(c)) == c == copy.copy(c) == dataclasses.replace(c)
    assert change(*args) == ref and hash(change(*args)) == hash(ref) and repr(change(*args)) == repr(ref)
    assert Change("s", "r", 0, 1, "a", "b") == change("s", "r", 0, 1, "a", "b") != change("s", "r", 0, 1, "a", "c")
    assert Change("s", "r", 0, 1, "a", "b").confidence == 1.0 and Change("s", "r", 0, 1, "a", "b").applied is True


# --- replay: the checks in bulk, the same answer and the same error ----------------------------------

def _spans(text, data, most, wild_every):
    """Up to ``most`` (start, end, before) drawn for changes of ``text``: now and then (one in ``wild_every``)
    a span outside the text or backwards, and now and then a ``before`` that is not the text's."""
    out = []
    for _ in range(data.draw(st.integers(0, most))):
        wild = data.draw(st.integers(0, wild_every)) == 0
        s = data.draw(st.integers(-2, len(text) + 1) if wild else st.integers(0, len(text)))
        e = data.draw(st.integers(s - 1, len(text) + 2) if wild else st.integers(s, min(len(text), s + 3)))
        before = text[max(s, 0):max(e, 0)] if data.draw(st.integers(0, 5)) else data.draw(st.text("ab", max_size=2))
        out.append((s, e, before))
    return out


def _replay_one_by_one(text, changes):
    """apply_changes as it was: sort, then test and join change by change."""
    from repair.errors import ReplayError

    out = sorted((c for c in changes if c.applied), key=lambda c: (c.start, c.end))
    parts, pos, prev_end = [], 0, 0
    for c in out:
        if c.start < 0 or c.end < c.start or c.end > len(text):
            raise ReplayError(f"change {c.rule} span {c.start}-{c.end} is outside a text of {len(text)} characters")
        if text[c.start:c.end] != c.before:
            raise ReplayError(
                f"change {c.rule} at {c.start}-{c.end} expects {c.before!r} but the text has {text[c.start:c.end]!r}")
        if c.start < prev_end:
            raise ReplayError(f"change {c.rule} at {c.start}-{c.end} overlaps the change before it (ends at {prev_end})")
        prev_end = max(prev_end, c.end)
        parts += [text[pos:c.start], c.after]
        pos = c.end
    return "".join(parts + [text[pos:]])


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet="ab \u00e9\u2019", max_size=20), st.data())
def test_apply_changes_answers_as_the_one_by_one_replay(text, data):
    changes = [Change("s", f"r{i}", s, e, before, data.draw(st.text("xy", max_size=2)), 1.0,
                      data.draw(st.integers(0, 4)) > 0) for i, (s, e, before) in enumerate(_spans(text, data, 6, 7))]
    try:
        ref = _replay_one_by_one(text, changes)
    except Exception as e:  # noqa: BLE001 - the same exception, with the same message, is expected
        with pytest.raises(type(e)) as got:
            apply_changes(text, changes)
        assert str(got.value) == str(e)
    else:
        assert apply_changes(text, changes) == ref


@settings(max_examples=800, deadline=None)
@given(st.text("ab", max_size=8), st.data())
def test_laid_in_order_is_the_bulk_tests_together(text, data):
    from itertools import islice
    from operator import lt

    changes = [Change("s", f"r{i}", s, e, before, "x") for i, (s, e, before) in enumerate(_spans(text, data, 5, 5))]
    starts, ends = [c.start for c in changes], [c.end for c in changes]
    rising = all(map(lt, starts, islice(starts, 1, None)))
    expected = (starts, ends) if rising and (not changes or (
        model._laid_out(len(text), starts, ends) and model._holds(text, changes, starts, ends))) else None
    assert model._laid_in_order(text, changes) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 3), st.booleans(), st.sampled_from([0.5, 1.0])),
                max_size=6), st.integers(-5, 5))
def test_moved_changes_are_shifted_ones(specs, delta):
    import dataclasses

    from repair.model import Note

    changes = [Change("s", f"r{i}", s, s + n, "a" * n, "b", conf, applied, Note("m") if applied else None)
               for i, (s, n, applied, conf) in enumerate(specs)]
    moved = model._moved(changes, delta)
    assert moved == [c.shifted(delta) for c in changes]
    assert all(type(c) is Change for c in moved)
    if moved:
        with pytest.raises(dataclasses.FrozenInstanceError):
            moved[0].start = 3  # type: ignore[misc]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.5, 0.8, 0.95, float("nan")]), st.booleans(), st.booleans()), max_size=6),
       st.sampled_from([0.5, 0.8, 0.9]))
def test_decided_is_each_change_with_applied_set_by_the_threshold(specs, threshold):
    from repair.model import Note, change, decided

    changes = [Change("s", f"r{i}", i, i + 1, "a", "b", conf, applied, Note("m") if noted else None)
               for i, (conf, applied, noted) in enumerate(specs)]
    plain = [c if c.applied is (c.confidence >= threshold) and c.note is None else
             change(c.stage, c.rule, c.start, c.end, c.before, c.after, c.confidence, c.confidence >= threshold)
             for c in changes]
    got = decided(changes, threshold)
    assert [id(c) for c in got if any(c is o for o in changes)] == [id(c) for c in plain if any(c is o for o in changes)]
    assert [repr(c) for c in got] == [repr(c) for c in plain]  # (repr: a NaN confidence is equal to no other)
    assert all(type(c) is Change for c in got)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 6), st.integers(0, 2)), max_size=8))
def test_by_span_sorts_as_sorted(spans):
    changes = [Change("s", f"r{i}", s, s + n, "", "x") for i, (s, n) in enumerate(spans)]
    assert [id(c) for c in model._by_span(changes)] == [id(c) for c in model._sorted(changes)]
