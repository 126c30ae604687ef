from __future__ import annotations

import random

import pytest

from repair.model import apply_changes
from repair.spin.analyse import SpinModel
from repair.spin.calibrate import Collected, build, collect, fit_calibration, fit_classifier, label, reliability, synthesize
from repair.spin.classify import FEATURES_LM, FEATURES_NOLM, Classifier, doc_features
from repair.spin.decode import Calibration, decode, find_spans, score_spans, surface
from repair.spin.logistic import fit, predict
from repair.spin.table import Tables, learn_tables, spintax_table


def test_find_spans_longest_first_and_case():
    t = spintax_table(["tips on how|how", "on|at", "metropolis|city"])
    spans = find_spans("Tips on how to visit the Metropolis on foot.", t)
    assert [(s.before, s.key) for s in spans] == [("Tips on how", "tips on how"), ("Metropolis", "metropolis"),
                                                  ("on", "on")]


def test_surface_rejoins_punctuation():
    assert surface("half - time") == "half-time" and surface("it , too") == "it, too"


def test_decode_picks_the_candidate_the_model_prefers(fake):
    t = spintax_table(["{metropolis|city|town}"])
    (c,) = decode("The Metropolis grew.", t, fake)
    assert (c.before, c.after, c.applied, c.stage) == ("Metropolis", "City", False, "detect")
    assert c.rule == "learned.spintax"
    # the model saw the spun form and both candidates after the same left context
    left, conts = fake.calls[0]
    assert left == "The" and conts == (" Metropolis grew", " City grew", " Town grew")


def test_gain_feature_and_right_context(fake):
    t = learn_tables([__import__("repair.authoring.benchmark", fromlist=["Pair"]).Pair(
        "x", "okay", "A metropolis stated it.", "A city said it.")])["okay"]
    scored = score_spans("The metropolis grew in size.", find_spans("The metropolis grew in size.", t), fake)
    (s,) = scored
    assert s.after == "city" and s.gain == pytest.approx(4.0)  # +3 for "city" instead of -1
    assert fake.calls[-1][1][0] == " metropolis grew in size"  # three words of right context


def test_calibration_orders_confidence_by_gain(fake):
    t = spintax_table(["metropolis|city"])
    text = "The metropolis grew."
    (s,) = score_spans(text, find_spans(text, t), fake)
    cal = Calibration(lm=[-2.0, 1.0, 0, 0, 0, 0, 0, 0, 0])
    assert cal.confidence(s) == pytest.approx(predict(cal.lm, s.features))
    assert cal.confidence(s) > 0.85  # gain 4: sigmoid(2)


def test_logistic_fit_separates():
    x = [[1.0, v] for v in range(10)]
    y = [0] * 5 + [1] * 5
    w = fit(x, y, l2=0.1)
    assert predict(w, [1, 1]) < 0.2 and predict(w, [1, 8]) > 0.8


def test_label_counts_token_edits(pairs, fake):
    p = pairs[0]
    t = spintax_table(["metropolis|city", "council|assembly"])
    scored = score_spans(p.spun, find_spans(p.spun, t), fake)
    by = {s.span.before: label(p.spun, p.original, s) for s in scored}
    assert by == {"metropolis": 1, "council": 0}


def test_synthesize_spins_forward(pairs):
    t = learn_tables(pairs).merged()
    out = synthesize("The city team said it was ready.", t, random.Random(0), rate=1.0)
    assert "said" not in out and "city" not in out and out.startswith("The ")


def test_collect_and_fit_leave_one_out(pairs, fake):
    unpaired = [("okay", "The metropolis stated it within days.")]
    c = collect(pairs, unpaired, fake)
    assert len(c.prop_y) == len(c.prop_lm) == len(c.prop_nolm) > 0
    assert c.doc_kind.count("original") == 4 and c.doc_kind.count("unpaired") == 1
    cal = fit_calibration(c)
    clf = fit_classifier(c)
    assert len(cal.lm) == len(c.prop_lm[0]) and len(clf.lm) == len(c.doc_lm[0])
    rel = reliability([0.1, 0.95, 0.95], [0, 1, 1])
    assert rel[-1][2] == 2 and rel[-1][4] == 1.0


