"""repair(repair(x)) == repair(x), and every stage's output replays from its changes (issue 11).

A generator of news-like texts: sentences built from news phrasing with the spinner's words
("stated", "ISIS-Okay", "Protection Secretary", "tips on how to", ...) dropped in, mojibake and
scraping debris lines, and odd line breaks. The CI run tries a few thousand texts in well under a
minute (derandomized, so a failure is reproducible); ``make fuzz`` runs the same property much
longer (``REPAIR_FUZZ_EXAMPLES``, random seeds). Shrunk failures become the regression examples below.
"""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from repair.model import Change, apply_changes, compose
from repair.pipeline import Config, run_text
from repair.spin.analyse import SpinResult

CFG = Config.load()
FUZZ = int(os.environ.get("REPAIR_FUZZ_EXAMPLES", "0"))
EXAMPLES = FUZZ or 2500
PROPS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not FUZZ, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SUBJECTS = ["The minister", "A spokesman for the ministry", "The Protection Secretary", "The State Division",
            "Officials", "The Taliban", "ISIS-Okay fighters", "The president", "Police", "The Defense Secretary",
            "Residents", "The United Nations", "The European Union", "The company", "Analysts", "The prime minister",
            "The Nationwide Safety Company", "The White House"]
VERBS = ["stated", "said", "told reporters", "introduced", "announced", "claimed", "warned", "reported", "added",
         "confirmed", "stated on Monday", "mentioned", "noted"]
OBJECTS = ["that talks would resume in Doha", "that the attack killed 12 people", "tips on how to stay safe",
           "a new plan to cut prices", "that the border would stay closed", "that the vote was delayed",
           "the deal was off", "that the economy grew 3 percent", "the results of the inquiry",
           "that it had been a very long time", "that the Nineteen Nineties were different"]
ENDINGS = [".", ".", ".", ",", " on Sunday.", " last week.", "", " Okay", "!", "?", " \u2014 and more."]
SPINNER = ["stated", "ISIS-Okay", "Protection Secretary", "tips on how to", "State Division", "Okay", "dangle",
           "the the", "Nineteen Nineties", "Protection Ministry", "tv", "Taliban\u2019s", "\u201c", "\u201d", "\u2019",
           "mentioned", "been", "would"]
MOJIBAKE = ["\u00e2\u20ac\u2122", "\u00c3\u00a9", "\u00e2\u20ac\u0153", "\u00e2\u20ac\u009d", "caf\u00c3\u00a9",
            "\u00e2\u20ac\u201d", "\u00c2\u00a0", "&amp;", "&#8217;", "\u00ad", "\ufeff", "\u200b", "\x1b"]
DEBRIS = ["[ad_1]", "[ad_2]", "Source link", "Leave a Reply", "Related Articles", "Back to top button",
          "Your email address will not be published. Required fields are marked *", "%d bloggers like this:",
          "Share this:", "Like this:", "Tags: one, two", "Also read: Markets Rally Again", "Facebook Twitter WhatsApp"]
BREAKS = ["\n", "\n\n", " ", "\r\n", "\n\n\n", "  "]


@st.composite
def news_sentence(draw) -> str:
    words = (f"{draw(st.sampled_from(SUBJECTS))} {draw(st.sampled_from(VERBS))} {draw(st.sampled_from(OBJECTS))}"
             f"{draw(st.sampled_from(ENDINGS))}").split(" ")
    for _ in range(draw(st.integers(0, 3))):  # the spinner's words (and mojibake) anywhere in the sentence
        words.insert(draw(st.integers(0, len(words))), draw(st.sampled_from(SPINNER + MOJIBAKE)))
    return " ".join(words)


@st.composite
def news_text(draw) -> str:
    """A scraped news text: sentences with spinner words, mojibake, debris lines, odd breaks."""
    parts = draw(st.lists(st.one_of(news_sentence(), news_sentence(), news_sentence(),
                                    st.sampled_from(DEBRIS).map(lambda d: f"\n{d}\n"),  # debris is a line of its own
                                    st.sampled_from(DEBRIS).map(lambda d: f"\n{d} "),  # or text runs on from it
                                    st.sampled_from(MOJIBAKE)), min_size=1, max_size=8))
    breaks = draw(st.lists(st.sampled_from(BREAKS), min_size=len(parts), max_size=len(parts)))
    return "".join(p + b for p, b in zip(parts, breaks, strict=True))


