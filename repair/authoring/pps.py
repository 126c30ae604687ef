"""Import the Problematic Paper Screener's tortured-phrase list as a vetted ``kind = "lexicon"`` pack.

The PPS export (Cabanac, Labbé & Magazinov; CC BY 4.0) is a JSON object with provenance fields
(``source``, ``sourceUrl``, ``license``, ``version``, ``lastUpdated``) and ``phrases``: a list of
``{"tortured", "correct"}``. Its ``correct`` column is evidence, not a ready replacement, so every
entry is vetted (:func:`vet_entry`) and each drop or clean-up is counted by reason:

- dropped: no correction (``"???"``), an uncertain one (``"(?)"``), a note instead of wording
  (links, "see ...", "e.g.", ellipses, "caveat"), alternatives (``"a / b"``, ``"a or b"`` where the
  tortured side has none), odd characters, a tortured side of one word or of function words only
  (ordinary English), a pair that is identical or not a substitution (the tortured side is part
  of the correction), a tortured side that occurs in clean text given with ``clean``, duplicates;
- cleaned: escaped quotes and non-breaking spaces, notes in parentheses, ``[...]`` and square
  brackets around implied words, surrounding quotes, and a trailing acronym such as ``(svm)``,
  which is taken off both sides so the phrase matches with or without it and the text's own
  acronym is kept.

>>> vet_entry("backing vector machine", "support vector machine (svm)")
(('backing vector machine', 'support vector machine'), ['acronym-stripped'])
>>> vet_entry("wise versatile terminals", "smart mobile devices (?)")
(None, ['uncertain-correction'])
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from repair.authoring import tomlwrite as T
from repair.errors import InputError

RULE_FAMILY = "tortured"
CONFIDENCE = 0.5  # flag-only at the default threshold 0.8: the list is scientific, news safety is not shown
WEIGHTS = {"long": 0.5, "short": 0.3}  # spin-score weight per hit: 3+ words / 2 words
DEFAULT_SOURCE_URL = "https://dbrech.irit.fr/pls/apex/f?p=9999:5:::NO:::"
AUTHORS = "Guillaume Cabanac, Cyril Labbé, Alexander Magazinov"

# Function words: a tortured side made only of these is ordinary English, not a spinner's tell.
FUNCTION_WORDS = frozenset("""
a an the of in on at to for by with from as and or but nor if so that this these those it its be is are was were
been being not no do does did done has have had will would can could may might must shall should than then there
here what which who whom whose when where why how all any some each every one off up out over under about into onto
upon per via i we you he she they me us him her them my our your his their just too very also only even still yet
go goes going went gone get gets got getting make makes made take takes took taken come came see saw seen say
says said give gave given put keep kept let show seem become back top first last next full part side well really
quite more most much many less least other another same such own again ever never always often now today down
away around through before after while since until because though whether both either neither few lot lots way
""".split())

_WORD = re.compile(r"\w+(?:'\w+)*")
_ACRONYM_TAIL = re.compile(r"\s*\(([\w.&+-]{1,12}s?)\)\s*$")
_PAREN = re.compile(r"\s*\([^()]*\)")
_NOTE = re.compile(r"https?:|\bsee\b|\be\.g\b|\bi\.e\b|\betc\b|\.\.\.|\u2026|\bcaveat\b|\bas in\b|\bpossibly\b|[:*;=<>]",
                   re.I)
_ODD = re.compile(r"[^\w\s'\-,.&/()+]")


_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
                         "\u2018": "'", "\u2019": "'"})


def _clean_space(s: str) -> str:
    """Escaped quotes, non-breaking spaces, dashes and curly apostrophes made plain; spaces collapsed."""
    return re.sub(r"\s+", " ", s.replace("\\\"", "\"").replace("\u00a0", " ").translate(_DASHES)).strip()


def _words(s: str) -> list[str]:
    return _WORD.findall(s.lower())


def vet_entry(tortured: Any, correct: Any, *, notes: bool = True) -> tuple[tuple[str, str] | None, list[str]]:
    """Vet one pair: ``((tortured, correct), clean-ups)`` if kept, ``(None, [reason])`` if dropped."""
    if not isinstance(tortured, str) or not isinstance(correct, str):
        return None, ["not-text"]
    t, c = _clean_space(tortured).lower(), _clean_space(correct).lower()
    reason = _raw_problem(t, c)
    if reason:
        return None, [reason]
    done: list[str] = []
    t, c = _strip_acronym(t, c, done)
    if "(" in t or ")" in t:
        return None, ["parenthesised-tortured"]
    c = _strip_notes(c, done)
    reason = _correction_problem(t, c, notes)
    if reason:
        return None, [reason]
    c = c.strip(" ,.-")
    t = t.strip(" ,.-")
    reason = _pair_problem(t, c)
    if reason:
        return None, [reason]
    return (t, c), done


def _raw_problem(t: str, c: str) -> str | None:
    """Why a pair is dropped as it comes (no, or an uncertain, correction; odd characters), if it is."""
    if not c or not c.strip("?. "):
        return "no-correction"
    if "?" in c:
        return "uncertain-correction"
    if "?" in t or _ODD.search(t) or "[" in t or '"' in t:
        return "odd-characters"
    if re.search(r"\bcaveat\b", c):
        return "known-false-positive"
    return None


def _strip_acronym(t: str, c: str, done: list[str]) -> tuple[str, str]:
    """A trailing acronym taken off both sides (it stays in the text, whatever its case)."""
    mt, mc = _ACRONYM_TAIL.search(t), _ACRONYM_TAIL.search(c)
    if mt or mc:
        if mt:
            t = t[:mt.start()].strip()
        if mc:
            c = c[:mc.start()].strip()
        done.append("acronym-stripped")
    return t, c


def _strip_notes(c: str, done: list[str]) -> str:
    """The correction without notes in parentheses (innermost first), brackets and surrounding quotes."""
    while True:
        m = _PAREN.search(c)
        if m is None:
            break
        c = (c[:m.start()] + c[m.end():]).strip()
        if "note-stripped" not in done:
            done.append("note-stripped")
    if "[" in c or "]" in c:
        c = re.sub(r"\s*\[\s*(?:\.\.\.|\u2026)\s*\]", "", c)
        c = c.replace("[", "").replace("]", "")
        done.append("brackets-removed")
    c = _clean_space(c)
    if len(c) >= 2 and c[0] in "\"\u201c'\u2018" and c[-1] in "\"\u201d'\u2019" and c.count(c[0]) <= 2:
        c = c[1:-1].strip()
        done.append("quotes-removed")
    return c


def _correction_problem(t: str, c: str, notes: bool) -> str | None:
    """Why a cleaned correction is not wording to put in a text (a note, odd characters, alternatives)."""
    if notes and _NOTE.search(c):
        return "note-not-wording"
    if re.search(r"[\"\u201c\u201d]", c) or _ODD.search(c) or "(" in c or ")" in c:
        return "odd-characters"
    if "/" in c and "/" not in t:
        return "alternatives"
    if re.search(r"\bor\b", c) and not re.search(r"\bor\b", t):
        return "alternatives"
    return None


def _pair_problem(t: str, c: str) -> str | None:
    """Why a cleaned pair is not a spinner's substitution (empty, identical, ordinary English), if it is not."""
    if not c or not t:
        return "no-correction"
    if t == c:
        return "identical"
    tw, cw = _words(t), _words(c)
    if len(tw) < 2:
        return "single-word"
    if all(w in FUNCTION_WORDS for w in tw):
        return "function-words-only"
    if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", c) or tw == cw:
        return "not-a-substitution"
    return None


