"""match: resolve spun names and set phrases to the canonical terms of a gazetteer.

The spinner swaps words inside names too: "National Security Agency" comes out as "Nationwide
Safety Company", "Defense Department" as "Protection Division". The match stage undoes that with
token-level substitution evidence and a gazetteer of canonical terms:

1. **Candidates.** One Aho-Corasick automaton holds the spinner's known word swaps inside names
   (``kind = "substitutions"`` rules: Division -> Department, Safety -> Security, ...). A text
   without any of those words costs one scan.
2. **Windows.** Around each hit, the run of capitalised words (with "of", "and", "for", "the"
   inside) is the window. Every sub-window that holds the hit is mapped back word by word (each
   spun word to each of its candidate originals, the word itself included) and looked up in the
   gazetteer (``kind = "terms"`` rules): first exactly, then with rapidfuzz on that one string.
3. **Confidence.** An exact gazetteer hit is surer than a fuzzy one; more swapped words mean
   stronger evidence (two swaps landing on a real name are no accident). A window that is itself
   a real name ("National Safety Council") is left alone. In a document detect did not find spun,
   a name that needed a single swap is only flagged.

>>> from repair.rules import load_rules
>>> [(c.before, c.after) for c in match("Officials at the Nationwide Safety Company said.", load_rules()).changes]
[('Nationwide Safety Company', 'National Security Agency')]
>>> match("Officials at the National Security Agency said.", load_rules()).changes
()
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable, Iterator, NamedTuple, Sequence

from rapidfuzz import fuzz, process

from repair.errors import RuleError
from repair.model import SPUN, Change, StageResult
from repair.rules import Rule, RuleSet
from repair.scan.literals import Literals

STAGE = "match"
LEARNED_SWAPS = "learned.names"  # the rule id of a swap that came from the learned tables
MAX_VARIANTS = 64  # word-by-word restorations tried per sub-window
MAX_WINDOW = 8  # words in a window of capitalised words
_CONNECT = {"of", "and", "for", "the", "&", "on", "de"}
_NOT_NAME = {"The", "A", "An", "This", "That", "These", "Those", "In", "At", "On", "For", "But", "And", "As", "By",
             "With", "From", "To", "Of", "It", "He", "She", "They", "We", "I", "If", "When", "While", "After"}
# A word: a letter, then word characters, apostrophes, hyphens and dots inside a word ("U.S.-based"). The
# same as [A-Za-z](?:[\w'’-]|\.(?=\w))*, written so the characters between dots are one class repeated (a
# group repeated once per character costs re several times as much).
_WORD = re.compile(r"[A-Za-z][\w'’-]*(?:\.(?=\w)[\w'’-]*)*|&")
# The next word after a gap a run of name words may cross (blanks, or one hyphen among blanks: ``_run``'s test
# of the gap; re's \s is str.isspace, what strip takes off). No letter nor "&" can be in a gap, so the word
# is the one _WORD.finditer would find next.
_GAP_WORD = re.compile(r"\s*(?:-\s*)?(" + _WORD.pattern + ")")


@dataclass(slots=True)
class _Gazetteer:
    terms: dict[str, str]  # case-folded term -> term as written
    term_list: list[str]
    term_rule: dict[str, str]
    subs: dict[str, list[tuple[str, str, float]]]  # spun word(s) -> [(original, rule id, confidence)]
    max_sub_words: int
    automaton: Literals[str] | None  # the spun words of ``subs``


def compile_rules(rules: RuleSet) -> _Gazetteer:
    """Check the match rules and build the gazetteer: canonical terms, word swaps and their automaton."""
    terms: dict[str, str] = {}
    term_rule: dict[str, str] = {}
    subs: dict[str, list[tuple[str, str, float]]] = {}
    for r in rules.for_stage(STAGE):
        kind = r.get("kind")
        try:
            conf = float(r.get("confidence", 0.9))
        except (TypeError, ValueError):
            raise RuleError(f"{r.where()}: confidence must be a number") from None
        if kind == "terms":
            for t in _terms(r):
                terms.setdefault(t.casefold(), t)
                term_rule.setdefault(t, r.id)
        elif kind in ("substitution", "substitutions"):
            for spun, canon in _substitutions(r):
                _add_sub(subs, spun, canon, r.id, conf, r.where())
        else:
            raise RuleError(f"{r.where()}: kind {kind!r} is not one of terms, substitution, substitutions")
    return _gazetteer(terms, sorted(set(terms.values())), term_rule, subs)


def _gazetteer(terms: dict[str, str], term_list: list[str], term_rule: dict[str, str],
               subs: dict[str, list[tuple[str, str, float]]]) -> _Gazetteer:
    auto = _SwapWords({spun: spun for spun in subs}) if subs else None
    return _Gazetteer(terms, term_list, term_rule, subs, max((len(s.split()) for s in subs), default=1), auto)


class _SwapWords(Literals[str]):
    """:class:`Literals` scanned with a DFA: the swap words are a few hundred at most, so the automaton is
    small, and a DFA scans a text in about half the instructions of the contiguous NFA (the same matches,
    in the same order: both follow the same automaton)."""

    __slots__ = ()
    IMPLEMENTATION = "DFA"


_EXTENDED: dict[tuple[int, int], tuple[_Gazetteer, object, _Gazetteer]] = {}


def with_swaps(g: _Gazetteer, swaps: Iterable[tuple[str, str, float]], rule: str) -> _Gazetteer:
    """``g`` with more word swaps (the learned spin tables': "Purple" -> "Red", "Metropolis" -> "City"),
    kept only where the original is a word of some term (a swap that can name nothing costs a scan).

    >>> g = with_swaps(compile_rules(_demo_rules()), [("Purple", "Red", 0.9), ("Crimson", "Zzz", 0.9)], "learned")
    >>> sorted(s for s in g.subs if s in ("Purple", "Crimson"))
    ['Purple']
    """
    words = {w.casefold() for t in g.term_list for w in t.split()}
    subs = {k: list(v) for k, v in g.subs.items()}
    for spun, canon, conf in swaps:
        if spun != canon and canon.casefold() in words:
            _add_sub(subs, spun, canon, rule, conf, rule)
    return _gazetteer(g.terms, g.term_list, g.term_rule, subs)


def _extended(g: _Gazetteer, swaps: Sequence[tuple[str, str, float]]) -> _Gazetteer:
    # one extended gazetteer per (rule set, swap list) in a process; both are kept alive with it, so
    # their ids cannot be reused while the entry exists
    key = (id(g), id(swaps))
    hit = _EXTENDED.get(key)
    if hit is None or hit[0] is not g or hit[1] is not swaps:
        if len(_EXTENDED) > 8:
            _EXTENDED.clear()
        hit = _EXTENDED[key] = (g, swaps, with_swaps(g, swaps, LEARNED_SWAPS))
    return hit[2]


def _demo_rules() -> RuleSet:
    return RuleSet((Rule("terms.demo", STAGE, "demo.toml", {"kind": "terms", "terms": ["Red Bull"]}, {}),), {})


def _terms(r: Rule) -> list[str]:
    items = r.data.get("terms")
    if not isinstance(items, list) or not all(isinstance(t, str) and t.strip() for t in items):
        raise RuleError(f"{r.where()}: a terms rule needs 'terms', a list of strings")
    return items


def _substitutions(r: Rule) -> list[tuple[str, str]]:
    """The (spun, original) pairs of a ``substitution`` rule (one) or a ``substitutions`` rule (a list)."""
    if r.get("kind") == "substitution":
        spun, canon = r.data.get("spun"), r.data.get("canonical")
        if not isinstance(spun, str) or not isinstance(canon, str):
            raise RuleError(f"{r.where()}: a substitution rule needs string 'spun' and 'canonical'")
        return [(spun, canon)]
    entries = r.data.get("entries")
    if not isinstance(entries, list) or not all(
            isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in entries):
        raise RuleError(f"{r.where()}: a substitutions rule needs 'entries', a list of [\"spun\", \"original\"] pairs")
    return [(spun, canon) for spun, canon in entries]


def _add_sub(subs: dict[str, list[tuple[str, str, float]]], spun: str, canon: str, rid: str, conf: float,
             where: str) -> None:
    if not spun.strip() or not canon.strip():
        raise RuleError(f"{where}: a substitution needs a non-empty spun word and original")
    subs.setdefault(spun, [])
    if all(c != canon for c, _, _ in subs[spun]):
        subs[spun].append((canon, rid, conf))


def _is_name_word(w: str) -> bool:
    return (w[:1].isupper() or w[:1].isdigit() or w == "&") and w not in _NOT_NAME


def _tokens(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text, lo, hi)]


REACH = 120  # characters on each side of a swap word searched for the words of its name


def _window(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Capitalised words around [start, end) (connectors allowed inside), at most MAX_WINDOW each side,
    within REACH characters: :func:`_run` over the tokens of the REACH characters on each side."""
    m = _WORD.fullmatch(text, start, end)  # a swap word is most often one word: one match, no search
    middle = [(start, end, m[0])] if m else _tokens(text, start, end)
    return _run(text, _tokens_back(text, edge=start), start, True)[0][::-1] + middle + _rightward(text, end)


def _tokens_back(text: str, edge: int) -> Iterator[tuple[int, int, str]]:
    """``reversed(_tokens(text, max(0, edge - REACH), edge))``, tokenised a stretch between spaces at a time
    from ``edge`` back, as :func:`_run` asks for them: it seldom looks at more than two or three. No word
    holds a space, so a stretch that starts after one (or at the reach) has the words the whole reach has
    there, and one that ends at one (or at ``edge``) too: a word ends before a space, and a dot before it
    is no part of the word either way."""
    lo = max(0, edge - REACH)
    while edge > lo:
        space = text.rfind(" ", lo, edge)
        start = space + 1 if space >= 0 else lo
        if start < edge:
            m = _WORD.fullmatch(text, start, edge)  # most stretches are one word
            if m:
                yield start, edge, m[0]
            else:
                yield from reversed(_tokens(text, start, edge))
        edge = space if space >= 0 else lo


def _rightward(text: str, edge: int) -> list[tuple[int, int, str]]:
    """:func:`_run` over the tokens of the REACH characters after ``edge``, matching one word after another
    (a gap and a word at a time, while the run goes on) rather than tokenising the reach: the run seldom
    holds more than a word or two."""
    hi = min(len(text), edge + REACH)
    out: list[tuple[int, int, str]] = []
    while len(out) < MAX_WINDOW:
        m = _GAP_WORD.match(text, edge, hi)
        if m is None:
            break
        w = m[1]
        if not (_is_name_word(w) or w.lower() in _CONNECT):
            break
        edge = m.end()
        out.append((m.start(1), edge, w))
    while out and not _is_name_word(out[-1][2]):
        out.pop()
    return out


def _run(text: str, toks: Iterable[tuple[int, int, str]], edge: int,
         leftward: bool) -> tuple[list[tuple[int, int, str]], int]:
    """The name words and connectors of ``toks`` (nearest first) that run on from ``edge``, ending on a name
    word; and how many tokens were looked at (the one the run stopped at included)."""
    out: list[tuple[int, int, str]] = []
    looked = 0
    for tok in toks:
        looked += 1
        gap = text[tok[1]:edge] if leftward else text[edge:tok[0]]
        if gap.strip() not in ("", "-") or len(out) >= MAX_WINDOW:
            break
        if not (_is_name_word(tok[2]) or tok[2].lower() in _CONNECT):
            break
        out.append(tok)
        edge = tok[0] if leftward else tok[1]
    while out and not _is_name_word(out[-1][2]):
        out.pop()
    return out, looked


def _variants(g: _Gazetteer, words: Sequence[str]) -> list[tuple[str, int, float, str]]:
    """Word-by-word restorations of ``words``: (text, swaps made, lowest swap confidence, rule of a swap)."""
    slots: list[list[tuple[str, int, float, str]]] = []
    subs, most, count = g.subs, g.max_sub_words, len(words)
    kept: list[str] = []  # words with no swap since the last slot that has some: one slot of their own
    i = 0
    while i < count:
        for n in range(min(most, count - i), 0, -1):
            key = words[i] if n == 1 else " ".join(words[i:i + n])
            got = subs.get(key)
            if got is not None:
                if kept:
                    slots.append([(" ".join(kept), 0, 1.0, "")])
                    kept = []
                slots.append([(key, 0, 1.0, "")] + [(c, 1, conf, rid) for c, rid, conf in got])
                i += n
                break
        else:
            kept.append(words[i])
            i += 1
    if not slots:
        return []  # no word has a swap: no restoration
    if kept:
        slots.append([(" ".join(kept), 0, 1.0, "")])
    # a run of words without swaps is one slot of one option (it multiplies nothing, joins the same and adds
    # its 1.0 to the confidences' minimum as each of its words did)
    # The product of the slots in itertools.product's order (the last slot varies fastest), built slot by slot:
    # each partial combination carries its text, swaps, lowest confidence (min's own test: a later one replaces
    # it only if lower) and the rule of its first swap, so no combination is walked again. The first
    # MAX_VARIANTS combinations extend the first MAX_VARIANTS partial ones only (every slot has an option), so
    # no more are kept at any step.
    combos = slots[0][:MAX_VARIANTS]
    for slot in slots[1:]:
        combos = [(text + " " + word, swaps + more, conf if conf < low else low, rid if swaps else rule)
                  for text, swaps, low, rid in combos for word, more, conf, rule in slot][:MAX_VARIANTS]
    return [combo for combo in combos if combo[1]]  # the one with no swap is no restoration


def match(text: str, rules: RuleSet, *, min_score: float = 92.0, spin_score: float | None = None,
          swaps: Sequence[tuple[str, str, float]] = ()) -> StageResult:
    """Propose canonical names for spun ones; ``spin_score`` (from detect) decides how sure to be.

    ``swaps`` are more word swaps (spun word, original, confidence), the learned tables' (see
    :meth:`repair.spin.analyse.SpinModel.name_swaps`), used beside the rules' own.
    """
    g = rules.compiled(STAGE, compile_rules)
    if swaps:
        g = _extended(g, swaps)
    if g.automaton is None or not g.terms or not text:
        return StageResult(text, ())
    spun_doc = spin_score is None or spin_score >= SPUN
    out: list[Change] = []
    taken_until = -1
    spots = [(start, stop) for _, start, stop in g.automaton.find(text)]
    spots = [(start, stop) for start, stop in spots
             if not ((start > 0 and text[start - 1].isalnum()) or (stop < len(text) and text[stop].isalnum()))]
    spot_ends = [stop for _, stop in spots]  # ascending: the automaton yields its matches in the order of their ends
    for start, stop in spots:
        if start < taken_until:
            continue
        for best in _restore(g, text, start, stop, spots, min_score, taken_until, spot_ends):
            before = text[best.start:best.end]
            if before == best.canon:
                continue
            out.append(Change(STAGE, g.term_rule.get(best.canon, best.rule), best.start, best.end, before,
                              best.canon, round(_confidence(best, spun_doc), 4), False))
            taken_until = best.end
    return StageResult(text, tuple(out))


class _Restored(NamedTuple):
    """The best canonical name for a sub-window of spun words."""

    key: tuple[float, int, int]  # (gazetteer score, swaps, words): the higher the better
    start: int
    end: int
    canon: str
    conf: float  # the lowest confidence of the swaps made
    rule: str  # the rule of a swap made
    inside: bool  # the sub-window sits inside a longer run of name words


def _restore(g: _Gazetteer, text: str, start: int, stop: int, spots: list[tuple[int, int]], min_score: float,
             free_from: int, spot_ends: list[int] | None = None) -> list[_Restored]:
    """The restorations of the capitalised words around a swap word at [start, stop) (none of them before
    ``free_from``, where an earlier restoration ends), in text order.

    Every swap word of ``spots`` in that run of name words is restored together: the set of names that
    holds the most of them wins, so "State Division of State Division" becomes two "State Department"
    rather than "State Department of State Division" (which leaves a swap word for a second run).

    ``spot_ends`` (the ends of ``spots``, ascending as the automaton yields them) lets the swap words
    of the window be found by bisection rather than by walking every spot of the document.
    """
    win = _window(text, start, stop)
    if not win:
        return []
    starts = [tok[0] for tok in win]  # both ascending: the tokens are in text order and do not overlap
    ends = [tok[1] for tok in win]
    first = max(start, free_from)
    if spot_ends is None:
        spot_ends = [t for _, t in spots]
    # the swap words of spots that are whole words of the window, as word ranges of ``win``; a spot ending
    # before ``first`` starts before it, one ending after the window's last word is outside it
    whole = []
    for s, t in spots[bisect_left(spot_ends, first):bisect_right(spot_ends, ends[-1])]:
        if s < first:
            continue
        lo = bisect_left(starts, s)  # the first word starting at or after s
        hi = bisect_right(ends, t)  # one past the last word ending at or before t
        if lo >= hi or starts[lo] != s or ends[hi - 1] != t:
            continue  # not whole words of this window ("Okay" in "ISIS-Okay"): left to its own turn
        whole.append((lo, hi))
    # What follows depends on the window's words, those ranges and the first word not before ``free_from``
    # only, not on where the window is: a run restores the same spun names again and again, so the answer
    # (as word ranges) is kept per gazetteer and mapped back to this window's offsets.
    key = (tuple([tok[2] for tok in win]), tuple(whole), bisect_left(starts, free_from), min_score)
    memo = _memo(_RESTORED, g)
    got = memo.get(key)
    if got is None:
        if len(memo) > _RESTORED_MAX:
            memo.clear()
        got = memo[key] = _restorations(g, *key)
    return [_Restored(r.key, starts[r.start], ends[r.end - 1], r.canon, r.conf, r.rule, r.inside) for r in got]


# _restorations' answers per gazetteer (see _memo)
_RESTORED: dict[tuple[int, ...], tuple[tuple[object, ...], dict]] = {}
_RESTORED_MAX = 50_000  # windows kept per gazetteer (cleared when full)


def _memo(store: dict[tuple[int, ...], tuple[tuple[object, ...], dict]], *owners: object) -> dict:
    """The answers kept in ``store`` for ``owners`` (a gazetteer or its tables): a run asks about the same
    spun names again and again. The owners are kept alive with their entry, so no other object can have
    their ids while it exists (an entry found by the ids is theirs); at most 8 entries are kept."""
    key = tuple(map(id, owners))
    hit = store.get(key)
    if hit is None:
        if len(store) > 8:
            store.clear()
        hit = store[key] = (owners, {})
    return hit[1]


def _restorations(g: _Gazetteer, words: tuple[str, ...], whole: tuple[tuple[int, int], ...], i_min: int,
                  min_score: float) -> list[_Restored]:
    """:func:`_restore` for a window of ``words`` whose swap words are the word ranges ``whole``, restoring no
    sub-window that starts before word ``i_min``; the offsets of the answer are word indices (``start``: the
    first word, ``end``: one past the last)."""
    if " ".join(words).casefold() in g.terms:
        return []  # the whole run is a real name as it stands
    n = len(words)
    terms = g.terms
    ranges: list[tuple[int, int]] = []  # the swap words of the run, as word ranges
    for lo, hi in whole:
        if any(" ".join(words[i:j]).casefold() in terms for i in range(0, lo + 1) for j in range(hi, n + 1)):
            continue  # the swap word sits inside a real name ("National Safety Council")
        if (lo, hi) not in ranges:
            ranges.append((lo, hi))
    win = [(k, k + 1, w) for k, w in enumerate(words)]  # word indices for offsets
    name = [_is_name_word(w) for w in words]
    found: dict[tuple[int, int], _Restored] = {}
    tried: set[tuple[int, int]] = set()  # sub-windows looked at (with or without a restoration)
    for lo, hi in ranges:
        for i in range(i_min, lo + 1):
            for j in range(hi, n + 1):
                if (i, j) not in tried:
                    tried.add((i, j))
                    best = _best_restoration(g, win, i, j, min_score, words, name)
                    if best is not None:
                        found[i, j] = best
    return _most_restored(found, ranges)


def _best_restoration(g: _Gazetteer, win: list[tuple[int, int, str]], i: int, j: int, min_score: float,
                      words: Sequence[str], name: list[bool]) -> _Restored | None:
    """The best canonical name for the sub-window ``win[i:j]`` of name words, if any (``words``: the
    window's words, ``name``: whether each is a name word)."""
    if not name[i] or not name[j - 1]:
        return None
    best = None
    for restored, swaps, conf, rid in _variants(g, words[i:j]):
        canon, score = _lookup(g, restored, min_score)
        if canon is None:
            continue
        key = (score, swaps, j - i)
        if best is None or key > best.key:
            inside = (i > 0 and name[i - 1]) or (j < len(win) and (name[j] or words[j] == "of"))
            best = _Restored(key, win[i][0], win[j - 1][1], canon, conf, rid, inside)
    return best


def _most_restored(found: dict[tuple[int, int], _Restored], ranges: list[tuple[int, int]]) -> list[_Restored]:
    """The non-overlapping restorations (sub-windows ``(i, j)``) that hold the most swap words, then are
    the fewest (whole names, not pieces), then the best by their keys (gazetteer score, swaps, words).

    With one swap word this is the restoration with the best key, as it always was.
    """
    spans = sorted(found, key=lambda ij: ij[1])
    # best[k]: the best choice among the first k spans (by end) and its value
    best: list[tuple[tuple[int, int, float, int, int], list[tuple[int, int]]]] = [((0, 0, 0.0, 0, 0), [])]
    for k, (i, j) in enumerate(spans):
        r = found[i, j]
        held = sum(1 for lo, hi in ranges if i <= lo and hi <= j)
        # the best choice among spans ending at or before this one starts
        p = max((m for m in range(k) if spans[m][1] <= i), default=-1) + 1
        base, chosen = best[p]
        value = (base[0] + held, base[1] - 1, base[2] + r.key[0], base[3] + r.key[1], base[4] + r.key[2])
        best.append(max(best[-1], (value, [*chosen, (i, j)]), key=lambda vc: vc[0]))
    return [found[ij] for ij in sorted(best[-1][1])]


# _lookup's answers per gazetteer's terms and term list (see _memo)
_LOOKED_UP: dict[tuple[int, ...], tuple[tuple[object, ...], dict]] = {}
_LOOKED_UP_MAX = 100_000  # answers kept per gazetteer (cleared when full)


def _lookup(g: _Gazetteer, restored: str, min_score: float) -> tuple[str | None, float]:
    """The gazetteer term ``restored`` names and how sure: exactly (100), else fuzzily, else (None, 0)."""
    memo = _memo(_LOOKED_UP, g.terms, g.term_list)
    got = memo.get((restored, min_score))
    if got is None:
        if len(memo) > _LOOKED_UP_MAX:
            memo.clear()
        got = memo[restored, min_score] = _look_up(g, restored, min_score)
    return got


def _look_up(g: _Gazetteer, restored: str, min_score: float) -> tuple[str | None, float]:
    canon = g.terms.get(restored.casefold())
    score = 100.0 if canon else 0.0
    if canon is None and len(restored) >= 8:
        hit = process.extractOne(restored, g.term_list, scorer=fuzz.ratio, score_cutoff=min_score)
        # a fuzzy hit mends spelling, word for word: one that drops or adds a word ("K State Department"
        # for "State Department") would delete a neighbour of the name, and a second run would delete more
        if hit and len(hit[0].split()) == len(restored.split()):
            canon, score = hit[0], float(hit[1])
    return canon, score


def _confidence(best: _Restored, spun_doc: bool) -> float:
    """An exact hit is surer than a fuzzy one, two swaps surer than one; in a document detect did not
    find spun, one swap, a fuzzy hit or a name inside a longer name is only flagged."""
    score, swaps, _ = best.key
    c = best.conf * (0.97 if score >= 100 else 0.9 * score / 100.0)
    if swaps >= 2:
        c = min(0.99, c + 0.02)
    if not spun_doc and (swaps < 2 or score < 100):
        c = min(c, 0.55)  # one swap in a document nothing else marks as spun: flag, do not apply
    if best.inside and not spun_doc:
        c = min(c, 0.55)
    return c