# shrunk from failures the generator found; each failed on main
FOUND = [
    # match: a fuzzy gazetteer hit that dropped a word ("K State Department" ~ "State Department")
    "The Okay State Division introduced that the border would stay closed.\n",
    "\u201c the the Protection Secretary Okay",
    "Analysts warned Protection Secretary Okay.\n",
    # detect: a family gate that opened only once another family's tells were repaired
    "that dangle the the that dangle Nineteen Nineties different.",
    "the The the the dangle been tips on how to",
    "The the the the that dangle Nineteen Nineties",
    "dangle ISIS-Okay the the dangle dangle to",
    # normalise: two removals touching one ftfy fix (ReplayError: the stage's text did not replay)
    "\ufeff\xad;\xad\x1b",
    "\ufeff\u200b;\xad&mp;",
    "\ufeff\xad;\xad&#7;",
    # match: a real name ("Secretary of Protection", "Division of State") straddling two spun ones in one
    # run of name words: the second restoration overlapped the first, or the first took the words of both
    # and left a swap word for a second run
    "The Nationwide Safety Company stated the results Protection Secretary of Protection Secretary the inquiry.\n",
    "\u00e2\u20ac\u009d The minister announced the results State Division of State Division the inquiry\n",
    # detect: a repair that re-creates its own pattern ("tips on tips on how to" -> "tips on how to"); detect
    # now looks at its repairs' output as a second run would and folds what that run repairs into one change
    "the the tips on tips on how to to",
    # detect: a document right at the spun threshold (0.5) whose family flips once its "okay" tell
    # ("Protection Secretary") is repaired: the thesaurus gate opened on the second run only
    "Protection Secretary the the would dangle mentioned dangle",
    # normalise: a teaser line ("Also read: ...", at most 200 characters) that article text runs on from:
    # 201 characters were kept, detect shortened the line ("stated" -> "said") and a second run dropped it,
    # article text and all; a teaser is one headline now, and a line running on into sentences is kept
    "Also read: Markets Rally Again The minister stated that talks would resume in Doha. The Protection Secretary "
    "stated that talks would resume in Doha. The Protection Secretary stated that talks would resume in Doha.\n"
    "The minister stated that talks would resume in Doha.\n",
]


@pytest.mark.parametrize("text", FOUND, ids=[f"found{i}" for i in range(len(FOUND))])
def test_found_cases_are_idempotent_and_replay(text: str) -> None:
    once = run_text(text, CFG)  # raised ReplayError for the normalise cases
    assert apply_changes(text, once.changes) == once.text
    twice = run_text(once.text, CFG)
    assert twice.text == once.text
    assert not [c for c in twice.changes if c.applied]


class _FindsEverythingSpun:
    """A spin model that finds every text spun by the "okay" spinner and proposes ``swap`` (word -> word)."""

    def __init__(self, swap: tuple[str, str] | None = None) -> None:
        self.swap = swap

    def name_swaps(self) -> tuple:
        return ()  # no learned name swaps: the match stage runs on its rules alone

    def analyse(self, text: str, **_: object) -> SpinResult:
        found = []
        if self.swap is not None:
            for m in re.finditer(rf"\b{self.swap[0]}\b", text):
                found.append(Change("detect", "learned.okay", m.start(), m.end(), m.group(), self.swap[1], 0.9, False))
        return SpinResult(0.9, "okay", found, "rules-only")


def test_a_rule_repair_of_a_learned_repair_is_folded_into_one_change(monkeypatch) -> None:
    # the learned "each" -> "both" made "both stay or go", which okay.either-or repairs: a second run did
    monkeypatch.setattr(Config, "spin_model", lambda self: _FindsEverythingSpun(("each", "both")))
    text = "ISIS-Okay said the officials may each stay or go.\n"
    once = run_text(text, CFG)
    assert once.text == "ISIS-K said the officials may either stay or go.\n"
    assert [c.rule for c in once.changes if c.before == "each"] == ["learned.okay+okay.either-or"]
    assert run_text(once.text, CFG).text == once.text


def test_gates_open_as_far_when_the_rules_find_spin_as_when_only_the_model_does(monkeypatch) -> None:
    # the rules find the text spun (a thesaurus tell and nine "okay" words), "okay" on top but without a
    # tell of its own, so the rules' "okay" gate stayed shut although the model found it spun by "okay"; once
    # the thesaurus tell was repaired the rules no longer found it spun, the model's decision alone opened
    # the "okay" gate, and a second run repaired the nine words
    monkeypatch.setattr(Config, "spin_model", lambda self: _FindsEverythingSpun())
    text = ("They would now not comment. The amenities, the paperwork, the disaster, the supervisor, the coaching, "
            "the checklist, the crew and the subsequent reviews were mentioned.")
    once = run_text(text, CFG)
    assert "The facilities, the documents" in once.text
    assert run_text(once.text, CFG).text == once.text


def test_compose_fuses_two_removals_touching_one_earlier_fix() -> None:
    src = "\ufeff\xad;\xad\x1b"
    fix = Change("normalise", "ftfy", 0, 5, src, "\xad;\xad")
    cur = apply_changes(src, [fix])
    new = [Change("normalise", "space", 0, 1, "\xad", ""), Change("normalise", "space", 2, 3, "\xad", "")]
    out = compose(src, [fix], cur, new)
    assert out.skipped == [] and apply_changes(src, out.changes) == ";"
    assert [c.rule for c in out.changes] == ["ftfy+space"]


@PROPS
@given(news_text())
@example("\u201c the the Protection Secretary Okay")
def test_news_texts_are_idempotent(text: str) -> None:
    once = run_text(text, CFG)
    assert apply_changes(text, once.changes) == once.text
    twice = run_text(once.text, CFG)
    assert twice.text == once.text, [(c.rule, c.before, c.after) for c in twice.changes if c.applied]
