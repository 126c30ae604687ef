"""The record contract: changes replay, compose onto the original, and invert."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.document import Document
from repair.errors import ReplayError
from repair.model import Change, apply_changes, compose, unapply


def test_apply_rejects_wrong_before():
    with pytest.raises(ReplayError, match="expects"):
        apply_changes("abc", [Change("s", "r", 0, 1, "x", "y")])


def test_apply_rejects_overlap():
    with pytest.raises(ReplayError, match="overlaps"):
        apply_changes("abcd", [Change("s", "r", 0, 2, "ab", ""), Change("s", "q", 1, 3, "bc", "")])


def test_flagged_changes_are_not_applied():
    c = Change("emit", "r", 0, 3, "abc", "xyz", 0.5, False)
    assert apply_changes("abc", [c]) == "abc"
    assert apply_changes("abc", [c], only_applied=False) == "xyz"


def test_compose_merges_a_change_inside_an_earlier_one():
    src = "Caf\u00c3\u00a9 x"
    first = [Change("normalise", "ftfy", 3, 5, "\u00c3\u00a9", "\u00e9")]
    cur = apply_changes(src, first)
    second = [Change("emit", "spell", 0, 4, "Caf\u00e9", "Coffee")]
    out = compose(src, first, cur, second).changes
    assert len(out) == 1 and out[0].rule == "ftfy+spell"
    assert apply_changes(src, out) == "Coffee x"


def test_compose_flagged_over_applied_is_skipped_with_reason():
    src = "a  b"
    first = [Change("normalise", "space", 1, 3, "  ", " ")]
    cur = apply_changes(src, first)
    res = compose(src, first, cur, [Change("detect", "x", 0, 3, "a b", "A B", 0.3, False)])
    assert [r for r, _ in res.skipped] == ["overlap"]
    assert res.changes == first


def test_compose_deletion_boundaries():
    src = "[ad]\nText here.\n"
    first = [Change("normalise", "ad", 0, 5, "[ad]\n", "")]
    cur = apply_changes(src, first)
    assert cur == "Text here.\n"
    res = compose(src, first, cur, [Change("emit", "t", 0, 4, "Text", "Body")]).changes
    assert [(c.start, c.end) for c in res] == [(0, 5), (5, 9)]
    assert apply_changes(src, res) == "Body here.\n"


def _random_changes(text, data, stage):
    """Draw non-overlapping random edits of ``text``."""
    n = len(text)
    cuts = sorted(set(data.draw(st.lists(st.integers(0, n), max_size=8))))
    changes = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):  # an odd last cut is left over
        after = data.draw(st.text(alphabet="xyz \n", max_size=4))
        applied = data.draw(st.booleans())
        if text[a:b] != after:
            changes.append(Change(stage, f"{stage}.r", a, b, text[a:b], after, 0.9, applied))
    return changes


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \n", max_size=30), st.data())
def test_compose_property(src, data):
    """Three stages of random edits: the composed list replays to the final text and inverts."""
    changes: list[Change] = []
    cur = src
    for stage in ("one", "two", "three"):
        new = _random_changes(cur, data, stage)
        res = compose(src, changes, cur, new)
        changes = res.changes
        applied_new = [c for c in new if c.applied]
        skipped_applied = [c for r, c in res.skipped if c.applied and c.stage == stage]
        if not skipped_applied:
            cur = apply_changes(cur, applied_new)
        else:
            cur = apply_changes(src, changes)
        # the contract: every change fits the source, none overlap, and they replay
        assert apply_changes(src, changes) == cur
        for c in changes:
            assert src[c.start:c.end] == c.before
        assert unapply(cur, changes) == src


def test_record_round_trip():
    d = Document.from_text("a  b", id="x")
    d.absorb(type("R", (), {})) if False else None
    from repair.model import StageResult
    d.absorb(StageResult("a b", (Change("normalise", "space", 1, 3, "  ", " "),)))
    rec = d.to_record()
    back = Document.from_record(rec)
    assert back.source == "a  b" and back.text == "a b" and back.changes == d.changes


def test_atomic_outputs_get_umask_permissions(tmp_path):
    """mkstemp creates 0600 files; outputs must get the mode any other program would give them."""
    import os
    import stat

    from repair.atomic import write_atomic

    mask = os.umask(0)
    os.umask(mask)
    write_atomic(tmp_path / "a.txt", "x")
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o666 & ~mask


def test_document_copy_is_independent():
    d = Document.from_text("a  b", id="x")
    d.pending.append(Change("detect", "r", 0, 1, "a", "A", 0.5, False))
    c = d.copy()
    c.pending.clear()
    c.skipped["overlap"] += 1
    assert len(d.pending) == 1 and not d.skipped and c.id == "x" and c.source == "a  b"
