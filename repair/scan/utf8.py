"""A text's UTF-8 and the distinct characters it holds beyond ASCII, in one pass of C.

Most news is ASCII with a few curly quotes, dashes and accented letters: a set of a dozen characters
says all a test needs to know about the rest of the text. :func:`repair.words.count`,
:meth:`repair.scan.prefilter.Folded.of` and :func:`repair.scan.ftfy_gate.holds_watched` decide on it
instead of visiting every character.

>>> raw, others = utf8_and_others("It’s “done”")
>>> len(raw), sorted(others)
(17, ['’', '“', '”'])
>>> utf8_and_others("plain"), utf8_and_others("\\ud800")
((b'plain', frozenset()), None)
"""

from __future__ import annotations

from functools import lru_cache

MAX_OTHER_BYTES = 4096  # past this much text beyond ASCII (Greek, Cyrillic, ...), the set costs more than it spares

_ASCII_BYTES = bytes(range(128))


@lru_cache(maxsize=4)
def utf8_and_others(text: str) -> tuple[bytes, frozenset[str] | None] | None:
    """``(text.encode(), the set of its characters beyond ASCII)``; the set is None when those take more
    than :data:`MAX_OTHER_BYTES` of the UTF-8, and the whole answer None for a text that does not encode
    (a lone surrogate).

    Kept for the last few texts: the one text is asked about by ftfy's gate, by
    :meth:`repair.scan.prefilter.Folded.of` and by :func:`repair.words.count` (normalise's passes, then
    detect), and the encoding and the deletion of the ASCII bytes cost more than a look-up (a text's hash
    is made once and kept in it)."""
    try:
        raw = text.encode()
    except UnicodeEncodeError:
        return None
    if len(raw) == len(text):  # ASCII
        return raw, frozenset()
    others = raw.translate(None, _ASCII_BYTES)  # the UTF-8 of the characters beyond ASCII, in order
    return raw, (frozenset(others.decode()) if len(others) <= MAX_OTHER_BYTES else None)
