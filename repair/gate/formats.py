"""Writers for ``repair check`` reports: JSON, JUnit XML, SARIF 2.1.0 and GitHub workflow commands.

Each writer is a pure function from a :class:`~repair.gate.check.Report` to text (the human table is
drawn by the CLI with rich). Places are 1-based lines and columns (code points) in the original
input file; for a JSONL record, the record's line and the columns inside its text field.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from repair.errors import printable
from repair.gate.check import INPUT_ERROR_RULE, Report
from repair.gate.figures import FIGURES, figure
from repair.gate.locate import DocumentResult, Finding
from repair.provenance import tool_version

FORMATS = ("human", "json", "junit", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
GRAMMAR_SKIPPED_RULE = "repair/grammar-skipped"
GITHUB_CAP = 10  # GitHub shows at most 10 annotations of each type per step
FINGERPRINT_KEY = "repairFinding/v1"


def version() -> str:
    return tool_version()


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


# ---- the places and messages every format shares ----------------------------------------------------


def uri(path: str | None, base: Path | None = None) -> str:
    """A file's URI for reports: relative to ``base`` (the working directory) when it is inside it.

    >>> uri("seeds/a.txt"), uri(None), uri("<stdin>")
    ('seeds/a.txt', 'stdin', 'stdin')
    """
    if not path or path == "<stdin>":
        return "stdin"
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to((base or Path.cwd()).resolve()).as_posix()
        except ValueError:
            return p.as_uri()
    return p.as_posix()


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing to report: a finding (a change), a failing figure with no change to point at, a
    corpus failure, an unreadable document or the skipped grammar stage."""

    rule_id: str
    level: str  # "error" or "warning"
    message: str
    title: str
    path: str | None
    line: int | None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    key: str = ""  # what identifies it across runs (no line numbers)
    document: str | None = None
    figure: str | None = None
    scope: str = "document"  # "document", "corpus" or "run"; the latter two have no place of their own


def issues(report: Report, *, per_change: bool) -> Iterator[Issue]:
    """Everything that failed, worst documents first. ``per_change``: one issue per finding (SARIF);
    otherwise one per failing figure of a document, placed at its first finding (annotations)."""
    for d in report.documents:
        if d.passed:
            continue
        by_fig: dict[str, list[Finding]] = {}
        for f in d.findings:
            by_fig.setdefault(f.figure, []).append(f)
        for v in d.failures:
            fig = figure(v.figure)
            own = by_fig.get(v.figure, [])
            # a figure's evidence (the spin score's: spun phrases) is filed under the evidence when both fail
            found = own or (by_fig.get(fig.evidence, []) if fig.evidence else [])
            head = f"{d.id}: {v.describe()}"
            if not found:
                yield Issue(fig.rule_id, "error", f"{head} ({fig.description})", f"repair check: {v.figure}",
                            d.path, d.record_line or 1, 1, d.record_line or 1, 1, key=f"{d.id}|{v.figure}",
                            document=d.id, figure=v.figure)
            elif per_change and own:
                seen: Counter = Counter()
                for f in own:
                    k = f"{d.id}|{f.rule_id}|{f.rule}|{f.before}|{f.after}"
                    seen[k] += 1
                    yield Issue(f.rule_id, "error", f"{f.message()} ({head})", f"repair check: {v.figure}",
                                d.path, f.line, f.column, f.end_line, f.end_column, key=f"{k}|{seen[k]}",
                                document=d.id, figure=v.figure)
            else:
                f = found[0]
                more = f" and {len(found) - 1} more" if len(found) > 1 else ""
                yield Issue(fig.rule_id, "error", f"{head}; first: {f.message()}{more}",
                            f"repair check: {v.figure}", d.path, f.line, f.column, f.end_line, f.end_column,
                            key=f"{d.id}|{v.figure}", document=d.id, figure=v.figure)
    for v in report.corpus_failures:
        yield Issue(figure(v.figure).rule_id, "error", f"corpus: {v.describe()} ({figure(v.figure).description})",
                    f"repair check: corpus {v.figure}", None, None, key=f"corpus|{v.figure}", figure=v.figure,
                    scope="corpus")
    for u in report.unreadable:
        yield Issue(INPUT_ERROR_RULE, "error", f"cannot check: {u['error']}", "repair check: unreadable input",
                    u["path"], u["line"] or 1, 1, u["line"] or 1, 1, key=f"unreadable|{u['path']}|{u['line']}")
    if report.grammar == "skipped":
        level = "error" if report.fail_on_skip else "warning"
        yield Issue(GRAMMAR_SKIPPED_RULE, level, f"grammar stage SKIPPED, not checked: {report.grammar_reason}",
                    "repair check: grammar skipped", None, None, key="grammar-skipped", scope="run")


