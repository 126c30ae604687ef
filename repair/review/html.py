"""The HTML review report: an index of the corpus and one side-by-side page per document.

Layout in the output folder (next to what :class:`~repair.writers.FolderSink` writes)::

    index.html                the corpus: counts by stage and rule, charts, the document list
    review/<xx>/<name>.html   one page per document: original left, cleaned right, by paragraph. ``name``
                              is the document's stable name (its source file, and line or row for a
                              record: :func:`repair.writers.document_name`, as its diff), so a page
                              keeps its address when documents are added or removed: ``a.txt``,
                              ``2021/b.txt``, ``feed.jsonl/3``. ``xx`` is :func:`shard` of the name
                              (256 sub-folders, so a million documents make about 3,900 pages a
                              folder, not a million in one)
    review/data.js            the document list (sorted by spin score) for the index, paging, J/K and the
                              queue: counts, rules with counts, and the span of each change that asks for a
                              decision (see :func:`kind`)
    review/report.css, report.js   shipped with the package; no network is ever used

Scraped text is untrusted: every piece of text goes through :func:`html.escape` (attributes too),
and JSON embedded in a page or in ``data.js`` has ``<``, ``>`` and ``&`` escaped, so a document
holding ``</script>`` or ``"onerror=`` stays text.

>>> from repair.model import Change

>>> from repair.document import Document
>>> doc = Document.from_text("Hi <blink>there</blink>\\n")
>>> doc.changes = [Change("normalise", "x.tag", 3, 10, "<blink>", "")]
>>> doc.text = "Hi there</blink>\\n"
>>> page = render_document(doc, token="t")
>>> "<blink>" in page, "&lt;blink&gt;" in page
(False, True)
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

from repair.atomic import write_atomic
from repair.document import Document
from repair.model import FLAG_CAP, SPUN, Change, check_changes
from repair.review.align import Row, is_removal, iter_rows, visible, word_core
from repair.writers import UniqueNames, document_name, target_of

REVIEW_DIR = "review"
SHARD_HEX = 2  # hex digits of a page name's hash naming its sub-folder of review/ (16 ** 2 = 256 folders)
ASSETS = ("report.css", "report.js")
CONTEXT = 1  # unchanged paragraphs shown around a change; longer unchanged runs fold away
PAGE_SIZE = 100


def esc(s: str) -> str:
    return html.escape(s, quote=True) if s else s


def json_for_html(data: Any) -> str:
    """JSON that is safe inside ``<script>`` and in a .js file (no ``</script>``, no ``<!--``)."""
    s = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def report_token(out: Path) -> str:
    """Names the report's decisions in the browser's storage: one key per output folder."""
    return hashlib.sha1(str(out.resolve()).encode("utf-8")).hexdigest()[:12]


def shard(name: str) -> str:
    """The sub-folder of ``review/`` the page ``name`` goes in: the first :data:`SHARD_HEX` hex digits of
    its SHA-1 (names are compared without case, so two names that differ only in case share a folder).

    >>> shard("004_0ec5a602defd3933.txt.html")
    '89'
    """
    return hashlib.sha1(name.lower().encode("utf-8")).hexdigest()[:SHARD_HEX]


def kind(c: Change, spin_score: float) -> str:
    """What a change asks of a reviewer: ``"tool"`` (applied), ``"ask"`` (flagged: needs a decision) or
    ``"low"`` (flagged at or below :data:`~repair.model.FLAG_CAP` in a document that is not spun: weak
    evidence; it stays in the record, not applied, but does not ask for a decision).

    >>> kind(Change("match", "r", 0, 1, "a", "b", 0.55, False), 0.08), kind(Change("match", "r", 0, 1, "a", "b", 0.55, False), 0.9)
    ('low', 'ask')
    """
    if c.applied:
        return "tool"
    return "low" if spin_score < SPUN and c.confidence <= FLAG_CAP else "ask"


def _change_attrs(i: int, c: Change, focus: bool, low: bool) -> str:
    cls = "chg " + ("applied" if c.applied else "flagged") + (" on" if c.applied else " off") + (" low" if low else "")
    if not focus:  # the left-hand twin: report.js finds it by data-i
        return f'<span class="{cls}" data-i="{i}">'
    return f'<span class="{cls}" data-i="{i}" data-rule="{esc(c.rule)}" tabindex="0">'


def _left(i: int, c: Change, core: tuple[str, str, str, str], low: bool) -> str:
    pre, b, _a, suf = core
    core = f"<del>{esc(visible(b))}</del>" if b else '<del class="empty"></del>'
    return f"{_change_attrs(i, c, False, low)}{esc(pre)}{core}{esc(suf)}</span>"


def _right(i: int, c: Change, removal: bool, core: tuple[str, str, str, str], low: bool) -> str:
    pre, b, a, suf = core
    if removal or (not c.after.strip() and "\n" in c.before and c.before.strip()):
        after = f'<span class="gone">removed \u00b7 {esc(c.rule)}</span>'
    else:
        core = f"<ins>{esc(visible(a))}</ins>" if a else '<ins class="empty"></ins>'
        after = f"{esc(pre)}{core}{esc(suf)}"
    # the original wording, with the proposal beside it so a reviewer can judge it without hovering
    sug = f'<span class="sug">{esc(visible(a))}</span>' if a else '<span class="sug gone-sug">remove</span>'
    before = f"{esc(pre)}<mark>{esc(visible(b))}</mark>{sug}{esc(suf)}" if b else f"{esc(c.before)}{sug}"
    return f'{_change_attrs(i, c, True, low)}<span class="va">{after}</span><span class="vb">{before}</span></span>'


def _row_html(row: Row, changes: Sequence[Change], line: int, lows: frozenset[int]) -> str:
    removal = is_removal(row, changes)
    left: list[str] = []
    right: list[str] = []
    last = len(row.items) - 1
    for n, it in enumerate(row.items):
        if isinstance(it, int):
            c = changes[it]
            core = word_core(c.before, c.after)
            left.append(_left(it, c, core, it in lows))
            right.append(_right(it, c, removal, core, it in lows))
        else:
            text = it[:-1] if n == last and it.endswith("\n") else it  # rows are blocks: drop the final break
            left.append(esc(text))
            right.append(esc(text))
    cls = "row changed" + (" removal" if removal else "")
    return (f'<div class="{cls}"><div class="ln">{line}</div><div class="cell orig">{"".join(left)}</div>'
            f'<div class="cell clean">{"".join(right)}</div></div>')


def _plain_row(row: Row, source: str, line: int) -> str:
    text = source[row.start:row.end]
    if text.endswith("\n"):
        text = text[:-1]
    t = esc(text)
    return f'<div class="row"><div class="ln">{line}</div><div class="cell orig">{t}</div><div class="cell clean">{t}</div></div>'


def document_body(source: str, changes: Sequence[Change], lows: frozenset[int] = frozenset()) -> str:
    """The side-by-side rows of one document (``changes`` sorted); long unchanged runs fold away.
    ``lows``: indexes of low-confidence proposals (:func:`kind`), drawn as plain text until shown."""
    out: list[str] = []
    pending: list[tuple[Row, int]] = []  # unchanged rows not yet written (with their line numbers)
    line = 1
    first = True

    def flush(before_change: bool) -> None:
        nonlocal pending
        visible_rows = [(r, ln) for r, ln in pending if source[r.start:r.end].strip()]
        head = [] if first else visible_rows[:CONTEXT]
        tail = visible_rows[-CONTEXT:] if before_change and len(visible_rows) > len(head) else []
        middle = visible_rows[len(head):len(visible_rows) - len(tail)]
        for r, ln in head:
            out.append(_plain_row(r, source, ln))
        if len(middle) > 2:
            out.append(f'<details class="same"><summary>{len(middle)} unchanged paragraph'
                       f'{"s" if len(middle) != 1 else ""} (lines {middle[0][1]}\u2013{middle[-1][1]})</summary>')
            out.extend(_plain_row(r, source, ln) for r, ln in middle)
            out.append("</details>")
        else:
            out.extend(_plain_row(r, source, ln) for r, ln in middle)
        for r, ln in tail:
            out.append(_plain_row(r, source, ln))
        pending = []

    for row in iter_rows(source, changes):
        if row.changed:
            flush(True)
            first = False
            out.append(_row_html(row, changes, line, lows))
        else:
            pending.append((row, line))
        line += source.count("\n", row.start, row.end)
    flush(False)
    return "\n".join(out)


def _rule_table(changes: Sequence[Change]) -> str:
    counts: dict[tuple[str, str], list[int]] = {}
    for c in changes:
        counts.setdefault((c.stage, c.rule), [0, 0])[0 if c.applied else 1] += 1
    rows = []
    for (stage, rule), (a, f) in sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0])):
        rows.append(f'<tr><td>{esc(stage)}</td><td><code>{esc(rule)}</code></td><td class="num">{a}</td>'
                    f'<td class="num">{f}</td><td><button class="rule-accept" data-rule="{esc(rule)}">accept all</button> '
                    f'<button class="rule-reject" data-rule="{esc(rule)}">reject all</button></td></tr>')
    if not rows:
        return '<p class="none">The tool changed nothing in this document.</p>'
    return ('<table class="rules"><thead><tr><th>stage</th><th>rule</th><th>applied</th><th>flagged</th>'
            f'<th>this document</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


_HELP = ("<kbd>J</kbd>/<kbd>K</kbd> next/previous change to decide, across documents \u00b7 "
         "<kbd>j</kbd>/<kbd>n</kbd> next change \u00b7 <kbd>k</kbd>/<kbd>p</kbd> previous \u00b7 "
         "<kbd>a</kbd> accept \u00b7 <kbd>r</kbd> reject \u00b7 <kbd>u</kbd> undo decision \u00b7 "
         "<kbd>A</kbd>/<kbd>R</kbd> accept/reject every change of this rule here \u00b7 "
         "<kbd>e</kbd> export decisions \u00b7 <kbd>[</kbd>/<kbd>]</kbd> previous/next document \u00b7 "
         "<kbd>i</kbd> index")


_DECISION_BUTTONS = ('<button id="export" title="e">Export decisions</button>'
                     '<button id="import" title="or drop a decisions file on the page">Import decisions\u2026</button>'
                     '<input type="file" id="import-file" accept=".json,application/json" hidden>')
_IMPORT_BOX = '<div id="import-result" role="status" hidden></div>'


def _head(title: str, css: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; script-src \'self\'; '
            f'style-src \'self\'; img-src data:">'
            f'<title>{esc(title)}</title><link rel="stylesheet" href="{css}"></head>\n')


def render_document(doc: Document, *, token: str, page: str = "") -> str:
    """The review page of one document (pure: returns the HTML). ``page`` is its path from ``review/``
    (``<shard>/<name>.html``, the name possibly with folders): the assets are in ``review/``, as many
    folders up as the page is deep, the index one more."""
    up = "../" * max(1, page.count("/"))
    changes = check_changes(doc.source, doc.changes)
    applied = sum(c.applied for c in changes)
    flagged = len(changes) - applied
    family = f" ({esc(doc.family)})" if doc.family else ""
    kinds = [kind(c, doc.spin_score) for c in changes]
    data = [[c.start, c.end, c.stage, c.rule, round(c.confidence, 4), c.applied, c.before, c.after, k]
            for c, k in zip(changes, kinds, strict=True)]
    lows = frozenset(i for i, k in enumerate(kinds) if k == "low")
    asks = kinds.count("ask")
    low_box = (f'<label class="low-toggle"><input type="checkbox" id="show-low"> show {len(lows)} low-confidence '
               f'proposal{"s" if len(lows) != 1 else ""}</label>') if lows else ""
    body = document_body(doc.source, changes, lows) if changes or doc.source else ""
    if not changes:
        body = '<p class="none">No changes: the cleaned text is the original.</p>' + body
    return (
        _head(f"{doc.id} \u00b7 repair review", f"{up}report.css")
        + f'<body class="doc" data-token="{esc(token)}" data-doc="{esc(doc.id)}" data-page="{esc(page)}">\n'
        + f'<header><nav><a href="{up}../index.html" id="to-index">\u2190 all documents</a>'
          '<a id="prev-doc" hidden>\u2190 previous</a><a id="next-doc" hidden>next \u2192</a></nav>'
        + f'<h1>{esc(doc.id)}</h1>'
        + f'<p class="meta">spin score <b>{doc.spin_score:.2f}</b>{family} \u00b7 <b>{applied}</b> applied \u00b7 '
          f'<b>{flagged}</b> flagged (<b>{asks}</b> to decide, {len(lows)} low-confidence) \u00b7 '
          f'{len(doc.source):,} characters</p>'
        + f'<div class="toolbar">{_DECISION_BUTTONS}{low_box}'
          '<span id="progress" aria-live="polite"></span>'
          '<span class="legend"><span class="chg applied on"><ins>applied</ins></span>'
          '<span class="chg flagged off"><mark>flagged</mark></span>'
          '<span class="chg acc"><ins>accepted</ins></span><span class="chg rej"><mark>rejected</mark></span></span></div>'
        + f'<details class="rules-box"><summary>Changes by rule</summary>{_rule_table(changes)}</details>'
        + f'<p class="help">{_HELP}</p>{_IMPORT_BOX}</header>\n'
        + '<main><div class="row head"><div class="ln"></div><div class="cell">Original</div>'
          '<div class="cell">Cleaned</div></div>\n'
        + body
        + '\n</main><div id="status" role="status"></div>\n'
        + f'<script id="changes" type="application/json">{json_for_html(data)}</script>\n'
        + f'<script src="{up}data.js"></script><script src="{up}report.js"></script>\n</body></html>\n'
    )


# ---------------------------------------------------------------- index


def _bar_chart_hist(hist: Sequence[int]) -> str:
    w, h, pad = 320, 140, 22
    n = len(hist) or 1
    bw = (w - 2 * pad) / n
    top = max(hist) if hist else 0
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h + 30}" role="img" aria-label="Spin-score distribution">'
             f'<title>Documents by spin score</title>']
    for i, v in enumerate(hist):
        # a square-root scale keeps the few spun documents visible next to the many clean ones
        bh = (h - 20) * math.sqrt(v / top) if top else 0
        x = pad + i * bw
        cls = "bar spun" if i >= 5 else "bar"
        parts.append(f'<rect class="{cls}" x="{x + 1:.1f}" y="{h - bh:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}">'
                     f'<title>{i / 10:.1f}\u2013{(i + 1) / 10:.1f}: {v} documents</title></rect>')
        if v:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{h - bh - 3:.1f}" class="val">{v}</text>')
    for i in range(0, n + 1, 2):
        parts.append(f'<text x="{pad + i * bw:.1f}" y="{h + 14}" class="axis">{i / 10:.1f}</text>')
    parts.append(f'<text x="{w / 2}" y="{h + 28}" class="axis">spin score (\u2265 {SPUN}: spun)</text></svg>')
    return "".join(parts)


def _bar_chart_rules(by_rule: dict[str, dict[str, dict[str, int]]], limit: int = 12) -> str:
    items = [(rule, c["applied"], c["flagged"]) for rules in by_rule.values() for rule, c in rules.items()]
    items.sort(key=lambda t: (-(t[1] + t[2]), t[0]))
    items = items[:limit]
    if not items:
        return '<p class="none">No changes in this corpus.</p>'
    lw, bwid, rh = 230, 190, 16
    h = rh * len(items) + 4
    top = max(a + f for _, a, f in items) or 1
    parts = [f'<svg class="chart" viewBox="0 0 {lw + bwid + 50} {h}" role="img" aria-label="Changes by rule">'
             f'<title>Changes by rule (top {len(items)})</title>']
    for n, (rule, a, f) in enumerate(items):
        y = n * rh + 2
        wa, wf = bwid * a / top, bwid * f / top
        label = rule if len(rule) <= 34 else rule[:33] + "\u2026"
        parts.append(f'<text x="{lw - 6}" y="{y + 11}" class="lbl">{esc(label)}<title>{esc(rule)}</title></text>')
        parts.append(f'<rect class="bar" x="{lw}" y="{y}" width="{wa:.1f}" height="{rh - 4}">'
                     f'<title>{esc(rule)}: {a} applied</title></rect>')
        if f:
            parts.append(f'<rect class="bar flag" x="{lw + wa:.1f}" y="{y}" width="{wf:.1f}" height="{rh - 4}">'
                         f'<title>{esc(rule)}: {f} flagged</title></rect>')
        parts.append(f'<text x="{lw + wa + wf + 4:.1f}" y="{y + 11}" class="val l">{a + f}</text>')
    parts.append("</svg>")
    return "".join(parts)


# the document list's sortable columns: key in data.js, heading, cell class
_COLUMNS = (("id", "document", ""), ("spin", "spin", "num"), ("family", "family", ""), ("applied", "applied", "num"),
            ("flagged", "flagged", "num"), ("left", "to decide", "num"), ("chars", "characters", "num"))


def render_index(stats: dict[str, Any], *, token: str, title: str = "repair review") -> str:
    """The corpus page. The document list itself is drawn by report.js from review/data.js."""
    ch = stats.get("changes", {"applied": 0, "flagged": 0})
    rule_rows = []
    for stage, rules in stats.get("by_rule", {}).items():
        for rule, c in sorted(rules.items(), key=lambda kv: -(kv[1]["applied"] + kv[1]["flagged"])):
            rule_rows.append(
                f'<tr><td>{esc(stage)}</td><td><code>{esc(rule)}</code></td><td class="num">{c["applied"]}</td>'
                f'<td class="num">{c["flagged"]}</td><td><button class="rule-accept" data-rule="{esc(rule)}">'
                f'accept everywhere</button> <button class="rule-reject" data-rule="{esc(rule)}">reject everywhere'
                f'</button> <span class="rule-state" data-rule="{esc(rule)}"></span></td></tr>')
    rules_html = ('<table class="rules"><thead><tr><th>stage</th><th>rule</th><th>applied</th><th>flagged</th>'
                  f'<th>decision for the whole corpus</th></tr></thead><tbody>{"".join(rule_rows)}</tbody></table>'
                  if rule_rows else '<p class="none">No changes in this corpus.</p>')
    failed = stats.get("failed", 0)
    fail_html = ""
    if failed:
        items = "".join(f'<li><code>{esc(str(f.get("path")))}{":" + str(f["line"]) if f.get("line") else ""}</code> '
                        f'{esc(str(f.get("error")))}</li>' for f in stats.get("failures", [])[:50])
        fail_html = f'<details class="failures"><summary>{failed} failed</summary><ul>{items}</ul></details>'
    return (
        _head(title, f"{REVIEW_DIR}/report.css")
        + f'<body class="index" data-token="{esc(token)}">\n<header><h1>{esc(title)}</h1>'
        + f'<p class="meta"><b>{stats.get("documents", 0):,}</b> documents \u00b7 '
          f'<b>{stats.get("changed_documents", 0):,}</b> changed \u00b7 <b>{stats.get("spun_documents", 0):,}</b> '
          f'look spun \u00b7 <b>{ch["applied"]:,}</b> changes applied \u00b7 <b>{ch["flagged"]:,}</b> flagged for '
          f'review \u00b7 {failed} failed</p>{fail_html}'
        + f'<div class="toolbar">{_DECISION_BUTTONS}<button id="clear">Clear decisions</button>'
          '<button id="queue-toggle" title="what is left to decide in this corpus">Queue</button>'
          '<a id="start" href="#" title="J">next change to decide \u2192</a>'
          '<span id="progress" aria-live="polite"></span></div>'
          '<div id="confirm" role="alertdialog" hidden><span id="confirm-text"></span> '
          '<button id="confirm-yes">Yes</button> <button id="confirm-no">Cancel</button></div>'
          f'{_IMPORT_BOX}</header>\n'
        + '<main><section id="queue" hidden><h2>Left to decide <small id="queue-count"></small></h2>'
          '<ol id="queue-list"></ol></section>\n'
        + '<section><div class="controls"><input id="search" type="search" placeholder="search id, family or rule" '
          'aria-label="search documents"> <select id="filter" aria-label="filter documents">'
          '<option value="all">all documents</option><option value="changed">changed</option>'
          f'<option value="spun">look spun (\u2265 {SPUN})</option>'
          '<option value="needs">needs a decision</option>'
          '<option value="decided">with my decisions</option></select> <span id="count"></span>'
          '<span class="pager"><button id="prev-page">\u2190 previous</button> <span id="page"></span> '
          '<button id="next-page">next \u2192</button></span></div>'
          '<table class="docs"><thead><tr>'
          + "".join(f'<th data-key="{k}" class="{c}"><button class="sort" data-key="{k}">{t}</button></th>'
                    for k, t, c in _COLUMNS)
          + '<th>top rules</th></tr></thead><tbody id="docs"></tbody></table>'
          '<noscript><p>The document list needs JavaScript; every page is in the review/ folder.</p></noscript>'
          '</section>\n'
        + '<section class="charts"><figure>' + _bar_chart_hist(stats.get("spin_histogram", [0] * 10))
        + '<figcaption>Documents by spin score</figcaption></figure><figure class="rules-chart">'
        + _bar_chart_rules(stats.get("by_rule", {}))
        + '<figcaption>Changes by rule (<span class="sw a"></span> applied, <span class="sw f"></span> flagged)'
          '</figcaption></figure></section>\n'
        + f'<section><h2>Changes by stage and rule</h2>{rules_html}</section></main>\n'
        + f'<script src="{REVIEW_DIR}/data.js"></script><script src="{REVIEW_DIR}/report.js"></script>\n'
          '</body></html>\n'
    )


# ---------------------------------------------------------------- the listener


def asset(name: str) -> str:
    return (resources.files("repair.review") / "assets" / name).read_text(encoding="utf-8")


class HtmlReport:
    """A :class:`~repair.writers.FolderSink` listener: writes each page as documents stream by.

    Memory holds one short index entry per document, never the texts.
    """

    def __init__(self, out: Path, *, title: str = "repair review", into: Path | None = None) -> None:
        """``out`` is the folder the report is published as (it names the decisions' storage key);
        ``into`` the folder written now, if another (a :class:`~repair.writers.FolderSink`'s staging ``dir``)."""
        self.out = into if into is not None else out
        self.dir = self.out / REVIEW_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.title = title
        self.token = report_token(out)
        self.entries: list[list[Any]] = []
        self._names = UniqueNames()  # used when no name is given (a report written on its own)
        self._pages: set[str] = set()  # pages written, from review/

    def add(self, doc: Document, entry: dict[str, Any] | None = None, *, name: str | None = None) -> None:
        """Write ``doc``'s page; ``entry`` (its line in ``documents.jsonl``, if any) gets the page's
        path from the output folder as ``review``. ``name``: the document's name in the output
        (:class:`~repair.writers.FolderSink` gives it, the name of its diff); else it is made from the
        document's origin the same way (:func:`~repair.writers.document_name`)."""
        if name is None:
            as_kind, rel = target_of(doc)
            name = self._names.claim(document_name(rel, as_kind, doc.origin.get("line"), doc.id))
        name = f"{name}.html"
        page = f"{shard(name)}/{name}"
        self._pages.add(page)
        write_atomic(self.dir / page, render_document(doc, token=self.token, page=page))
        if entry is not None:
            entry["review"] = f"{REVIEW_DIR}/{page}"
        by_rule: dict[str, int] = {}
        for c in doc.changes:
            by_rule[c.rule] = by_rule.get(c.rule, 0) + 1
        kinds = [kind(c, doc.spin_score) for c in doc.changes]
        asks = sorted([c.start, c.end, c.rule] for c, k in zip(doc.changes, kinds, strict=True) if k == "ask")
        self.entries.append([doc.id, page, round(doc.spin_score, 4), doc.family or "",
                             sum(c.applied for c in doc.changes), sum(not c.applied for c in doc.changes),
                             len(doc.source), sorted(([r, n] for r, n in by_rule.items()), key=lambda rn: (-rn[1], rn[0])),
                             len(asks), kinds.count("low"), asks])

    def close(self, stats: Any) -> None:
        d = stats.as_dict() if hasattr(stats, "as_dict") else dict(stats)
        for name in ASSETS:
            write_atomic(self.dir / name, asset(name))
        self.entries.sort(key=lambda e: (-e[2], -(e[4] + e[5]), e[0]))
        data = {"token": self.token, "pageSize": PAGE_SIZE, "spun": SPUN,
                # rules: [rule, changes] most frequent first; asks: [start, end, rule] of each change that
                # needs a decision (kind "ask"), so the index and J/K know what is left without the pages
                "fields": ["id", "page", "spin", "family", "applied", "flagged", "chars", "rules", "ask", "low", "asks"],
                "docs": self.entries}
        write_atomic(self.dir / "data.js", f"window.REPAIR_REPORT = {json_for_html(data)};\n")
        write_atomic(self.out / "index.html", render_index(d, token=self.token, title=self.title))
        for old in self.dir.glob("*/**/*.html"):  # pages of an earlier run into the same folder
            if old.relative_to(self.dir).as_posix() not in self._pages:
                old.unlink()


def write_report(out: Path, docs: Iterable[Document]) -> Path:
    """Write a report for ``docs`` (already run) into ``out``; returns the index path."""
    from repair.counts import Stats

    stats = Stats()
    rep = HtmlReport(out)
    for doc in docs:
        stats.add(doc)
        rep.add(doc)
    rep.close(stats)
    return out / "index.html"
