"""grammar: check sentences with LanguageTool and record its matches as flagged changes.

LanguageTool catches what spinners leave behind ("would possibly maybe maybe", agreement errors
after a substitution) and checks that our own repairs read as English. It is slow, so by default
only the sentences the pipeline changed or flagged are checked, plus a few untouched ones per
document for its grammar score; :mod:`repair.languagetool` caches the answers on disk by sentence.

The stage is a pure function of the text, the spans earlier stages touched, the scope and a
``check`` callable (a list of sentences in, a list of :class:`~repair.languagetool.issue.Issue`
lists out), so it is tested without LanguageTool. Each match becomes a change that carries
LanguageTool's words as its :class:`~repair.model.Note`:

>>> def check(sentences):
...     return [[Issue("ENGLISH_WORD_REPEAT_RULE", 7, 18, "Possible typo: you repeated a word.",
...                    "MISC", "duplication", ("maybe",))] if "maybe maybe" in s else [] for s in sentences]
>>> r = grammar("It was maybe maybe true.", check, scope="all")
>>> [(c.rule, c.before, c.after, c.applied, c.note.message) for c in r.changes]
[('grammar.ENGLISH_WORD_REPEAT_RULE', 'maybe maybe', 'maybe', False, 'Possible typo: you repeated a word.')]
>>> r.info["status"], r.info["matches"], r.info["per_1k_words"]
('ok', 1, 200.0)
>>> grammar("It was true.", check, scope="all").changes
()

:mod:`repair.pipeline` runs it on a Document (``_stage_grammar``) and stores :func:`record` of the
result in ``doc.extra["grammar"]``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from repair.errors import ConfigError, RepairError
from repair.languagetool.issue import CheckFn, Issue
from repair.languagetool.settings import DEFAULT_SAMPLE, SCOPES, STAGE, LanguageToolUnavailable
from repair.model import Change, Note, StageResult, apply_changes, source_span
from repair.sentences import sentences
from repair.words import count as count_words

# Stages whose changes do not make a sentence "changed" for the `changed` scope: normalise fixes
# encodings, spaces and quotes, which would pull in most sentences of a scraped page without
# touching its wording.
NOT_WORDING = frozenset({"normalise"})
NO_SUGGESTION = "LanguageTool has no suggestion; the text is left as it is"
SUGGESTIONS_KEPT = 3  # LanguageTool's suggestions kept in a change's note


def touched_spans(changes: Iterable[Change], pending: Iterable[Change] = (), *,
                  exclude: frozenset[str] = NOT_WORDING) -> list[tuple[int, int]]:
    """Spans of the current text that ``changes`` (against the source; the applied ones made the
    current text) or ``pending`` proposals (against the current text) touch.

    >>> c = Change("match", "m", 4, 12, "Division", "Department")
    >>> touched_spans([c, Change("normalise", "n", 0, 2, "  ", "")]), touched_spans([c.with_applied(False)])
    ([(2, 12)], [(4, 12)])
    """
    out: list[tuple[int, int]] = []
    delta = 0
    for c in sorted(changes, key=lambda c: (c.start, c.end)):
        s = c.start + delta
        if c.applied:
            e = s + len(c.after)
            delta += len(c.after) - (c.end - c.start)
        else:
            e = s + (c.end - c.start)
        if c.stage not in exclude:
            out.append((s, e))
    out.extend((c.start, c.end) for c in pending if c.stage not in exclude)
    return out


def select(spans: Sequence[tuple[int, int]], touched: Iterable[tuple[int, int]], *, scope: str = "changed",
           sample: int = DEFAULT_SAMPLE) -> list[int]:
    """Indexes of the sentences to check.

    ``all``: every sentence. ``changed``: the sentences a touched span meets (a span that is a
    point, like a deletion, meets the sentence it is in or borders), plus up to ``sample`` of the
    others, evenly spread (the same ones on every run, so they are cached), so a document with
    few sentences is checked whole.

    >>> spans = [(0, 10), (11, 20), (21, 30), (31, 40), (41, 50)]
    >>> select(spans, [(12, 14)], sample=2)
    [1, 2, 4]
    >>> select(spans, [], sample=9)
    [0, 1, 2, 3, 4]
    >>> select(spans, [(12, 14)], scope="all", sample=0)
    [0, 1, 2, 3, 4]
    """
    if scope == "all":
        return list(range(len(spans)))
    if scope != "changed":
        raise ConfigError(f"grammar scope {scope!r} is not one of {', '.join(SCOPES)}")
    hit: set[int] = set()
    for ts, te in touched:
        for i, (s, e) in enumerate(spans):
            if (ts < e and s < te) if ts < te else (s <= ts <= e):
                hit.add(i)
    rest = [i for i in range(len(spans)) if i not in hit]
    if len(rest) <= sample:
        picked = rest
    else:
        picked = [rest[int((k + 0.5) * len(rest) / sample)] for k in range(sample)]
    return sorted(hit | set(picked))


def grammar(text: str, check: CheckFn, *, touched: Iterable[tuple[int, int]] = (), scope: str = "changed",
            sample: int = DEFAULT_SAMPLE, auto_apply: Iterable[str] = ()) -> StageResult:
    """Check the selected sentences of ``text`` and turn the matches into changes against ``text``.

    Each match becomes a change with rule ``grammar.<LanguageTool rule id>``, ``after`` its first
    suggestion (the text itself when there is none), its confidence from the category, its note
    LanguageTool's message, and ``applied`` only if the rule id is in ``auto_apply``. Overlapping
    matches: the applied, then the more confident, then the earlier one wins; the others are
    ``info["unplaced"]``. When ``check`` raises :class:`LanguageToolUnavailable` the text is left
    as it is and ``info`` says ``status: "skipped"`` with the one-line reason.

    ``info``: ``status``, ``sentences``, ``sentences_checked``, ``words_checked``, ``matches`` (placed
    or not), ``per_1k_words`` (None when no word was checked) and ``unplaced``; when skipped,
    ``reason`` instead of ``words_checked`` and ``unplaced``.
    """
    spans = sentences(text)
    chosen = select(spans, touched, scope=scope, sample=sample)
    batch = [text[spans[i][0]:spans[i][1]] for i in chosen]
    try:
        results = check(batch) if batch else []
    except LanguageToolUnavailable as e:
        return StageResult(text, (), {"status": "skipped", "reason": str(e), "sentences": len(spans),
                                      "sentences_checked": 0, "matches": 0, "per_1k_words": None})
    if len(results) != len(batch):
        raise RepairError(f"grammar checker returned {len(results)} results for {len(batch)} sentences")
    allowed = frozenset(auto_apply)
    found = [_change(text, s, e, issue, allowed) for s, e, issue in _placed(spans, chosen, results)]
    changes, unplaced = _settle(found, allowed)
    words = sum(count_words(b) for b in batch)
    info = {"status": "ok", "sentences": len(spans), "sentences_checked": len(chosen), "words_checked": words,
            "matches": len(found), "per_1k_words": round(1000 * len(found) / words, 3) if words else None,
            "unplaced": unplaced}
    return StageResult(apply_changes(text, changes), changes, info)


def _placed(spans: Sequence[tuple[int, int]], chosen: Sequence[int],
            results: Sequence[Sequence[Issue]]) -> Iterable[tuple[int, int, Issue]]:
    """Each issue with its span in the text; an issue outside its sentence cannot be placed honestly."""
    for i, issues in zip(chosen, results, strict=True):
        base, limit = spans[i]
        for issue in issues:
            s, e = base + issue.start, base + issue.end
            if base <= s <= e <= limit:
                yield s, e, issue


def _change(text: str, s: int, e: int, issue: Issue, allowed: frozenset[str]) -> Change:
    before = text[s:e]
    after = issue.replacements[0] if issue.replacements else before
    note = Note(issue.message, issue.category, issue.issue_type, issue.replacements[:SUGGESTIONS_KEPT])
    return Change(STAGE, f"{STAGE}.{issue.rule_id}", s, e, before, after, issue.confidence,
                  issue.rule_id in allowed and after != before, note)


def _settle(found: Sequence[Change], allowed: frozenset[str]) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """Changes that do not overlap (the applied, then the more confident, then the earlier one
    wins) and the matches left over, flagged; both in text order."""
    ranked = sorted(found, key=lambda c: (c.rule[len(STAGE) + 1:] not in allowed, -c.confidence, c.start, c.end))
    taken: list[tuple[int, int]] = []
    kept: list[Change] = []
    left: list[Change] = []
    for c in ranked:
        s, e = c.start, c.end
        if any(s < te and ts < e or (s == e and ts <= s <= te) or (ts == te and s <= ts <= e) for ts, te in taken):
            left.append(c.with_applied(False))
            continue
        taken.append((s, e))
        kept.append(c)
    return tuple(sorted(kept, key=_order)), tuple(sorted(left, key=_order))


def _order(c: Change) -> tuple[int, int, str]:
    return c.start, c.end, c.rule


def flag_all(result: StageResult, text: str) -> StageResult:
    """``result`` with nothing applied: every change flagged, ``text`` (the stage's input) unchanged."""
    return result._replace(text=text, changes=tuple(c.with_applied(False) for c in result.changes))


RECORD_KEYS = ("status", "scope", "server", "lt_version", "reason", "sentences", "sentences_checked", "from_cache",
               "words_checked", "matches", "per_1k_words")
#: a skipped stage's entry: no ``reason``, which is the run's (the same long line for every document), not
#: the document's: :func:`skip_reason` gives it to the commands, which say it once (stderr, report.json)
SKIPPED_KEYS = ("status", "scope", "server", "sentences", "sentences_checked", "matches", "per_1k_words")


def record(result: StageResult, prior: Sequence[Change], lost: Iterable[Change],
           run: Mapping[str, Any]) -> dict[str, Any]:
    """The ``grammar`` entry of a document's record: ``result.info`` and the facts of the ``run``
    (``scope``, ``server``, ``lt_version``, ``from_cache``) in one order, and ``issues``: one entry
    per match (rule, message, category, issue type, suggestions, the text it flagged), with its
    ``status`` (``applied``, ``flagged``, or ``overlap``: on another match, or on text an earlier
    stage rewrote, in ``lost``, and so not a change of the record) and its ``start``/``end`` in the
    source that ``prior`` (the record's changes before this stage) turns into the stage's input.
    A skipped stage's entry says so without the reason (:data:`SKIPPED_KEYS`, :func:`skip_reason`).
    """
    facts = {**run, **result.info}
    ok = facts["status"] == "ok"
    out = {k: facts[k] for k in (RECORD_KEYS if ok else SKIPPED_KEYS) if k in facts}
    if ok:
        out["issues"] = issues(result, prior, lost)
    return out


def skip_reason(result: StageResult) -> str | None:
    """Why the stage was skipped (LanguageTool unavailable), or None when it ran."""
    return None if result.info.get("status") == "ok" else str(result.info.get("reason") or "LanguageTool unavailable")


def issues(result: StageResult, prior: Sequence[Change], lost: Iterable[Change]) -> list[dict[str, Any]]:
    """The ``issues`` of :func:`record`, in text order."""
    lost = set(lost)
    unplaced = result.info.get("unplaced", ())
    out = []
    for c in sorted((*result.changes, *unplaced), key=_order):
        note = c.note or Note("")
        status = "overlap" if c in lost or c in unplaced else "applied" if c.applied else "flagged"
        start, end = source_span(prior, c.start, c.end)
        entry: dict[str, Any] = {"rule": c.rule, "message": note.message, "category": note.category,
                                 "issue_type": note.issue_type, "replacements": list(note.replacements),
                                 "text": c.before, "status": status, "start": start, "end": end}
        if not note.replacements:
            entry["note"] = NO_SUGGESTION
        out.append(entry)
    return out


__all__ = ["NOT_WORDING", "RECORD_KEYS", "SKIPPED_KEYS", "STAGE", "flag_all", "grammar", "issues", "record", "select",
           "skip_reason", "touched_spans"]