# ---- SARIF 2.1.0 ------------------------------------------------------------------------------------


_RULE_HELP = {
    **{f.rule_id: f.description for f in FIGURES},
    INPUT_ERROR_RULE: "an input document could not be read (bad UTF-8, binary, malformed JSON line)",
    GRAMMAR_SKIPPED_RULE: "the grammar stage was asked for but LanguageTool was not available",
}


#: GitHub code scanning rejects a run with more results, or a file larger than this (we keep the
#: uncompressed file under it, so it also fits the compressed limit).
SARIF_MAX_RESULTS = 25_000
SARIF_MAX_BYTES = 10_000_000
_SARIF_RESERVE = 200_000  # bytes kept for the rules, the run's properties and the notifications


# long (70 lines): the one place a SARIF run is assembled under GitHub's limits; the budget (results,
# bytes) threads through choosing, capping and saying what was left out, and reads best in one piece
def render_sarif(report: Report, *, base: Path | None = None, max_results: int = SARIF_MAX_RESULTS,
                 max_bytes: int = SARIF_MAX_BYTES) -> str:
    """SARIF 2.1.0 that GitHub code scanning accepts: at most ``max_results`` results and ``max_bytes``.

    One result per change when that fits; else one per failing figure of a document (placed at its
    first change, "and N more"); else the worst documents first, until the limits. Corpus and run
    results come first. What was left out is said in a warning notification and in the run's
    ``properties.left_out`` (``--format json`` always lists everything).
    """
    anchor = next((d.path for d in report.documents if d.path), None)
    per_doc = [i for i in issues(report, per_change=True) if i.scope == "document"]
    aggregated = len(per_doc) > max_results
    if aggregated:
        per_doc = [i for i in issues(report, per_change=False) if i.scope == "document"]
    # corpus and run results are always kept; documents (worst first) fill what room is left
    runs = [i for i in issues(report, per_change=False) if i.scope != "document"]
    run_results = [_sarif_result(i, anchor, base) for i in runs]
    budget = max_bytes - _SARIF_RESERVE - sum(_cost(r) for r in run_results)
    room = max_results - len(run_results)
    doc_results: list[dict[str, Any]] = []
    size = 0
    for issue in per_doc:
        res = _sarif_result(issue, anchor, base)
        size += _cost(res)
        if len(doc_results) >= room or size > budget:
            break
        doc_results.append(res)
    left = per_doc[len(doc_results):]
    results = doc_results + run_results
    used = []
    for res in results:  # rule indexes in the order the results use them
        if res["ruleId"] not in used:
            used.append(res["ruleId"])
        res["ruleIndex"] = used.index(res["ruleId"])
    rules = [{
        "id": rid,
        "name": rid.split("/", 1)[1].title().replace("-", ""),
        "shortDescription": {"text": _RULE_HELP.get(rid, rid)},
        "defaultConfiguration": {"level": "warning" if rid == GRAMMAR_SKIPPED_RULE else "error"},
    } for rid in used]
    notifications = []
    if report.grammar == "skipped":
        notifications.append({"level": "warning", "message": {"text": f"grammar stage skipped: {report.grammar_reason}"},
                              "descriptor": {"id": GRAMMAR_SKIPPED_RULE}})
    properties: dict[str, Any] = {"passed": report.passed, "summary": report.summary(), "corpus": report.corpus,
                                  "provenance": report.provenance}
    if aggregated or left:
        shown = {i.document for i in per_doc[:len(doc_results)]}  # a document cut at the limit counts as shown
        out_docs = len({i.document for i in left if i.document and i.document not in shown})
        text = ((f"{len(left)} result(s) for {out_docs} document(s) left out to stay within GitHub's limits "
                 f"({max_results:,} results, {max_bytes:,} bytes); " if left else "")
                + ("one result per failing figure of a document, not per change; " if aggregated else "")
                + "repair check --format json lists everything")
        notifications.append({"level": "warning", "message": {"text": text}})
        properties["left_out"] = {"results": len(left), "documents": out_docs, "aggregated": aggregated,
                                  "max_results": max_results, "max_bytes": max_bytes}
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "repair", "version": version(), "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True, "exitCode": report.exit_code,
                             "toolExecutionNotifications": notifications}],
            "results": results,
            "properties": properties,
        }],
    }
    # indented for a person when small; compact when large (indentation would double the size)
    return json.dumps(sarif, indent=2 if len(results) <= 1000 else None, ensure_ascii=False) + "\n"