@dataclass(slots=True)
class Vetted:
    entries: list[tuple[str, str]]
    total: int
    dropped: Counter = field(default_factory=Counter)
    cleaned: Counter = field(default_factory=Counter)
    meta: dict[str, Any] = field(default_factory=dict)
    clean_docs: int = 0
    dropped_examples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def read_pps(path: str | Path) -> tuple[dict[str, Any], list[Any]]:
    """The export's provenance fields and its list of phrases."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(where, f"cannot read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(where, "not valid UTF-8") from None
    except json.JSONDecodeError as e:
        raise InputError(where, f"malformed JSON ({e.msg})", e.lineno) from None
    phrases = data.get("phrases") if isinstance(data, dict) else data
    if not isinstance(phrases, list):
        raise InputError(where, "expected a JSON object with a 'phrases' list of {tortured, correct} (the PPS export)")
    meta = {k: v for k, v in data.items() if k != "phrases"} if isinstance(data, dict) else {}
    return meta, phrases


def _bounded_hits(phrases: Iterable[str], texts: Iterable[str]) -> tuple[set[str], int]:
    import ahocorasick

    auto = ahocorasick.Automaton()
    n = 0
    for p in phrases:
        auto.add_word(p, p)
        n += 1
    found: set[str] = set()
    docs = 0
    if not n:
        return found, sum(1 for _ in texts)
    auto.make_automaton()
    for text in texts:
        docs += 1
        low = text.lower()
        for end, p in auto.iter(low):
            start = end - len(p) + 1
            if start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
                continue
            if end + 1 < len(low) and (low[end + 1].isalnum() or low[end + 1] == "_"):
                continue
            found.add(p)
    return found, docs


def vet(phrases: list[Any], clean_texts: Iterable[str] = (), meta: dict[str, Any] | None = None) -> Vetted:
    """Vet every entry, then drop duplicates and tortured sides that occur in clean text."""
    res = Vetted([], len(phrases), meta=dict(meta or {}))
    seen: dict[str, str] = {}

    def drop(reason: str, item: tuple[str, str]) -> None:
        res.dropped[reason] += 1
        res.dropped_examples.setdefault(reason, [])
        if len(res.dropped_examples[reason]) < 3:
            res.dropped_examples[reason].append(item)

    for p in phrases:
        if not isinstance(p, dict):
            drop("not-text", (repr(p)[:40], ""))
            continue
        kept, why = vet_entry(p.get("tortured"), p.get("correct"))
        if kept is None:
            drop(why[0], (str(p.get("tortured")), str(p.get("correct"))))
            continue
        t, c = kept
        if t in seen:
            drop("duplicate" if seen[t] == c else "conflicting-duplicate", kept)
            continue
        seen[t] = c
        res.cleaned.update(why)
        res.entries.append(kept)
    found, res.clean_docs = _bounded_hits((t for t, _ in res.entries), clean_texts)
    kept_entries = []
    for t, c in res.entries:
        if t in found:
            drop("in-clean-text", (t, c))
        else:
            kept_entries.append((t, c))
    res.entries = kept_entries
    return res


def to_toml(v: Vetted) -> str:
    """The pack: attribution header, then one lexicon rule for 3+ word phrases and one for 2-word phrases."""
    src = v.meta.get("source", "Problematic Paper Screener (PPS) by Cabanac, Labbé & Magazinov")
    url = v.meta.get("sourceUrl", DEFAULT_SOURCE_URL)
    lic = v.meta.get("license", "CC BY 4.0")
    ver = " ".join(str(x) for x in (v.meta.get("version"), v.meta.get("lastUpdated")) if x)
    drops = ", ".join(f"{n} {why}" for why, n in sorted(v.dropped.items(), key=lambda kv: (-kv[1], kv[0])))
    cleans = ", ".join(f"{n} {why}" for why, n in sorted(v.cleaned.items(), key=lambda kv: (-kv[1], kv[0])))
    head = (
        f"Tortured phrases from the {src}{f' (export {ver})' if ver else ''}.\n"
        f"Source: {url}\n"
        f"Authors: {AUTHORS}. License: {lic} (https://creativecommons.org/licenses/by/4.0/).\n"
        "Changes from the source (CC BY 4.0 asks that changes be indicated): entries vetted and cleaned by\n"
        "`repair import-pps` (repair/authoring/pps.py); see rules/pps/README.md.\n"
        f"{v.total} entries read, {len(v.entries)} kept. Dropped: {drops or 'none'}.\n"
        f"Cleaned: {cleans or 'none'}.\n"
        f"Tortured sides checked against {v.clean_docs} clean documents.\n"
        "Regenerate: repair import-pps PPS.json -o rules/pps/pps.toml --clean CLEAN.jsonl\n"
        f"The phrases are mostly scientific, so the rules are flag-only (confidence {CONFIDENCE} < default\n"
        "threshold 0.8): a reviewer sees the suggested wording, the text is not changed."
    )
    pack = {"stage": "detect", "kind": "lexicon", "family": RULE_FAMILY, "source": src, "source_url": url,
            "license": lic, "authors": AUTHORS}
    if ver:
        pack["version"] = ver
    long_ = sorted(e for e in v.entries if len(_words(e[0])) >= 3)
    short = sorted(e for e in v.entries if len(_words(e[0])) < 3)
    parts = [T.comment(head), "\n", T.table("[pack]", pack), "\n"]
    for name, entries, why, ex in (
        ("long", long_, "Tortured phrases of three or more words: a thesaurus spinner's output, almost never written "
                        "by a person.",
         [{"in": "The model is to the finest of our information new.",
           "out": "The model is to the finest of our information new."},
          {"in": "To the best of our knowledge, the model is new.",
           "out": "To the best of our knowledge, the model is new."}]),
        ("short", short, "Two-word tortured phrases (counterfeit consciousness, big information): strong tells in "
                         "science, rarer in news; weighted lower.",
         [{"in": "Firms invest in counterfeit consciousness.", "out": "Firms invest in counterfeit consciousness."},
          {"in": "Firms invest in artificial intelligence.", "out": "Firms invest in artificial intelligence."}]),
    ):
        if not entries:
            continue
        parts.append(T.comment(f"{len(entries)} entries"))
        parts.append(T.table("[[rule]]", {
            "id": f"pps.tortured-{name}", "confidence": CONFIDENCE, "weight": WEIGHTS[name],
            "why": why, "examples": ex, "entries": [list(e) for e in entries],
        }, multiline=("examples", "entries")))
        parts.append("\n")
    return "".join(parts)


def import_pps(path: str | Path, output: str | Path | None = None, clean_texts: Iterable[str] = ()) -> Vetted:
    """Read, vet and (if ``output``) write the pack atomically."""
    from repair.atomic import write_atomic

    meta, phrases = read_pps(path)
    v = vet(phrases, clean_texts, meta)
    if output is not None:
        write_atomic(Path(output), to_toml(v))
    return v


__all__ = ["vet_entry", "vet", "read_pps", "to_toml", "import_pps", "Vetted", "CONFIDENCE"]