def test_collect_takes_the_rules_score_as_a_feature(pairs, fake):
    from repair.pipeline import Config

    rules = Config.load(model="off").rules
    spun = "The metropolis stated it grew. ISIS-Okay claimed the assault. " * 3
    original = spun.replace("metropolis", "city").replace("ISIS-Okay", "ISIS-K").replace("stated", "said")
    c = collect([*pairs, type(pairs[0])("p5", "okay", spun, original)], [], None, rules=rules)
    i = c.doc_kind.index("spun", 4 * 3)  # the fifth pair's spun text: the rules see its tells
    assert c.doc_nolm[i][FEATURES_NOLM.index("rules")] > 0.5
    assert all(row[FEATURES_NOLM.index("rules")] < 0.5 for row, k in zip(c.doc_nolm, c.doc_kind, strict=True)
               if k == "original")


def test_the_classifier_learns_model_features_as_the_first_pass_leaves_them():
    """A document the first pass calls clean has no candidate judged (analyse): its training row's
    judged-candidate features count as zero, whatever the model said when the row was collected."""
    c = Collected()
    for k in range(40):
        spun = k % 2 == 0
        dens = 2.0 + k / 20 if spun else k / 200  # originals: almost no table evidence
        c.doc_nolm.append([1.0, dens, dens, dens, 0.0])
        c.doc_lm.append([1.0, dens, dens, dens, 0.0, 1.0 if spun else 0.2, 0.5, 2.0 if spun else 1.2])
        c.doc_y.append(int(spun))
        c.doc_kind.append("spun" if spun else "original")
    clf = fit_classifier(c)
    low = [k for k, x in enumerate(c.doc_nolm) if predict(clf.nolm, x) < clf.prefilter]
    assert clf.lm and len(clf.lm) == len(FEATURES_LM) and low
    for k in low:
        c.doc_lm[k][FEATURES_LM.index("lm_wins")] = 99.0  # ignored: not judged below the first pass
        c.doc_lm[k][FEATURES_LM.index("lm_share")] = 1.0
    assert fit_classifier(c).lm == clf.lm
    c.doc_lm[low[0]][FEATURES_LM.index("lm_rare")] = 9.0  # the rate is read in every document: it counts
    assert fit_classifier(c).lm != clf.lm


def test_model_repairs_spun_text_and_leaves_clean_text(pairs, fake):
    tables, cal, clf, _ = build(pairs, [], fake, None)
    m = SpinModel(tables, Calibration(lm=[-3.0, 1.0, 0, 0, 0, 0, 0, 0, 0]), Classifier(), fake)
    spun = "The metropolis stated that the purple bus arrived within minutes."
    r = m.analyse(spun)
    assert r.path == "model" and r.spin_score >= 0.5 and r.family == "okay"
    assert apply_changes(spun, r.changes) == "The city said that the red bus arrived in minutes."
    clean = "The committee met on Tuesday to discuss the new school building in town."
    r2 = m.analyse(clean)
    assert r2.spin_score < 0.5 and apply_changes(clean, r2.changes) == clean


def test_nothing_applied_below_detection(fake):
    t = spintax_table(["metropolis|city"])
    long_clean = "The metropolis grew. " + "Plain words here without any table form at all. " * 20
    m = SpinModel(Tables(x=t), Calibration(lm=[5.0, 0, 0, 0, 0, 0, 0, 0, 0]), Classifier(), fake)
    r = m.analyse(long_clean)
    assert r.spin_score < 0.5 and r.changes and not any(c.applied for c in r.changes)


def test_empty_text(fake):
    m = SpinModel(Tables(x=spintax_table(["a|b"])), scorer=fake)
    r = m.analyse("")
    assert r.changes == [] and r.spin_score < 0.5
    assert doc_features([], 0)[1:3] == [0.0, 0.0]


