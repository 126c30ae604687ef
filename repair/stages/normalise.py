"""normalise: fix encodings (ftfy), Unicode form, line breaks, spaces, and scraping debris.

Every edit is a :class:`~repair.model.Change` against the stage's input, so nothing is lost
silently: a removed boilerplate line is a change whose ``after`` is empty.

>>> from repair.rules import load_rules
>>> normalise("[ad_1]\\nThe State Department said.\\n", load_rules()).text
'The State Department said.\\n'
>>> normalise("plain text\\n", load_rules()).changes
()

Rule kinds (``kind`` in a normalise rule, applied in ``order``, then file order):

- ``replace``: regex ``pattern`` replaced by ``replace`` (``flags`` may hold ``i``, ``m``, ``s``, ``x``);
- ``line``: a whole line (leading/trailing spaces ignored) that fully matches ``pattern``
  (case-insensitive) is removed together with its line break (and the blank lines after it
  when it opens a paragraph);
- ``tail``: a line that fully matches ``pattern`` starts page furniture that runs to the end of
  the document (comment forms, related-post lists): it and everything after it are removed,
  but only if that tail is short (``max_tail_chars``, default 1500), no longer than the text
  before it, and made of short lines (``max_line_chars``, default 200), so an article is never cut;
- ``builtin``: a fix done in code (``ftfy``, ``nfc``); the rule names it so it can be switched
  off with ``--skip`` and documented like the others.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import ftfy
from ftfy import TextFixerConfig

from repair.errors import RuleError
from repair.model import Change, StageResult, compose
from repair.rules import Rule, RuleSet
from repair.scan.ftfy_gate import ftfy_may_change, needs_ftfy
from repair.scan.lines import LineFilter, line_matches, may_cross_lines
from repair.scan.prefilter import Prefilter, folded, literal_starts_run
from repair.scan.utf8 import utf8_and_others
from repair.scan.windows import finditer as windowed

STAGE = "normalise"

_FTFY_CONFIG = TextFixerConfig(uncurl_quotes=False, fix_line_breaks=False, normalization=None, explain=True)


@dataclass(frozen=True, slots=True)
class _Compiled:
    passes: tuple[Callable[[str], StageResult], ...]


def _flags(rule: Rule) -> int:
    f = 0
    for ch in str(rule.get("flags", "")):
        f |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}.get(ch, 0)
        if ch not in "imsx":
            raise RuleError(f"{rule.where()}: unknown regex flag {ch!r}; use i, m, s or x")
    return f


def _compile_pattern(rule: Rule, pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise RuleError(f"{rule.where()}: pattern does not compile ({e}); check the escapes") from None


def _narrow(rule_id: str, start: int, before: str, after: str) -> list[Change]:
    """Turn a rewritten span into small changes (common prefix/suffix trimmed, then a char diff)."""
    p = 0
    while p < len(before) and p < len(after) and before[p] == after[p]:
        p += 1
    s = 0
    while s < len(before) - p and s < len(after) - p and before[-1 - s] == after[-1 - s]:
        s += 1
    b, a = before[p:len(before) - s], after[p:len(after) - s]
    base = start + p
    if len(b) + len(a) <= 16:
        return [Change(STAGE, rule_id, base, base + len(b), b, a)]
    out = []
    sm = difflib.SequenceMatcher(None, b, a, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            out.append(Change(STAGE, rule_id, base + i1, base + i2, b[i1:i2], a[j1:j2]))
    return out


def _lines(text: str) -> list[str]:
    r"""Lines ending at ``\n`` only (``str.splitlines`` also splits at controls such as ``\x1e``,
    which would hide a control character's neighbours from ftfy and make a second run differ).

    >>> _lines("a\x1eb\nc")
    ['a\x1eb\n', 'c']
    """
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _ftfy_pass(text: str) -> StageResult:
    if not needs_ftfy(text):  # the fast path: a scan of the text, no ftfy
        return StageResult(text, ())
    changes: list[Change] = []
    pos = 0
    for line in _lines(text):  # ftfy fixes a line at a time, as ftfy.fix_text does
        if ftfy_may_change(line):
            fixed, expl = ftfy.fix_and_explain(line, config=_FTFY_CONFIG)
            if fixed != line:
                step = expl[0][1] if expl else "fix"
                rid = "ftfy." + (step if isinstance(step, str) else "fix").replace("_", "-")
                changes.extend(_narrow(rid, pos, line, fixed))
        pos += len(line)
    return _result(text, changes)


# NFC joins a character to the one before it only if it is a combining mark or one of a few others (the "maybe"
# of Unicode's NFC quick check with canonical class 0: Indic vowel signs, Hangul vowels and final consonants,
# ...); none of those is in these ranges (Latin to Arabic, Latin Extended Additional to CJK punctuation: what
# news holds beyond ASCII), as tests/test_normalise.py checks in Python's own tables
_NFC_PLAIN_RANGES = (("\x80", "\u0900"), ("\u1e00", "\u3000"))
_NFC_PLAIN: set[str] = set()  # the characters found so (a few dozen in a run), for a set test per text


def _nfc_plain(chars: frozenset[str]) -> bool:
    """Whether each of ``chars`` (beyond ASCII) stays as it is in any NFC text: in :data:`_NFC_PLAIN_RANGES`,
    no combining mark, and NFC on its own (so not one NFC replaces). A text whose characters beyond
    ASCII are all so is NFC (its quick check says yes): :func:`unicodedata.is_normalized` looks up each
    character of the text, this only the few distinct ones beyond ASCII."""
    if chars <= _NFC_PLAIN:
        return True
    for c in chars - _NFC_PLAIN:
        if not (any(lo <= c < hi for lo, hi in _NFC_PLAIN_RANGES) and not unicodedata.combining(c)
                and unicodedata.is_normalized("NFC", c)):
            return False
        if len(_NFC_PLAIN) < 4096:
            _NFC_PLAIN.add(c)
    return True


def _is_nfc(text: str) -> bool:
    """``unicodedata.is_normalized("NFC", text)``, told from the set of the text's characters beyond ASCII
    (:func:`repair.scan.utf8.utf8_and_others`, made already for ftfy's gate) when they are all plain."""
    if text.isascii():
        return True
    split = utf8_and_others(text)
    if split is not None and split[1] is not None and _nfc_plain(split[1]):
        return True
    return unicodedata.is_normalized("NFC", text)


def _nfc_pass(text: str) -> StageResult:
    if _is_nfc(text):
        return StageResult(text, ())
    changes: list[Change] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        if not unicodedata.is_normalized("NFC", line):
            changes.extend(_narrow("unicode.nfc", pos, line, unicodedata.normalize("NFC", line)))
        pos += len(line)
    return _result(text, changes)


def _result(text: str, changes: list[Change]) -> StageResult:
    if not changes:
        return StageResult(text, ())
    parts, pos = [], 0
    for c in changes:
        parts.append(text[pos:c.start])
        parts.append(c.after)
        pos = c.end
    parts.append(text[pos:])
    return StageResult("".join(parts), tuple(changes))


class _ReplacePass:
    """All ``replace`` rules of one order level, each scanned where its literal cover occurs.

    A class rather than a closure, so a compiled rule set pickles (worker processes, the disk cache).
    """

    __slots__ = ("compiled",)

    def __init__(self, rules: list[Rule]) -> None:
        compiled = []
        for r in rules:
            rx = _compile_pattern(r, r.data["pattern"], _flags(r))
            pf = Prefilter.of(rx, line_end=True)
            compiled.append((r, rx, pf, literal_starts_run(rx, pf)))
        for r, _, _, _ in compiled:
            if "replace" not in r.data:
                raise RuleError(f"{r.where()}: a replace rule needs 'replace'")
        self.compiled = tuple(compiled)

    def __getstate__(self) -> tuple:
        return self.compiled

    def __setstate__(self, state: tuple) -> None:
        self.compiled = state

    def __call__(self, text: str) -> StageResult:
        changes: list[Change] = []
        taken_until = -1
        hits: list[tuple[int, int, Rule, re.Match[str]]] = []
        for r, rx, pf, lead in self.compiled:
            if not pf.may_match(text):
                continue  # the rule cannot match (none of its literals is in the text): no scan
            # a match that starts with one of the cover's literals is tried only where one occurs
            matches = rx.finditer(text) if lead is None else windowed(rx, text, _spots(pf.cover, text), None, 0)
            for m in matches:
                if m.end() > m.start():
                    hits.append((m.start(), m.end(), r, m))
        hits.sort(key=lambda h: (h[0], -h[1]))
        for s, e, r, m in hits:
            if s < taken_until:
                continue
            after = m.expand(r.data["replace"])
            if after != m.group(0):
                changes.append(Change(STAGE, r.id, s, e, m.group(0), after))
                taken_until = e
        return _result(text, changes)


def _spots(cover: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    out = []
    for lit in cover:
        i = text.find(lit)
        while i >= 0:
            out.append((i, len(lit)))
            i = text.find(lit, i + 1)
    return out


class _LinePass:
    """Whole-line removals: one multiline regex with a named group per rule."""

    __slots__ = ("rx", "by_group", "lines")

    def __init__(self, rules: list[Rule]) -> None:
        alts = []
        for i, r in enumerate(rules):
            _compile_pattern(r, r.data["pattern"], re.I)  # validate alone for a precise error
            alts.append(f"(?P<r{i}>{r.data['pattern']})")
        self.rx = re.compile(r"^[ \t\u00a0]*(?:" + "|".join(alts) + r")[ \t\u00a0]*(?:\n|\Z)", re.I | re.M)
        self.by_group = {f"r{i}": r for i, r in enumerate(rules)}
        # when no rule can match across a line break, only the lines that start like a rule (or hold
        # one of its literals) need trying (see line_matches)
        within_lines = not any(may_cross_lines(r.data["pattern"]) for r in rules)
        self.lines = LineFilter.of([r.data["pattern"] for r in rules], " \t\u00a0") if within_lines else None

    def __getstate__(self) -> tuple:
        return self.rx, self.by_group, self.lines

    def __setstate__(self, state: tuple) -> None:
        self.rx, self.by_group, self.lines = state

    def __call__(self, text: str) -> StageResult:
        by_group = self.by_group
        changes = []
        taken = 0
        for m in line_matches(self.rx, self.lines, text):
            s, e = m.start(), m.end()
            if m.lastgroup not in by_group or s < taken or not m.group(0).strip():
                continue
            if s == 0 or text.endswith("\n\n", 0, s):
                # the line opens a paragraph: take the blank lines after it too, so the paragraph
                # gap stays one blank line and the removal is one change under this rule's id
                b = _BLANKS.match(text, e)
                e = b.end() if b else e
            changes.append(Change(STAGE, by_group[m.lastgroup].id, s, e, text[s:e], ""))
            taken = e
        return _result(text, changes)


_BLANKS = re.compile(r"(?:[ \t\u00a0]*\n)+")


def _safe_tail(text: str, start: int, limit: int, line_limit: int) -> bool:
    """A tail from ``start`` may go only if it cannot be article text.

    It must not be the whole text, must be at most ``limit`` characters and no longer than the
    text before it, and each of its lines must be short (menus, forms, headline lists), so
    paragraphs after a stray "Related Articles" heading are never cut.
    """
    tail = len(text) - start
    if start == 0 or tail > limit or tail > start:
        return False
    return all(len(line) <= line_limit for line in text[start:].splitlines())


class _TailPass:
    """Page furniture from a heading line to the end of the text (see ``_safe_tail``)."""

    __slots__ = ("scans",)

    def __init__(self, rules: list[Rule]) -> None:
        for r in rules:
            _compile_pattern(r, r.data["pattern"], re.I)
        # as for line rules: a heading within one line is tried only on the lines that start like it
        scans = []
        for r in rules:
            rx = re.compile(r"^[ \t]*(?:" + r.data["pattern"] + r")[ \t]*$", re.I | re.M)
            lines = LineFilter.of([r.data["pattern"]], " \t") if not may_cross_lines(r.data["pattern"]) else None
            scans.append((r, rx, Prefilter.of(rx), lines,
                          int(r.get("max_tail_chars", 1500)), int(r.get("max_line_chars", 200))))
        self.scans = tuple(scans)

    def __getstate__(self) -> tuple:
        return self.scans

    def __setstate__(self, state: tuple) -> None:
        self.scans = state

    def __call__(self, text: str) -> StageResult:
        best: Change | None = None
        for r, rx, pf, lines, limit, line_limit in self.scans:
            if lines is not None:
                matches = line_matches(rx, lines, text)
            elif pf.may_match(folded(text)):
                matches = rx.finditer(text)
            else:
                continue  # none of the heading's literals is in the text
            for m in matches:
                if _safe_tail(text, m.start(), limit, line_limit):
                    if best is None or m.start() < best.start:
                        best = Change(STAGE, r.id, m.start(), len(text), text[m.start():], "")
                    break
        if best is None:
            return StageResult(text, ())
        return _result(text, [best])


_BUILTINS: dict[str, Callable[[str], StageResult]] = {"ftfy": _ftfy_pass, "nfc": _nfc_pass}


def compile_rules(rules: RuleSet) -> _Compiled:
    """Group the normalise rules into passes: builtins, replaces and line removals, by ``order``."""
    levels: dict[tuple[int, str], list[Rule]] = {}
    for r in rules.for_stage(STAGE):
        kind = r.get("kind")
        if kind not in ("replace", "line", "tail", "builtin"):
            raise RuleError(f"{r.where()}: kind {kind!r} is not one of replace, line, tail, builtin")
        if kind != "builtin" and not isinstance(r.data.get("pattern"), str):
            raise RuleError(f"{r.where()}: a {kind} rule needs a string 'pattern'")
        if kind == "builtin" and r.data.get("builtin") not in _BUILTINS:
            raise RuleError(f"{r.where()}: builtin must be one of {', '.join(_BUILTINS)}")
        order = int(r.get("order", 50))
        key = (order, kind if kind != "builtin" else f"builtin:{r.id}")
        levels.setdefault(key, []).append(r)
    passes: list[Callable[[str], StageResult]] = []
    for (_order, kind), group in sorted(levels.items(), key=lambda kv: kv[0][0]):
        if kind.startswith("builtin:"):
            passes.append(_BUILTINS[group[0].data["builtin"]])
        elif kind == "replace":
            passes.append(_ReplacePass(group))
        elif kind == "line":
            passes.append(_LinePass(group))
        else:
            passes.append(_TailPass(group))
    return _Compiled(tuple(passes))


def normalise(text: str, rules: RuleSet) -> StageResult:
    """Apply the normalise rules in order; return the text and the changes against ``text``.

    >>> from repair.rules import load_rules
    >>> normalise("Caf\\u00c3\\u00a9  au lait", load_rules()).text
    'Café au lait'
    """
    compiled = rules.compiled(STAGE, compile_rules)
    changes: list[Change] = []
    cur = text
    # A fix can expose another one to an earlier pass (ftfy sees "\u00c0\u20ac" as mojibake once
    # the no-break space before it became a space), so a text that changed goes round again
    # (clean text takes one round): normalising normalised text changes nothing. A pass is a function of
    # its text alone: one that left this very text as it was (the passes after the round's last change)
    # is not run on it again.
    idle: list[str | None] = [None] * len(compiled.passes)  # the text each pass last left unchanged
    for _ in range(_MAX_ROUNDS):
        start = cur
        for i, p in enumerate(compiled.passes):
            if idle[i] is cur:
                continue
            res = p(cur)
            if res.changes:
                changes = compose(text, changes, cur, res.changes).changes
                cur = res.text
            else:
                idle[i] = cur
        if cur == start:
            break
    return StageResult(cur, tuple(changes))


_MAX_ROUNDS = 3