def _cost(res: dict[str, Any]) -> int:
    return len(json.dumps(res, ensure_ascii=False).encode("utf-8")) + 2


def _sarif_result(issue: Issue, anchor: str | None, base: Path | None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": issue.rule_id,
        "ruleIndex": 0,  # set once the results are chosen
        "level": issue.level,
        "message": {"text": issue.message},
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(uri(issue.path, base), issue.key)},
    }
    path, region = issue.path, {"startLine": issue.line or 1, "startColumn": issue.column or 1,
                                "endLine": issue.end_line or issue.line or 1,
                                "endColumn": issue.end_column or issue.column or 1}
    if path is None and anchor is not None:  # corpus and run results: code scanning wants a place
        path, region = anchor, {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
    if path is not None:
        res["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": _uri_reference(uri(path, base))},
                                                  "region": region}}]
    props = {k: v for k, v in (("document", issue.document), ("figure", issue.figure)) if v}
    if props:
        res["properties"] = props
    return res


def _uri_reference(u: str) -> str:
    """SARIF wants a URI: a relative path gets its spaces, ``#``, ``%`` and the like percent-encoded.

    >>> _uri_reference("news/a b#1.txt"), _uri_reference("file:///x/a%20b.txt")
    ('news/a%20b%231.txt', 'file:///x/a%20b.txt')
    """
    return u if u.startswith("file:") else urllib.parse.quote(u, safe="/")


def _fingerprint(file_uri: str, key: str) -> str:
    return hashlib.sha256(f"{file_uri}|{key}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ---- JUnit XML -------------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(s: Any) -> str:
    """Text XML 1.0 can hold: characters it forbids become visible escapes."""
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", str(s))


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="repair check")
    docs = ET.SubElement(root, "testsuite", name="repair check: documents")
    failures = errors = skipped = 0
    n_docs = n_corpus = 0
    for d in sorted(report.documents, key=lambda d: d.id):
        n_docs += 1
        case = ET.SubElement(docs, "testcase", classname="repair.gate.check.documents", name=_x(d.id))
        if d.path:
            case.set("file", _x(d.path))
        if d.record_line:
            case.set("line", str(d.record_line))
        if not d.passed:
            failures += 1
            fail = ET.SubElement(case, "failure", type=",".join(v.figure for v in d.failures),
                                 message=_x("; ".join(v.describe() for v in d.failures)))
            fail.text = _x("\n".join(_finding_lines(d)))
        out = ET.SubElement(case, "system-out")
        out.text = _x(json.dumps({"figures": d.figures, "grammar": d.grammar}, ensure_ascii=False))
    for u in report.unreadable:
        n_docs += 1
        errors += 1
        where = f"{u['path']}:{u['line']}" if u["line"] else str(u["path"])
        case = ET.SubElement(docs, "testcase", classname="repair.gate.check.documents", name=_x(where))
        ET.SubElement(case, "error", type="unreadable", message=_x(u["error"]))
    docs.set("tests", str(n_docs))
    docs.set("failures", str(failures))
    docs.set("errors", str(errors))
    docs.set("skipped", "0")

    corpus = ET.SubElement(root, "testsuite", name="repair check: corpus")
    c_fail = c_skip = 0
    for v in report.corpus_verdicts:
        n_corpus += 1
        case = ET.SubElement(corpus, "testcase", classname="repair.gate.check.corpus", name=v.figure)
        if not v.passed:
            c_fail += 1
            ET.SubElement(case, "failure", type=v.figure, message=_x(v.describe())).text = figure(v.figure).description
    if report.grammar == "skipped":
        n_corpus += 1
        case = ET.SubElement(corpus, "testcase", classname="repair.gate.check.corpus", name="grammar")
        if report.fail_on_skip:
            c_fail += 1
            ET.SubElement(case, "failure", type="grammar-skipped", message=_x(f"grammar stage skipped: "
                                                                             f"{report.grammar_reason}"))
        else:
            c_skip += 1
            ET.SubElement(case, "skipped", message=_x(f"grammar stage skipped: {report.grammar_reason}"))
    corpus.set("tests", str(n_corpus))
    corpus.set("failures", str(c_fail))
    corpus.set("errors", "0")
    corpus.set("skipped", str(c_skip))
    root.set("tests", str(n_docs + n_corpus))
    root.set("failures", str(failures + c_fail))
    root.set("errors", str(errors))
    root.set("skipped", str(skipped + c_skip))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _finding_lines(d: DocumentResult) -> list[str]:
    where = d.path or d.id
    lines = [f"{v.describe()}: {figure(v.figure).description}" for v in d.failures]
    for f in d.findings:
        lines.append(f"{where}:{f.line}:{f.column}: {f.message()}")
    return lines


