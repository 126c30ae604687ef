from __future__ import annotations

import re
from typing import Sequence

import pytest

from repair.authoring.benchmark import Pair


class FakeScorer:
    """A stand-in language model: each word of a continuation it likes adds 3 nats, others cost 1."""

    name = "fake"

    def __init__(self, likes: set[str]):
        self.likes = likes
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def score(self, left: str, continuations: Sequence[str]) -> list[float]:
        self.calls.append((left, tuple(continuations)))
        return [sum(3.0 if w.lower() in self.likes else -1.0 for w in re.findall(r"\w+", c)) for c in continuations]


# invented sentences (not from any benchmark file)
PAIRS = [
    Pair("p1", "okay", "The metropolis council stated on Monday that the bridge will reopen.",
         "The city council said on Monday that the bridge will reopen."),
    Pair("p2", "okay", "Officials stated the metropolis budget would grow within weeks.",
         "Officials said the city budget would grow in weeks."),
    Pair("p3", "okay", "Tips on how to repair a bike, the metropolis club stated.",
         "How to repair a bike, the city club said."),
    Pair("p4", "okay", "The purple team stated it was ready within the hour.",
         "The red team said it was ready in the hour."),
]


@pytest.fixture
def pairs() -> list[Pair]:
    return list(PAIRS)


@pytest.fixture
def fake() -> FakeScorer:
    return FakeScorer({"city", "said", "in", "red", "how"})
