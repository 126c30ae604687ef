"""Spin repair must follow the spinner, not the articles the rules were learned from.

Every passage here is written for this test on topics the seed and dev articles do not cover
(sport, business, science, local news) and spun by hand with the substitutions each spinner
makes: the "thesaurus" spinner (have -> dangle, was -> modified into once, might -> would possibly
maybe maybe, former -> feeble, ...) and the "okay" spinner (said -> stated, officials -> officers,
1990s -> Nineteen Nineties, ...). Each spun passage must be found spun, attributed to its spinner
and restored word for word. The clean passages use the same ambiguous words in their ordinary
sense ("the space station", "closing arguments", "on account of rain") and must come through
untouched and below the "spun" threshold.
"""
from __future__ import annotations

import pytest
from test_spin_clean import assert_untouched

from repair.pipeline import Config, run_text

# (label, family, spun, original)
SPUN = [
    ("thesaurus-sport", "thesaurus",
     "The feeble captain modified into once dropped after the club's screw ups in away games, in explicit at some "
     "stage in the winter. Supporters dangle also criticised the manager, who would possibly maybe maybe lose his job "
     "within the upcoming weeks. The board has easy been quiet, and the coach talked about that the squad can easy "
     "be the very finest within the league.",
     "The former captain was dropped after the club's failures in away games, in particular during the "
     "winter. Supporters have also criticised the manager, who might lose his job in the coming weeks. The board "
     "has still been quiet, and the coach said that the squad can still be the best in the league."),
    ("thesaurus-business", "thesaurus",
     "Shares in the retailer fell 5% after it pronounced that sales would possibly maybe maybe fall for a 2d year. "
     "Its feeble chief executive, who left weeks within the past, has warned that stipulations remain extraordinarily "
     "tough. Analysts lift out now not expect a turnaround, and the board is easy unsure about the device forward "
     "for its stores.",
     "Shares in the retailer fell 5% after it announced that sales might fall for a second year. Its former "
     "chief executive, who left weeks ago, has warned that conditions remain extremely tough. Analysts do not "
     "expect a turnaround, and the board is still uncertain about the future of its stores."),
    ("thesaurus-science", "thesaurus",
     "Researchers dangle found that the drug can abet patients recover faster, in step with a repeat by the "
     "university. The trial modified into once diminutive, and the outcomes would possibly maybe maybe now not be "
     "repeated elsewhere. Scientists had been once cautious: the work is easy in an early stage, they talked about.",
     "Researchers have found that the drug can help patients recover faster, according to a report by the "
     "university. The trial was small, and the outcomes might not be repeated elsewhere. Scientists were "
     "cautious: the work is still in an early stage, they said."),
    ("thesaurus-local", "thesaurus",
     "The council pronounced on Monday that the feeble library will reopen at some stage in the summer. Residents "
     "dangle campaigned for years to forestall its closure. The mayor talked about that the hall would possibly maybe "
     "maybe additionally host a diminutive museum, but the funding is easy now not agreed.",
     "The council announced on Monday that the former library will reopen during the summer. Residents have "
     "campaigned for years to prevent its closure. The mayor said that the hall might also host a small museum, "
     "but the funding is still not agreed."),
    ("okay-sport", "okay",
     "Metropolis supervisor Tom Reyes stated on Friday that the captain is prone to miss round three weeks with a "
     "hamstring damage. The 25-year-outdated was injured in coaching final week, and medical doctors are assessing "
     "him. Reyes stated the crew will play their subsequent recreation with none new signings.",
     "Metropolis manager Tom Reyes said on Friday that the captain is likely to miss around three weeks with a "
     "hamstring injury. The 25-year-old was injured in training last week, and doctors are assessing him. Reyes "
     "said the team will play their next game without any new signings."),
    ("okay-business", "okay",
     "The corporate stated in an announcement that its income rose 12 p.c in the third quarter. Its chief govt "
     "informed reporters that shopper spending stays sturdy regardless of excessive inflation. Shares rose 4 p.c in "
     "early buying and selling, and officers famous that the inventory market fell.",
     "The company said in a statement that its income rose 12 percent in the third quarter. Its chief executive "
     "told reporters that consumer spending remains sturdy despite high inflation. Shares rose 4 percent in "
     "early trading, and officials noted that the stock market fell."),
    ("okay-science", "okay",
     "Scientists stated a brand new examine printed on Wednesday exhibits that the local weather disaster is making "
     "heat waves extra frequent. Temperatures have risen since the Nineteen Nineties, in accordance with the "
     "researchers, and the development is prone to proceed.",
     "Scientists said a new study published on Wednesday shows that the climate crisis is making heat waves "
     "more frequent. Temperatures have risen since the 1990s, according to the researchers, and the development "
     "is likely to proceed."),
    ("okay-startups", "okay",
     "You might be probably questioning how a small enterprise raises cash. The course of is gradual: founders "
     "stated traders present no indicators of haste. In distinction, lenders are wanting ahead to this 12 months.",
     "You're probably questioning how a small business raises money. The process is gradual: founders said "
     "traders present no signs of haste. In contrast, lenders are looking forward to this year."),
    ("okay-local", "okay",
     "Native officers stated the hearth began in a condominium simply after midnight. Two youngsters had been taken "
     "to hospital, and the hearth is beneath investigation, in accordance with the hearth division.",
     "Local officials said the fire began in a apartment just after midnight. Two children were taken to "
     "hospital, and the fire is under investigation, according to the fire department."),
]

