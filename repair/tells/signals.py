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

from repair.scan.windows import tried

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
    quotes = [q for q in _found(text, "“”") if _spaced(text, q)]
    for m in tried(_QUOTE_SPACING, text, [(q - 2 if q >= 2 else 0, q) for q in quotes]):
        yield m.start(), m.end(), None


def _spaced(text: str, q: int) -> bool:
    """Whether a match of ``_QUOTE_SPACING`` can hold the quote at ``q``: each alternative has a space
    beside its quote (' ”', '“ ' or '“\\t', ', “'); most quotes of a text have none and are not tried."""
    if text[q] == "”":
        return text[q - 1:q] == " "
    return text[q + 1:q + 2] in (" ", "\t") or (text[q - 1:q] == " " and text[q - 2:q - 1] in (",", ".", "!", "?", "]"))


def _found(text: str, chars: str) -> list[int]:
    """Sorted offsets of ``chars`` in ``text`` (a few per text: ``str.find`` beats a regex scan)."""
    out = []
    for q in chars:
        i = text.find(q)
        while i >= 0:
            out.append(i)
            i = text.find(q, i + 1)
    out.sort()
    return out


# A sentence or paragraph that stops on a word no sentence ends with ("... to the.", "and ”"):
# what a translation or paraphrase leaves when it drops or moves the end of a clause.
_DANGLING_WORDS = ("the", "a", "an", "and", "or", "its", "their", "our", "whose")
_DANGLING = re.compile(
    r"(?<![\w'’.-])(?:" + "|".join(_DANGLING_WORDS) + ")"
    r"(?:\.(?=[ \t]*(?:$|[A-Z“\"]))|[ \t]*[”\"]?(?=[ \t]*(?:\n[ \t]*\n|\Z)))",
    re.MULTILINE,
)
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")


def dangling_end(text: str) -> Iterator[Span]:
    """A sentence or paragraph ending on an article, a conjunction or a possessive ('... met the.').

    The matches of ``_DANGLING.finditer(text)``, tried only where one can start: a match is one of
    the words, ending at a full stop or where only spaces and a closing quote stand before a blank
    line (or the end of the text); so it starts at most 5 characters before such a place, and only
    if one of the words ends there.
    """
    words_end = _found(text, ".")  # a word right before a full stop
    for q in [m.start() for m in _PARAGRAPH_END.finditer(text)] + [len(text)]:
        w = q
        while w > 0 and text[w - 1] in " \t":
            w -= 1
        if w > 0 and text[w - 1] in "”\"":
            w -= 1
            while w > 0 and text[w - 1] in " \t":
                w -= 1
        words_end.append(w)
    windows = sorted({(max(0, w - 5), w - 1) for w in words_end if text.endswith(_DANGLING_WORDS, 0, w)
                      and _whole(text, w)})
    for m in tried(_DANGLING, text, windows):
        yield m.start(), m.end(), None


def _whole(text: str, w: int) -> bool:
    """Whether one of the words ending at ``w`` stands whole, as ``_DANGLING``'s look-behind has it (no
    word character, apostrophe, full stop or hyphen before it): "America." ends on "a", not on the word."""
    for word in _DANGLING_WORDS:
        if text.endswith(word, 0, w):
            b = w - len(word)
            if b == 0 or not ((c := text[b - 1]).isalnum() or c in "_'’.-"):
                return True
    return False


BUILTINS: dict[str, Callable[[str], Iterator[Span]]] = {
    "quote-spacing": quote_spacing,
    "dangling-end": dangling_end,
}
