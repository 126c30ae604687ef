"""Document-level traces of machine translation and paraphrasing, as evidence without a repair.

Word-for-word spinners leave phrases no writer produces ("would possibly maybe maybe"); a round trip
through machine translation or a paraphraser leaves fewer, and different, traces: punctuation that
no longer sits where an editor puts it. These functions find such traces and yield their spans with
``None`` as the repair: detect counts them as evidence (``kind = "builtin"`` rules in
``rules/spin/common.toml`` give each an id, a family and a weight) and never changes the text.

Each trace is weak on its own (an edited article can carry one typo); the rules weigh them so that
one trace alone stays below the "spun" threshold and several together reach it.

>>> [(s, e) for s, e, _ in quote_spacing("“Words are good, ”he wrote.")]
[(15, 18)]
>>> list(quote_spacing("“Words are good,” he wrote."))
[]
>>> [(s, e) for s, e, _ in dangling_end("They met the.\\nIt was late.")]
[(9, 13)]
>>> list(dangling_end("They met at the hotel.\\nIt was late, and they left."))
[]
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

Span = tuple[int, int, None]

# Curly quotes carry their direction, so a space on the wrong side of one is a trace:
#   ', ”he wrote'   closing quote after a space, glued to the next word
#   'storage ”.'    closing quote after a space, before punctuation or the end of the line
#   '“ We'          opening quote followed by a space
#   '], “He added'  an opening quote where the closing one belongs, before a speech tag
_QUOTE_SPACING = re.compile(
    r"[\w,.!?] ”(?=\w|[.,;:!?]|[ \t]*$)"
    r"|(?:^|[\s(])“[ \t]+\w"
    r"|[,.!?\]] “(?:He|She|They|We|I|It) (?:added|said|says|told|wrote|continued|explained)\b",
    re.MULTILINE,
)


def quote_spacing(text: str) -> Iterator[Span]:
    """Curly quotes with the space on the wrong side (', ”he wrote', '“ We').

    The matches of ``_QUOTE_SPACING.finditer(text)``, tried only where one can start: every match
    holds a curly quote 0, 1 or 2 characters after its start, so ``match`` is tried at those
    positions, in order and never inside the previous match (the pattern scanned in full costs
    more than the few quotes of a text).
    """
    pos = 0  # no match starts before this (tried already, or inside the previous match)
    for q in _quotes(text):
        p = max(pos, q - 2)
        while p <= q:
            m = _QUOTE_SPACING.match(text, p)
            if m is None:
                p += 1
            else:
                yield m.start(), m.end(), None
                p = m.end()
        pos = p


def _quotes(text: str) -> list[int]:
    """Sorted offsets of the curly double quotes in ``text``."""
    out = []
    for q in "“”":
        i = text.find(q)
        while i >= 0:
            out.append(i)
            i = text.find(q, i + 1)
    out.sort()
    return out


# A sentence or paragraph that stops on a word no sentence ends with ("... to the.", "and ”"):
# what a translation or paraphrase leaves when it drops or moves the end of a clause.
_DANGLING = re.compile(
    r"(?<![\w'’.-])(?:the|a|an|and|or|its|their|our|whose)"
    r"(?:\.(?=[ \t]*(?:$|[A-Z“\"]))|[ \t]*[”\"]?(?=[ \t]*(?:\n[ \t]*\n|\Z)))",
    re.MULTILINE,
)


def dangling_end(text: str) -> Iterator[Span]:
    """A sentence or paragraph ending on an article, a conjunction or a possessive ('... met the.')."""
    for m in _DANGLING.finditer(text):
        yield m.start(), m.end(), None


BUILTINS: dict[str, Callable[[str], Iterator[Span]]] = {
    "quote-spacing": quote_spacing,
    "dangling-end": dangling_end,
}
