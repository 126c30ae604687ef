"""The rare-word rate on the model path: read in every document, it can make a document spun that
carries no table evidence (a machine-translated article), and only then does the model judge its
candidates."""

from __future__ import annotations

from repair.spin.analyse import SpinModel
from repair.spin.classify import FEATURES_LM, FEATURES_NOLM, Classifier
from repair.spin.table import Tables, spintax_table

TEXT = "The committee met on Tuesday and agreed the budget. " * 6


class Reader:
    """A stand-in model: every word reads as ``nats`` surprising; candidates score flat."""

    name = "reader"

    def __init__(self, nats: float):
        self.nats, self.reads, self.asked = nats, 0, 0

    def word_surprisals(self, text):
        self.reads += 1
        return [self.nats] * 200

    def score(self, left, continuations):
        self.asked += 1
        return [0.0] * len(continuations)


def _model(scorer) -> SpinModel:
    lm = [0.0] * len(FEATURES_LM)
    lm[0], lm[FEATURES_LM.index("lm_rare")] = -8.0, 4.0  # spun above a 20 % rate of rare words
    nolm = [-9.0] + [1.0] * (len(FEATURES_NOLM) - 1)
    clf = Classifier(lm=lm, nolm=nolm, prefilter=0.1)
    return SpinModel(Tables(x=spintax_table(["committee|panel"])), classifier=clf, scorer=scorer)


def test_a_document_without_table_evidence_is_spun_when_its_words_are_rare():
    odd = Reader(12.0)
    res = _model(odd).analyse(TEXT)
    assert odd.reads == 1 and res.spin_score > 0.5 and not res.prefiltered
    assert res.features[FEATURES_LM.index("lm_rare")] > 2.0
    assert odd.asked  # a spun document's candidates ("committee") go to the model


def test_a_document_with_ordinary_words_stays_clean_and_the_model_judges_nothing():
    plain = Reader(2.0)
    res = _model(plain).analyse(TEXT)
    assert plain.reads == 1 and res.spin_score < 0.5 and res.prefiltered
    assert res.changes == [] and plain.asked == 0


def test_without_a_model_the_rate_is_not_read():
    res = _model(None).analyse(TEXT)
    assert res.path == "rules-only" and len(res.features) == len(FEATURES_NOLM)
