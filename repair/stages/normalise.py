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
from re import _constants as C, _parser as P  # the re module's own parser: stable since 3.11
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import ftfy
from ftfy import TextFixerConfig
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from ftfy.chardata import CONTROL_CHARS, HTML_ENTITY_RE, LIGATURES, WIDTH_MAP

from repair.errors import RuleError
from repair.model import Change, StageResult, compose
from repair.scan.prefilter import Prefilter, folded
from repair.rules import Rule, RuleSet

STAGE = "normalise"

_FTFY_CONFIG = TextFixerConfig(uncurl_quotes=False, fix_line_breaks=False, normalization=None, explain=True)


def _char_class(codepoints: Iterable[int]) -> str:
    """A regex character class (escaped code points and ranges) matching exactly ``codepoints``."""
    cps = sorted(set(codepoints))
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = (f"\\U{c:08x}" for c in (cps[i], cps[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _category(name: str) -> set[int]:
    """Code points of one of ftfy's mojibake categories (strings with ``a-z`` style ranges)."""
    s, out, i = MOJIBAKE_CATEGORIES[name], set(), 0
    while i < len(s):
        if i + 2 < len(s) and s[i + 1] == "-":
            out.update(range(ord(s[i]), ord(s[i + 2]) + 1))
            i += 3
        else:
            out.add(ord(s[i]))
            i += 1
    return out


def _parse_badness() -> Any:
    """ftfy's badness regex parsed (for the two shortcuts below), or None if it cannot be."""
    try:
        return P.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None


_BADNESS_TREE = _parse_badness()


def _mojibake_class() -> str | None:
    """A character class that every match of ftfy's badness regex must contain, or None.

    ftfy's ``is_bad`` (the test behind every encoding fix) is one regex of ~40 alternatives; it is
    the slowest part of normalising clean text. Each alternative has positions that must match
    a character from a set; per alternative we take the set (without ASCII) that contains the
    fewest characters clean typography uses (curly quotes, dashes, ellipsis: ftfy's "common" and
    punctuation categories). A text with none of the chosen characters cannot be bad, so
    ``is_bad`` is only run where one occurs. Derived from ftfy's own regex, so it follows ftfy
    upgrades; None (always run ``is_bad``) if the regex has a shape this does not understand.
    """
    tree = _BADNESS_TREE
    if tree is None or len(tree.data) != 1 or tree.data[0][0] is not C.BRANCH:
        return None
    typographic = _category("common") | _category("start_punctuation") | _category("end_punctuation")

    def required_sets(items: list) -> Iterator[set[int]]:
        for op, av in items:
            if op is C.LITERAL:
                yield {av}
            elif op is C.IN:
                chars: set[int] = set()
                for op2, av2 in av:
                    if op2 is C.LITERAL:
                        chars.add(av2)
                    elif op2 is C.RANGE:
                        chars.update(range(av2[0], av2[1] + 1))
                    else:  # a negated class or a category (\\s, \\w): not a usable position
                        break
                else:
                    yield chars
            elif op is C.SUBPATTERN:
                yield from required_sets(av[-1].data)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
                yield from required_sets(av[2].data)

    chosen: set[int] = set()
    for branch in tree.data[0][1][1]:
        usable = [cs for cs in required_sets(branch.data) if cs and min(cs) > 0x7F]
        if not usable:
            return None
        chosen |= min(usable, key=lambda cs: (len(cs & typographic), len(cs)))
    return _char_class(chosen)


# Text that none of ftfy's fixes can change is passed through without calling ftfy. The fixes
# other than the encoding repair act only on: HTML entities (unescape_html), C1 controls,
# ligatures, half/full-width forms, surrogates, terminal escapes (ESC is a control) and the
# control characters ftfy removes. Built from ftfy's own tables; tests/test_fastpath.py checks
# that a text needing each fix still gets it.
_FTFY_CHARS = re.compile(
    _char_class([*range(0x80, 0xA0), *LIGATURES, *WIDTH_MAP, *range(0xD800, 0xE000), *CONTROL_CHARS, 0x1B]))


def _ftfy_triggered(text: str) -> bool:
    """An HTML entity or a character one of ftfy's character fixes handles (two fast scans)."""
    return _FTFY_CHARS.search(text) is not None or ("&" in text and HTML_ENTITY_RE.search(text) is not None)

_MOJIBAKE_CLASS = _mojibake_class()
_MOJIBAKE_CHARS = re.compile(_MOJIBAKE_CLASS if _MOJIBAKE_CLASS is not None else r"[^\x00-\x7f]")


def _badness_window() -> int | None:
    """The longest match of ftfy's badness regex, if it is short and free of context tests.

    Then a line is bad only if the few characters around one of its watched characters are:
    :func:`_needs_ftfy` checks those windows instead of whole lines.
    """
    if _BADNESS_TREE is None:
        return None
    try:
        width = _BADNESS_TREE.getwidth()[1]
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None
    ok = True

    def walk(items: list) -> None:
        nonlocal ok
        for op, av in items:
            if op in (C.ASSERT, C.ASSERT_NOT, C.GROUPREF, C.GROUPREF_EXISTS) or (
                    op is C.AT and av is not C.AT_BEGINNING):
                ok = False  # lookarounds, \\b, $: a window could miss a match
            elif op is C.BRANCH:
                for b in av[1]:
                    walk(b.data)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                walk(av[2].data)
            elif op is C.SUBPATTERN:
                walk(av[-1].data)

    walk(_BADNESS_TREE.data)
    return width if ok and width <= 16 else None


_BAD_WIDTH = _badness_window()
# Past this many watched characters (accented text) checking line by line is cheaper: a window
# costs about as much as ``is_bad`` on 24 characters of a line.
_MIN_WINDOWS = 24
_CHARS_PER_WINDOW = 24


def _needs_ftfy(text: str) -> bool:
    """Whether some line of ``text`` needs ftfy (a cheap whole-text test, never a false "no")."""
    if _ftfy_triggered(text):
        return True
    if _BAD_WIDTH is None:
        return _MOJIBAKE_CHARS.search(text) is not None
    w = _BAD_WIDTH
    limit = max(_MIN_WINDOWS, len(text) // _CHARS_PER_WINDOW)
    for n, m in enumerate(_MOJIBAKE_CHARS.finditer(text)):
        if n >= limit:
            return True
        i = m.start()
        # a match containing position i lies within w-1 characters of it and within its line;
        # ^ (the regex's only anchor) may match at a window's start: a false "yes" at worst
        lo = max(0, i - w + 1)
        k = text.rfind("\n", lo, i)
        start = k + 1 if k >= 0 else lo
        k = text.find("\n", i, i + w)
        end = k + 1 if k >= 0 else min(len(text), i + w)
        if is_bad(text[start:end]):
            return True
    return False


def ftfy_may_change(text: str) -> bool:
    """True unless ``text`` certainly passes through ftfy (with this stage's config) unchanged.

    >>> ftfy_may_change("The Taliban\u2019s \u201ctakeover\u201d \u2014 AT&T")
    False
    >>> ftfy_may_change("The Taliban\u00e2\u0080\u0099s"), ftfy_may_change("AT&amp;T")
    (True, True)
    """
    if _ftfy_triggered(text):
        return True
    return _MOJIBAKE_CHARS.search(text) is not None and is_bad(text)


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
    if not _needs_ftfy(text):  # the fast path: a scan of the text, no ftfy
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


def _nfc_pass(text: str) -> StageResult:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
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


def _replace_pass(rules: list[Rule]) -> Callable[[str], StageResult]:
    """All ``replace`` rules of one order level, each scanned where its literal cover occurs."""
    compiled = []
    for r in rules:
        rx = _compile_pattern(r, r.data["pattern"], _flags(r))
        compiled.append((r, rx, Prefilter.of(rx)))
    for r, _, _ in compiled:
        if "replace" not in r.data:
            raise RuleError(f"{r.where()}: a replace rule needs 'replace'")

    def run(text: str) -> StageResult:
        changes: list[Change] = []
        taken_until = -1
        hits: list[tuple[int, int, Rule, re.Match[str]]] = []
        for r, rx, pf in compiled:
            if not pf.may_match(text):
                continue  # the rule cannot match (none of its literals is in the text): no scan
            for m in rx.finditer(text):
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

    return run


def _line_pass(rules: list[Rule]) -> Callable[[str], StageResult]:
    """Whole-line removals: one multiline regex with a named group per rule."""
    alts = []
    for i, r in enumerate(rules):
        _compile_pattern(r, r.data["pattern"], re.I)  # validate alone for a precise error
        alts.append(f"(?P<r{i}>{r.data['pattern']})")
    rx = re.compile(r"^[ \t\u00a0]*(?:" + "|".join(alts) + r")[ \t\u00a0]*(?:\n|\Z)", re.I | re.M)
    by_group = {f"r{i}": r for i, r in enumerate(rules)}
    # when no rule can match across a line break, only lines holding one of the rules' literals
    # need trying (see _line_matches)
    within_lines = not any(_may_cross_lines(r.data["pattern"]) for r in rules)
    pf = Prefilter.of(rx) if within_lines else Prefilter(None)

    def run(text: str) -> StageResult:
        changes = []
        taken = 0
        for m in _line_matches(rx, pf, text):
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

    return run


_BLANKS = re.compile(r"(?:[ \t\u00a0]*\n)+")


def _may_cross_lines(pattern: str) -> bool:
    r"""Whether ``pattern`` (case-insensitive, multiline, as line rules are compiled) could consume a
    line break. Errs on the side of yes.

    >>> _may_cross_lines(r"source link"), _may_cross_lines(r"tags:[^.!?\n]+"), _may_cross_lines(r"a\s+b")
    (False, False, True)
    >>> _may_cross_lines(r"tags:[^.!?]+"), _may_cross_lines(r"tags:[\w ]+"), _may_cross_lines(r"x.y")
    (True, False, False)
    """
    try:
        tree = P.parse(pattern, re.I | re.M)
    except Exception:  # noqa: BLE001 - any surprise means: assume it could
        return True
    dotall = bool(tree.state.flags & re.S)
    safe_categories = {C.CATEGORY_DIGIT, C.CATEGORY_WORD, C.CATEGORY_NOT_SPACE, C.CATEGORY_UNI_DIGIT,
                       C.CATEGORY_UNI_WORD, C.CATEGORY_UNI_NOT_SPACE}
    breaking_categories = {C.CATEGORY_SPACE, C.CATEGORY_UNI_SPACE, C.CATEGORY_LINEBREAK, C.CATEGORY_UNI_LINEBREAK}

    def crosses(items: Any) -> bool:
        for op, av in items:
            if op is C.LITERAL and av == 10:
                return True
            if op is C.NOT_LITERAL and av != 10:
                return True
            if op is C.ANY and dotall:
                return True
            if op is C.IN:
                negated = any(op2 is C.NEGATE for op2, _ in av)
                holds_break = any((op2 is C.LITERAL and av2 == 10) or (op2 is C.RANGE and av2[0] <= 10 <= av2[1])
                                  or (op2 is C.CATEGORY and av2 in breaking_categories) for op2, av2 in av)
                if negated and not holds_break:  # [^.!?] takes a line break, [^.!?\n] does not
                    return True
                if not negated and (holds_break or any(op2 is C.CATEGORY and av2 not in safe_categories
                                                       for op2, av2 in av)):
                    return True
            elif op is C.BRANCH:
                if any(crosses(b.data) for b in av[1]):
                    return True
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                if crosses(av[2].data):
                    return True
            elif op is C.SUBPATTERN:
                if av[1] & re.S or crosses(av[-1].data):
                    return True
            elif op is C.ATOMIC_GROUP:
                if crosses(av.data):
                    return True
            elif op in (C.GROUPREF, C.GROUPREF_EXISTS):
                return True
        return False

    return crosses(tree.data)


def _line_matches(rx: re.Pattern[str], pf: Prefilter, text: str) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` for a whole-line regex whose matches never cross a line break.

    Each match lies within one line (plus its break) and contains one of ``pf``'s literals, so
    only the lines holding one are tried; on news text that is a few lines, not every line.
    """
    if pf.cover is None:
        yield from rx.finditer(text)
        return
    f = folded(text)
    if f.odd:
        yield from rx.finditer(text)
        return
    line_end = -1
    for j in pf.starts(f.lowered):
        if j < line_end:
            continue  # this line is tried already
        start = text.rfind("\n", 0, j) + 1
        line_end = text.find("\n", j)
        line_end = len(text) if line_end < 0 else line_end
        m = rx.match(text, start)
        if m:
            yield m


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


def _tail_pass(rules: list[Rule]) -> Callable[[str], StageResult]:
    for r in rules:
        _compile_pattern(r, r.data["pattern"], re.I)
    # as for line rules: a heading within one line is tried only on lines holding one of its literals
    scans = []
    for r in rules:
        rx = re.compile(r"^[ \t]*(?:" + r.data["pattern"] + r")[ \t]*$", re.I | re.M)
        scans.append((r, rx, Prefilter.of(rx), not _may_cross_lines(r.data["pattern"]),
                      int(r.get("max_tail_chars", 1500)), int(r.get("max_line_chars", 200))))

    def run(text: str) -> StageResult:
        best: Change | None = None
        for r, rx, pf, within_lines, limit, line_limit in scans:
            if not pf.may_match(folded(text)):
                continue  # none of the heading's literals is in the text
            for m in (_line_matches(rx, pf, text) if within_lines else rx.finditer(text)):
                if _safe_tail(text, m.start(), limit, line_limit):
                    if best is None or m.start() < best.start:
                        best = Change(STAGE, r.id, m.start(), len(text), text[m.start():], "")
                    break
        if best is None:
            return StageResult(text, ())
        return _result(text, [best])

    return run


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
    for (order, kind), group in sorted(levels.items(), key=lambda kv: kv[0][0]):
        if kind.startswith("builtin:"):
            passes.append(_BUILTINS[group[0].data["builtin"]])
        elif kind == "replace":
            passes.append(_replace_pass(group))
        elif kind == "line":
            passes.append(_line_pass(group))
        else:
            passes.append(_tail_pass(group))
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
    # (clean text takes one round): normalising normalised text changes nothing.
    for _ in range(_MAX_ROUNDS):
        start = cur
        for p in compiled.passes:
            res = p(cur)
            if res.changes:
                changes = compose(text, changes, cur, res.changes).changes
                cur = res.text
        if cur == start:
            break
    return StageResult(cur, tuple(changes))


_MAX_ROUNDS = 3
