"""Review: the side-by-side HTML report, the terminal view's alignment, and reviewer decisions.

- :mod:`.align` turns a record (original text + changes) into paragraph rows, linear time;
- :mod:`.html` writes ``index.html`` and one page per document (:class:`HtmlReport` is a
  :class:`~repair.writers.FolderSink` listener);
- :mod:`.decisions` reads a reviewer's decisions and re-decides records with them.
"""

from repair.review.decisions import Decisions, DecisionsError, redecide
from repair.review.decisions import load as load_decisions
from repair.review.html import HtmlReport, render_document, write_report

__all__ = ["Decisions", "DecisionsError", "HtmlReport", "load_decisions", "redecide", "render_document",
           "write_report"]
