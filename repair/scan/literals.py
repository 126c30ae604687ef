"""Literal strings to find in a text, each standing for a value: every occurrence, overlapping ones too.

One Aho-Corasick scan finds them all (``ahocorasick_rs``, the Rust ``aho-corasick`` crate: it returns
the whole list of matches from one call, about twice as fast as iterating ``pyahocorasick`` over the
same strings). The Rust automaton does not pickle, so a :class:`Literals` pickles its strings and
values only and builds the automaton again on its first scan (some 13 ms for detect's 9,000 strings,
once per process).

Matches come in the order a scan meets their ends; of those ending at one place, the longest first.

>>> lits = Literals({"state": 1, "state division": 2, "division": 3})
>>> [(lits.values[i], s, e) for i, s, e in lits.find("the state division said")]
[(1, 4, 9), (2, 4, 18), (3, 10, 18)]
"""

from __future__ import annotations

from typing import Any, Generic, Iterable, TypeVar

import ahocorasick_rs

V = TypeVar("V")


class Literals(Generic[V]):
    """``strings`` and the ``values`` they stand for (same order); :meth:`find` scans a text for them."""

    __slots__ = ("strings", "values", "_automaton")
    # how the automaton is laid out: a subclass for a small set of strings may choose "DFA" (about half the
    # instructions a scan, a much larger table: for detect's 9,000 strings it builds in 10x the time)
    IMPLEMENTATION = "ContiguousNFA"

    def __init__(self, mapping: dict[str, V]) -> None:
        if "" in mapping:  # (said here, not at the first scan, where the automaton is built)
            raise ValueError("an empty string cannot be looked for")
        self.strings: tuple[str, ...] = tuple(mapping)
        self.values: tuple[V, ...] = tuple(mapping.values())
        self._automaton: Any = None

    def __len__(self) -> int:
        return len(self.strings)

    def items(self) -> Iterable[tuple[str, V]]:
        return zip(self.strings, self.values, strict=True)

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every occurrence of every string in ``text``, as (index of the string, start, end), overlapping
        ones included, by end and then longest first."""
        automaton = self._automaton
        if automaton is None:
            automaton = self._automaton = ahocorasick_rs.AhoCorasick(
                self.strings, matchkind=ahocorasick_rs.MatchKind.Standard,
                implementation=getattr(ahocorasick_rs.Implementation, self.IMPLEMENTATION))
        return automaton.find_matches_as_indexes(text, overlapping=True)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (dict(zip(self.strings, self.values, strict=True)),)
