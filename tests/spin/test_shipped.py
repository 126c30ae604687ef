"""The data shipped under rules/spin-model/: loads, is small, holds mappings and counts only."""

from __future__ import annotations

import json

from repair.spin.analyse import SpinModel
from repair.spin.classify import FEATURES_LM, FEATURES_NOLM, Classifier
from repair.spin.decode import FEATURES_LM as PROP_LM
from repair.spin.decode import FEATURES_NOLM as PROP_NOLM
from repair.spin.decode import Calibration
from repair.spin.table import RULES_DIR, Tables


def test_tables_hold_short_mappings_only():
    tables = Tables.load(RULES_DIR)
    assert {"okay", "thesaurus"} <= set(tables)
    okay = tables["okay"]
    assert len(okay) > 500 and okay.pairs > 20
    for t in tables.values():
        for k, e in t.entries.items():
            assert 1 <= len(k.split(" ")) <= 3, k
            assert all(1 <= len(o.split(" ")) <= 3 for o in e.to), k
            assert e.source in ("learned", "inflected")
    # the okay spinner's best-known substitution is in it, cased down
    assert "said" in okay.lookup("stated").to


def test_weights_match_their_features():
    cal = Calibration.load(RULES_DIR / "calibration.json")
    clf = Classifier.load(RULES_DIR / "classifier.json")
    assert len(cal.nolm) == len(PROP_NOLM) and (not cal.lm or len(cal.lm) == len(PROP_LM))
    assert len(clf.nolm) == len(FEATURES_NOLM) and (not clf.lm or len(clf.lm) == len(FEATURES_LM))
    meta = json.loads((RULES_DIR / "calibration.json").read_text())["meta"]
    assert meta["proposals"] > 100


def test_rules_only_path_on_an_invented_spun_text():
    m = SpinModel.load(use_model=False)
    spun = ("The metropolis council stated on Monday that the purple bridge will reopen within weeks. "
            "Officials mentioned the groups would additionally meet again subsequent yr.")
    r = m.analyse(spun)
    assert r.path == "rules-only" and r.spin_score >= 0.5 and r.family == "okay"
    assert any(c.before == "stated" and c.after == "said" for c in r.changes)
    plain = "The council said on Monday that the red bridge will reopen in weeks, officials said."
    assert m.analyse(plain).spin_score < 0.5
