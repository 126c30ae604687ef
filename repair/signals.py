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
    """Curly quotes with the space on the wrong side (', ”he wrote', '“ We')."""
    if "”" not in text and "“" not in text:
        return
    for m in _QUOTE_SPACING.finditer(text):
        yield m.start(), m.end(), None


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