# The spinners' words in their ordinary sense: nothing may be applied, and no document is "spun".
CLEAN = [
    ("clean-science",
     "The space agency said the crew of the space station would return in May. Fear spread among engineers after a "
     "valve failed, but the team's dedication to safety was nonetheless praised. Data from the probe can guide "
     "future missions, and the closing report affords few surprises."),
    ("clean-sport",
     "The club played a double-header at the weekend. Teams of volunteers cleared the pitch, and the manager said "
     "there is no such thing as a free lunch in this league. The match was delayed on account of rain; the "
     "striker ran as fast as you possibly can imagine."),
    ("clean-business",
     "Wages rose in step with prices, the company said. Investors should seek the advice of a broker before buying "
     "and selling shares, and the energy sector led gains. Sales grew worldwide, and the safety officers at the "
     "plant kept their jobs despite the closing of one line."),
    ("clean-local",
     "Residents packed the courtroom as closing arguments began. The judge said she would decide by Friday. A "
     "native speaker of Welsh, the defendant had lived in the town since the 1990s, and his lawyer said the "
     "highest ranges of the hills were closed to walkers. Okay, the mayor said, it is time to move on."),
]


@pytest.fixture(scope="module")
def cfg() -> Config:
    return Config.load()


@pytest.mark.parametrize("label,family,spun,original", SPUN, ids=[s[0] for s in SPUN])
def test_hand_spun_passage_is_detected_attributed_and_restored(cfg, label, family, spun, original):
    doc = run_text(spun, cfg)
    assert doc.spin_score >= 0.5, label
    assert doc.family == family
    assert doc.text == original


@pytest.mark.parametrize("label,text", CLEAN, ids=[c[0] for c in CLEAN])
def test_ordinary_sense_of_spinner_words_is_left_alone(cfg, label, text):
    assert_untouched(run_text(text, cfg), text)


def test_all_clean_passages_together_are_not_spun(cfg):
    doc = run_text("\n\n".join(text for _, text in CLEAN), cfg)
    assert doc.spin_score < 0.5
    assert not [c for c in doc.changes if c.applied and c.stage != "normalise"]


# Machine translation there and back: punctuation out of place, word choice otherwise fluent.
MT = (
    "The striker, who joined the club in the summer, was silent for two days after the defeat. "
    "“We lost, but we learn. The fans deserve better, ”the captain wrote on social media.\n\n"
    "The coach said the team would travel to Madrid on Friday and that the injured defender. would "
    "stay in London for treatment. The club has not commented on the transfer rumours. been denied.\n\n"
    "“We will fight until the last minute, “He added."
)

# Clean reporting with one slip an editor can miss: no single trace may make it look spun.
ONE_SLIP = [
    "The striker, who joined the club in the summer, was silent for two days after the defeat. "
    "“We lost, but we learn. The fans deserve better, ”the captain wrote on social media. The coach said "
    "the team would travel to Madrid on Friday and stay there for two nights before the match.",
    "Council members voted on Tuesday to extend the library's opening hours. The plan, backed by residents "
    "and local businesses, will cost about £40,000 a year. Officials said the money would come from the "
    "parking budget and its.\n\nThe vote passed by seven to two.",
    "Shares in the carmaker rose 3% in early trading after it reported higher sales in Asia. Analysts said "
    "demand for electric models was strong. the company will publish full results next month, a spokesman said.",
]


def test_machine_translated_passage_is_detected_and_left_unchanged(cfg):
    doc = run_text(MT, cfg)
    assert doc.spin_score >= 0.5
    assert doc.family == "mt-roundtrip"
    assert doc.text == MT  # nothing to restore word for word: no harm either


@pytest.mark.parametrize("text", ONE_SLIP, ids=[f"one-slip{i}" for i in range(len(ONE_SLIP))])
def test_one_trace_alone_does_not_make_clean_news_spun(cfg, text):
    doc = run_text(text, cfg)
    assert doc.spin_score < 0.5
    assert not [c for c in doc.changes if c.applied and c.stage != "normalise"]
