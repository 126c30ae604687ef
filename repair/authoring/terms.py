"""Learn canonical terms from a corpus: the names its clean documents use, as a match-stage pack.

The spinner mangles names word by word ("Kansas City Chiefs" comes out "Kansas Metropolis
Chiefs"); the match stage restores a name only when the result is a term it knows. The shipped
gazetteer (``rules/match/gazetteer.toml``) knows government bodies, media, politics, sport and
places; a corpus knows its own names. This module collects them from the documents of the corpus
that are *not* spun (the pipeline's own ``spin_score`` below 0.5, language model off: a spun
document's names may be mangled), keeps a term seen in at least ``min_docs`` such documents, and
writes it as a ``kind = "terms"`` rule to add with ``--extend-rules``::

    repair learn --terms corpus/ -o corpus-terms.toml
    repair run corpus/ -o out/ --extend-rules corpus-terms.toml

A term is a run of two to six capitalised words (with "of", "and", "for", "the", "de", "&" inside,
never at its ends), not led by a sentence word such as "The" or "In".

>>> names_in("Fans of the Kansas City Chiefs met the Mayor of Kansas City on Monday.")
['Kansas City Chiefs', 'Mayor of Kansas City']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from repair.errors import InputError
from repair.stages.match import _NOT_NAME

RULE_ID = "terms.corpus"
MAX_WORDS = 6
_TOKEN = re.compile(r"[A-Za-z][\w'’.-]*[\w]|[A-Za-z]|&|[^\w\s]|\n")
_JOIN = {"of", "and", "for", "the", "de", "&"}  # words inside a name
_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
_CAP = re.compile(r"[A-Z][a-z]*[A-Za-z'’.-]*$")
# words that are capitalised at the start of a sentence or a headline and lead no name
_LEAD = _NOT_NAME | _DAYS | {"Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "According", "Last", "Next", "Some", "Many",
                     "Most", "Other", "Our", "Their", "His", "Her", "Its", "Your", "My", "There", "Here", "What",
                     "Why", "How", "Who", "Where", "Which", "So", "Yet", "Or", "Nor", "Not", "No", "Yes"}


def names_in(text: str) -> list[str]:
    """The capitalised multi-word runs of ``text``, in order (punctuation or a lower-case word ends
    a run; a sentence's first word is left out when a connecting word follows it: "Fans of the ...")."""
    out: list[str] = []
    run: list[str] = []
    at_start = True  # the next word begins a sentence
    run_at_start = False

    def close() -> None:
        while run and (run[-1] in _JOIN or run[-1] in _DAYS):
            run.pop()
        if run_at_start and len(run) > 1 and run[1] in _JOIN:
            del run[0]
        while run and (run[0] in _JOIN or run[0] in _LEAD):
            run.pop(0)
        if 2 <= len(run) <= MAX_WORDS and sum(1 for w in run if w not in _JOIN) >= 2:
            out.append(" ".join(run))
        run.clear()

    for m in _TOKEN.finditer(text):
        w = m.group()
        if w == "the" and run and run[-1] not in _JOIN:  # "Bank of the West", not "Gotham City the Rovers"
            close()
        elif _CAP.match(w) and not w.isupper() or (run and w in _JOIN):
            if not run:
                run_at_start = at_start
            run.append(w)
        else:
            close()
        at_start = w in ".!?\n" or (at_start and not w[0].isalnum())
    close()
    return out


@dataclass
class Learned:
    """What :func:`learn_terms` found: the terms kept and how many documents it read."""

    terms: list[str] = field(default_factory=list)
    docs: int = 0
    clean_docs: int = 0


def learn_terms(docs: Iterable[tuple[str, str]], is_spun: Callable[[str], bool], *, known: Iterable[str] = (),
                min_docs: int = 2) -> Learned:
    """The terms seen in at least ``min_docs`` of the documents ``is_spun`` calls clean, less the
    ``known`` ones (the gazetteer's), most frequent first.

    >>> docs = [("a", "The Kansas City Chiefs won."), ("b", "Kansas City Chiefs fans cheered."),
    ...         ("c", "Kansas Metropolis Chiefs won.")]
    >>> learn_terms(docs, lambda t: "Metropolis" in t).terms
    ['Kansas City Chiefs']
    """
    seen: Counter[str] = Counter()
    res = Learned()
    for _, text in docs:
        res.docs += 1
        if is_spun(text):
            continue
        res.clean_docs += 1
        seen.update(set(names_in(text)))
    skip = {k.casefold() for k in known}
    keep = [(n, t) for t, n in seen.items() if n >= min_docs and t.casefold() not in skip]
    keep.sort(key=lambda x: (-x[0], x[1]))
    res.terms = [t for _, t in keep]
    return res


def pack_toml(learned: Learned, swaps: dict[str, list[str]], source: str) -> str:
    """The match-stage pack of ``learned`` terms, with an example: a term spun through one of the
    gazetteer's word swaps (``swaps``: original word -> spun words) comes back, a term stays."""
    from repair.authoring import tomlwrite as T

    example = _example(learned.terms, swaps)
    rule: dict = {"id": RULE_ID, "kind": "terms", "why": (
        f"Names that {learned.clean_docs} clean documents of {source} use: the match stage restores a spun "
        "name to one of them."), "terms": learned.terms}
    if example:
        rule["examples"] = [example]
    head = (f"Canonical terms learned by `repair learn --terms` from {learned.docs} documents of {source} "
            f"({learned.clean_docs} not spun).\nAdd them with --extend-rules (or extend-rules in repair.toml); "
            "delete what is not a name.")
    return "".join([T.comment(head), "\n", T.table("[pack]", {"stage": "match", "source": "repair learn --terms"}),
                    "\n", T.table("[[rule]]", rule, multiline=("terms", "examples"))])


def _example(terms: list[str], swaps: dict[str, list[str]]) -> dict | None:
    for t in terms:
        words = t.split()
        for i, w in enumerate(words):
            for spun in swaps.get(w, ()):
                if " " not in spun:
                    bad = " ".join([*words[:i], spun, *words[i + 1:]])
                    return {"in": f"Fans of the {bad} met.", "out": f"Fans of the {t} met.",
                            "context": {"spun": "okay"}}
    return {"in": f"Fans of the {terms[0]} met.", "out": f"Fans of the {terms[0]} met."} if terms else None


def swaps_of(rules) -> dict[str, list[str]]:  # noqa: ANN001
    """The match rules' word swaps, turned round: original word -> the spun words that stand for it."""
    from repair.stages.match import compile_rules

    out: dict[str, list[str]] = {}
    for spun, originals in compile_rules(rules).subs.items():
        for canon, _, _ in originals:
            out.setdefault(canon, []).append(spun)
    return out


def known_terms(rules) -> list[str]:  # noqa: ANN001
    """The terms the match rules already hold."""
    from repair.stages.match import compile_rules

    return compile_rules(rules).term_list


def read_docs(paths: Iterable[str | Path], text_field: str, on_error: Callable[[InputError], None],
              select: Callable[[Path], bool] | None = None) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of every document under ``paths``; a bad one goes to ``on_error``."""
    from repair.readers import read_documents

    for item in read_documents(paths, text_field=text_field, allow_empty=True, select=select):
        if isinstance(item, InputError):
            on_error(item)
        else:
            yield item.id, item.source