def test_evaluate_scores_a_tiny_benchmark(pairs, fake):
    from repair.authoring.benchmark import auc
    from repair.spin.evaluate import evaluate

    assert auc([0.9, 0.8], [0.1, 0.8]) == 0.875 and auc([], [0.1]) is None
    tables, cal, clf, _ = build(pairs, [], fake, None)
    m = SpinModel(tables, Calibration(lm=[-3.0, 1.0, 0, 0, 0, 0, 0, 0, 0]), Classifier(), fake)
    from repair.authoring.benchmark import Pair

    test = [Pair("t", "okay", "The metropolis stated that the purple bus arrived within minutes.",
                 "The city said that the red bus arrived in minutes.")]
    r = evaluate(m, test, [("c", "The committee met on Tuesday in town.")])
    ok = r["families"]["okay"]
    assert ok["restoration"] == 1.0 and ok["fix_precision"] == 1.0 and ok["span_recall"] == 1.0
    assert r["clean"]["edits"] == 0 and ok["auc"] == 1.0


class _ByContext:
    """A stand-in model preferring each candidate over the spun form by a set number of nats, more
    after "bridge" than elsewhere (so one form's occurrences gain differently)."""

    name = "by-context"

    def __init__(self, prefer: dict[str, float]):
        self.prefer = prefer

    def score(self, left, continuations):
        lift = 2.0 if "bridge" in left else 1.0
        return [lift * self.prefer.get(c.split()[0].lower(), 0.0) for c in continuations]


def _feature(s, name):
    from repair.spin.decode import FEATURES_LM as NAMES

    return s.features[NAMES.index(name)]


def test_doc_gain_pools_a_forms_occurrences_in_the_document():
    t = spintax_table(["metropolis|city"])
    text = "The bridge to the metropolis reopened. Buses left the metropolis early."
    a, b = score_spans(text, find_spans(text, t), _ByContext({"city": 6.0}))
    assert (a.gain, b.gain) == (12.0, 6.0)  # each occurrence keeps its own gain
    assert _feature(a, "doc_gain") == _feature(b, "doc_gain") == 9.0  # and shares the document's mean
    alone = "Buses left the metropolis early."
    (c,) = score_spans(alone, find_spans(alone, t), _ByContext({"city": 6.0}))
    assert _feature(c, "doc_gain") == c.gain == 6.0


def test_margin_and_gain_hinges():
    from repair.spin.decode import LONE_MARGIN

    text = "Buses left the metropolis early."
    (s,) = score_spans(text, find_spans(text, spintax_table(["{metropolis|city|town}"])),
                       _ByContext({"city": 9.0, "town": 7.0}))
    assert s.after == "city" and s.gain == 9.0 and _feature(s, "margin") == 2.0  # beats "town" by 2
    assert (_feature(s, "gain_over_3"), _feature(s, "gain_over_8"), _feature(s, "gain_under_-3")) == (6.0, 1.0, 0.0)
    (lone,) = score_spans(text, find_spans(text, spintax_table(["metropolis|city"])), _ByContext({"city": -5.0}))
    assert _feature(lone, "margin") == LONE_MARGIN and _feature(lone, "gain_under_-3") == -2.0


def test_weights_fitted_over_other_features_are_refused(tmp_path):
    from repair.spin.table import TableError

    old = Calibration(lm=[0.0] * 9).to_json()
    old["features_lm"] = old["features_lm"][:9]  # a calibration from before the pooled features
    (tmp_path / "calibration.json").write_text(__import__("json").dumps(old), encoding="utf-8")
    with pytest.raises(TableError, match="calibration.json: fitted for other features_lm"):
        Calibration.load(tmp_path / "calibration.json")
    clf = Classifier().to_json()
    clf["features_nolm"] = ["bias"]
    (tmp_path / "classifier.json").write_text(__import__("json").dumps(clf), encoding="utf-8")
    with pytest.raises(TableError, match="classifier.json: fitted for other features_nolm"):
        Classifier.load(tmp_path / "classifier.json")
    assert Calibration.load().lm and Classifier.load().lm  # the shipped ones match this version
