"""Reading human CLI messages without depending on how the terminal laid them out."""

from __future__ import annotations

import re

_LAYOUT = re.compile(r"[\s\u2500-\u257f]+")  # whitespace and box drawing (rich/typer error panels)


def mentions(output: str, phrase: str) -> bool:
    """Whether ``output`` says ``phrase``, however rich wrapped, folded or boxed the message.

    >>> mentions("╭─ Error ──╮\\n│ /tmp/a/x.txt is an │\\n│ input docu│\\n│ment       │", "is an input document")
    True
    """
    return _LAYOUT.sub("", phrase) in _LAYOUT.sub("", output)