# ---- GitHub workflow commands ----------------------------------------------------------------------


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, *, base: Path | None = None) -> tuple[str, str]:
    """``(annotations, step summary)``: at most :data:`GITHUB_CAP` annotations per type; the step
    summary (Markdown for ``$GITHUB_STEP_SUMMARY``) has the verdict and every issue not annotated."""
    shown: Counter = Counter()
    lines: list[str] = []
    rest: list[Issue] = []
    for issue in issues(report, per_change=False):
        if shown[issue.level] >= GITHUB_CAP:
            rest.append(issue)
            continue
        shown[issue.level] += 1
        props = []
        if issue.path is not None:
            props.append(f"file={_gh_prop(uri(issue.path, base))}")
            if issue.line:
                props.append(f"line={issue.line}")
                if issue.end_line:
                    props.append(f"endLine={issue.end_line}")
                if issue.column:
                    props.append(f"col={issue.column}")
                    if issue.end_column and issue.end_line == issue.line:
                        props.append(f"endColumn={issue.end_column}")
        props.append(f"title={_gh_prop(issue.title)}")
        lines.append(f"::{issue.level} {','.join(props)}::{_gh_data(issue.message)}")
    if rest:
        lines.append(f"{len(rest)} more issue(s) not annotated (GitHub shows {GITHUB_CAP} per type per step); "
                     "see the step summary")
    lines.append(report.summary())
    return "\n".join(lines) + "\n", _step_summary(report, rest, base)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~-])")


def _md(s: str) -> str:
    r"""Input (ids, paths, messages) as inert Markdown table text: no HTML (``<img>`` shows as text),
    no links, emphasis or code, no line breaks or control characters.

    >>> _md("<img src=x> [a](b) | *c*\n")
    '&lt;img src=x&gt; \\[a\\]\\(b\\) \\| \\*c\\* '
    """
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return printable(_MD_SPECIAL.sub(r"\\\1", s.replace("\n", " ")))


#: GitHub refuses a step summary above 1 MiB; ours stays under this many bytes (UTF-8).
SUMMARY_MAX_BYTES = 1_000_000


def _step_summary(report: Report, rest: list[Issue], base: Path | None, max_bytes: int = SUMMARY_MAX_BYTES) -> str:
    out = [f"## repair check: {'passed' if report.passed else 'FAILED'}", "", _md(report.summary()), ""]
    if report.corpus_verdicts:
        out += ["| corpus figure | value | limit | result |", "| --- | ---: | ---: | --- |"]
        for v in report.corpus_verdicts:
            out.append(f"| {v.figure} | {v.value:.4g} | {v.limit:.4g}{' (baseline)' if v.by == 'baseline' else ''} "
                       f"| {'pass' if v.passed else '**fail**'} |")
        out.append("")
    if rest:
        out += [f"### {len(rest)} more issue(s) not shown as annotations", "",
                "| level | file | line | message |", "| --- | --- | ---: | --- |"]
        size = sum(len(line.encode("utf-8")) + 1 for line in out)
        budget = max_bytes - 1_000  # room for the line saying what was left out
        listed = 0
        for i in rest:
            row = f"| {i.level} | {_md(uri(i.path, base)) if i.path else ''} | {i.line or ''} | {_md(_clip(i.message))} |"
            size += len(row.encode("utf-8")) + 1
            if size > budget:
                break
            out.append(row)
            listed += 1
        out.append("")
        if listed < len(rest):
            out += [f"{len(rest) - listed} more issue(s) not listed: a step summary holds at most 1 MiB; "
                    "`repair check --format json` lists everything.", ""]
    return "\n".join(out) + "\n"


def _clip(s: str, limit: int = 300) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


RENDERERS: dict[str, Callable[[Report], str]] = {
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "github": lambda r: render_github(r)[0],
}


__all__ = ["FORMATS", "GITHUB_CAP", "SARIF_MAX_BYTES", "SARIF_MAX_RESULTS", "SUMMARY_MAX_BYTES", "Issue", "RENDERERS",
           "issues", "render_github", "render_json", "render_junit", "render_sarif", "uri", "version"]
