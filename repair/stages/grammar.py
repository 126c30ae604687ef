"""grammar: check sentences with LanguageTool and record its matches as flagged changes.

LanguageTool catches what spinners leave behind ("would possibly maybe maybe", agreement errors
after a substitution) and checks that our own repairs read as English. It is slow, so by default
only the sentences the pipeline changed or flagged are checked, plus a few untouched ones per
document for its grammar score; results are cached on disk by sentence.

The stage itself is a pure function of the text and a ``check`` callable (a list of sentences in,
a list of :class:`Issue` lists out), so it is tested without LanguageTool:

>>> def check(sentences):
...     return [[Issue("ENGLISH_WORD_REPEAT_RULE", 7, 18, "Possible typo: you repeated a word.",
...                    "MISC", "duplication", ("maybe",))] if "maybe maybe" in s else [] for s in sentences]
>>> r = grammar("It was maybe maybe true.", check, scope="all")
>>> [(c.rule, c.before, c.after, c.applied) for c in r.changes]
[('grammar.ENGLISH_WORD_REPEAT_RULE', 'maybe maybe', 'maybe', False)]
>>> grammar("It was true.", check, scope="all").changes
()

:func:`check_document` runs it on a :class:`~repair.document.Document` with a real LanguageTool (a
local one through language-tool-python, or a server) and writes the outcome to
``doc.extra["grammar"]``: ``status`` ``"ok"`` or ``"skipped"`` (with a one-line ``reason``), the
sentences checked, the matches and ``per_1k_words``.
"""

from __future__ import annotations

import atexit
import bisect
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from repair.errors import ConfigError, RepairError
from repair.words import count as count_words
from repair.model import Change, StageResult, apply_changes, compose
from repair.document import Document

STAGE = "grammar"
SCOPES = ("changed", "all")
DEFAULT_LANGUAGE = "en-US"
DEFAULT_TIMEOUT = 20.0  # seconds per request to LanguageTool
DEFAULT_SAMPLE = 5  # untouched sentences checked per document in the "changed" scope
BATCH_CHARS = 20_000  # sentences are sent to LanguageTool in requests of at most this many characters
SEPARATOR = "\n\n"  # between sentences in one request: LanguageTool treats each as its own paragraph
MAX_START_ATTEMPTS = 3  # a local LanguageTool that exits early is tried on this many ports
CACHE_FILE = "grammar.sqlite3"
CACHE_ENV = "REPAIR_CACHE_DIR"

# Rules switched off by default, with the reason. News copy is full of names, quotes that open in
# one sentence and close in another, headlines without a full stop and typographic habits that are
# not errors; whitespace and quotes are the normalise stage's business. Rules that look at the
# neighbouring sentences are off too: each sentence is checked (and cached) on its own.
NEWS_DISABLED_RULES: dict[str, str] = {
    "MORFOLOGIK_RULE_EN_US": "spelling: flags every name, place and organisation in the news",
    "MORFOLOGIK_RULE_EN_GB": "spelling (British): same as above",
    "MORFOLOGIK_RULE_EN_CA": "spelling (Canadian): same as above",
    "MORFOLOGIK_RULE_EN_AU": "spelling (Australian): same as above",
    "UPPERCASE_SENTENCE_START": "bylines, datelines and list items start lower case; the splitter can cut after an abbreviation",
    "WHITESPACE_RULE": "spacing is normalise's job, and scraped text has runs of spaces by design",
    "COMMA_PARENTHESIS_WHITESPACE": "spacing around punctuation is normalise's job",
    "EN_QUOTES": "straight vs curly quotes is a house-style choice, not an error",
    "DASH_RULE": "hyphen vs en/em dash is a house-style choice",
    "EN_UNPAIRED_BRACKETS": "quotes often open in one sentence and close in a later one",
    "EN_UNPAIRED_QUOTES": "same as above",
    "PUNCTUATION_PARAGRAPH_END": "headlines and captions have no final full stop",
    "ENGLISH_WORD_REPEAT_BEGINNING_RULE": "looks at neighbouring sentences; news repeats 'The' and names on purpose",
    "EN_DIACRITICS_REPLACE": "names keep their accents",
}

# Confidence of a match from LanguageTool's category and issue type (the higher of the two).
# Grammar and duplicated words are the spinners' leftovers; style and typography are opinions.
CATEGORY_CONFIDENCE: dict[str, float] = {
    "GRAMMAR": 0.7,
    "CONFUSED_WORDS": 0.6,
    "COLLOCATIONS": 0.6,
    "NONSTANDARD_PHRASES": 0.5,
    "REDUNDANCY": 0.5,
    "REPETITIONS": 0.5,
    "PUNCTUATION": 0.5,
    "CASING": 0.5,
    "TYPOS": 0.4,
    "SEMANTICS": 0.4,
    "MISC": 0.4,
    "COMPOUNDING": 0.4,
    "TYPOGRAPHY": 0.3,
    "STYLE": 0.3,
    "REPETITIONS_STYLE": 0.3,
    "PLAIN_ENGLISH": 0.3,
}
ISSUE_CONFIDENCE: dict[str, float] = {
    "grammar": 0.7,
    "duplication": 0.7,
    "misspelling": 0.5,
    "inconsistency": 0.5,
    "typographical": 0.3,
    "whitespace": 0.3,
    "style": 0.3,
    "register": 0.3,
    "locale-violation": 0.3,
}
DEFAULT_CONFIDENCE = 0.4

# Stages whose changes do not make a sentence "changed" for the `changed` scope: normalise fixes
# encodings, spaces and quotes, which would pull in most sentences of a scraped page without
# touching its wording.
NOT_WORDING = frozenset({"normalise"})

HOW_TO_PROVIDE = ("provide LanguageTool: a server (docker run -p 8010:8010 erikvl87/languagetool, then "
                  "--lt-server http://localhost:8010) or Java 17+ with LTP_JAR_DIR_PATH set to an unpacked "
                  "LanguageTool-<version> folder")


class LanguageToolUnavailable(RepairError):
    """LanguageTool cannot be had (no Java, no install, server down, timeout). One line: what and how."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"LanguageTool unavailable: {what}; {HOW_TO_PROVIDE}.")


# --------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True, slots=True)
class GrammarSettings:
    """What the grammar stage needs; built from the command line or a ``[grammar]`` config table.

    ``disabled_rules`` is the full set sent to LanguageTool (default :data:`NEWS_DISABLED_RULES`);
    ``auto_apply`` lists LanguageTool rule ids whose first suggestion is applied rather than flagged.
    ``cache`` is a sqlite file, ``"off"``, or None for ``$REPAIR_CACHE_DIR`` (else the user cache
    folder)/grammar.sqlite3.
    """

    enabled: bool = False
    server: str | None = None
    scope: str = "changed"
    language: str = DEFAULT_LANGUAGE
    disabled_rules: frozenset[str] = frozenset(NEWS_DISABLED_RULES)
    auto_apply: frozenset[str] = frozenset()
    timeout: float = DEFAULT_TIMEOUT
    sample: int = DEFAULT_SAMPLE
    cache: str | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ConfigError(f"grammar scope {self.scope!r} is not one of {', '.join(SCOPES)}")
        if not self.timeout > 0:
            raise ConfigError(f"grammar timeout must be a positive number of seconds, not {self.timeout!r}")
        if self.sample < 0:
            raise ConfigError(f"grammar sample must be 0 or more sentences, not {self.sample!r}")

    def replace(self, **kw: Any) -> "GrammarSettings":
        return replace(self, **kw)

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], *, where: str = "[grammar]") -> "GrammarSettings":
        """Build settings from a config table; unknown keys and wrong types raise :class:`ConfigError`.

        Keys (as in ``[grammar]`` of repair.toml, see repair/config.py): ``enabled`` (bool),
        ``server`` (URL; empty = local), ``language``, ``scope`` (changed|all), ``disabled_rules``
        (the full list of LanguageTool rule ids to switch off; default :data:`NEWS_DISABLED_RULES`),
        ``timeout`` (seconds), ``auto_apply`` (rule ids), ``sample`` (sentences), ``cache`` (path or "off").

        >>> s = GrammarSettings.from_mapping({"enabled": True, "server": "", "disabled_rules": ["EN_A_VS_AN"]})
        >>> sorted(s.disabled_rules), s.server, s.enabled
        (['EN_A_VS_AN'], None, True)
        >>> GrammarSettings.from_mapping({"scope": "some"})
        Traceback (most recent call last):
        ...
        repair.errors.ConfigError: [grammar]: grammar scope 'some' is not one of changed, all
        """
        known = {"enabled": bool, "server": str, "scope": str, "language": str, "disabled_rules": (list, tuple),
                 "auto_apply": (list, tuple), "timeout": (int, float), "sample": int, "cache": str}
        kw: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                raise ConfigError(f"{where}: unknown key {key!r}; known keys are {', '.join(known)}")
            typ = known[key]
            if not isinstance(value, typ) or (typ in (int, (int, float)) and isinstance(value, bool)):
                raise ConfigError(f"{where}: {key} has the wrong type ({type(value).__name__})")
            if typ == (list, tuple):
                if not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"{where}: {key} must be a list of LanguageTool rule ids (strings)")
                value = frozenset(value)
            kw[key] = value
        if "timeout" in kw:
            kw["timeout"] = float(kw["timeout"])
        if not kw.get("server"):
            kw["server"] = None
        try:
            return cls(**kw)
        except ConfigError as e:
            raise ConfigError(f"{where}: {e}") from None

    @classmethod
    def coerce(cls, value: Any, *, where: str = "[grammar]") -> "GrammarSettings":
        """Settings from what a caller has: these settings, a table, or the ``grammar`` section object
        of :mod:`repair.settings` (any object with these attribute names)."""
        if isinstance(value, GrammarSettings):
            return value
        if isinstance(value, Mapping):
            return cls.from_mapping(value, where=where)
        names = [f for f in cls.__dataclass_fields__ if hasattr(value, f)]
        if not names:
            raise ConfigError(f"{where}: grammar settings must be a table, not {type(value).__name__}")
        return cls.from_mapping({n: getattr(value, n) for n in names}, where=where)


def settings_of(options: Mapping[str, Any]) -> GrammarSettings:
    """The grammar settings in a pipeline Config's ``options`` (default: enabled, local, scope changed)."""
    value = options.get(STAGE)
    if value is None:
        return GrammarSettings(enabled=True)
    return GrammarSettings.coerce(value)


def project_settings(config: Path | None = None) -> GrammarSettings:
    """The ``[grammar]`` section of the project configuration (``repair.toml`` or ``[tool.repair]``
    in ``pyproject.toml``, found as :mod:`repair.settings` does), or the defaults without one."""
    from repair import settings as _config

    settings = _config.load_settings(config)
    where = f"{settings.path}: [grammar]" if settings.path else "[grammar]"
    return GrammarSettings.coerce(settings.grammar, where=where)


# --------------------------------------------------------------------------------------------
# sentences


_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st mt ft gen gov sen rep lt col sgt capt cmdr adm maj pres rev hon
inc ltd co corp bros dept univ assn approx est vs jan feb mar apr jun jul aug sep
sept oct nov dec tue tues thu thur thurs fri e.g i.e a.m p.m
""".split())
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "vol", "fig", "p", "pp"})  # abbreviations only before a number
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+")
_OPENERS = "\"'\u201c\u2018([\u2014-"



def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text``: lines are paragraphs, and a line is cut after ``.``, ``!``,
    ``?`` or ``...`` (closing quotes and brackets included) when a capital, a digit or an opening
    quote follows, except after a known abbreviation or an initial. Spans exclude surrounding
    whitespace; blank lines give none.

    >>> t = 'Mr. Smith went to Washington. He said "no." Then 3 left!\\nU.S. officials agreed'
    >>> [t[s:e] for s, e in sentences(t)]
    ['Mr. Smith went to Washington.', 'He said "no."', 'Then 3 left!', 'U.S. officials agreed']
    >>> sentences("   ")
    []
    """
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        end_of_line = pos + len(line)
        for m in _END.finditer(line):
            cut = pos + m.end()
            nxt = text[cut] if cut < end_of_line else ""
            if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
                continue
            if m.group().rstrip() == "." and _is_abbreviation(line[: m.start()], nxt):
                continue
            _add(text, start, pos + m.end(), out)
            start = cut
        _add(text, start, end_of_line, out)
        pos = end_of_line + 1
    return out


def _is_abbreviation(before: str, nxt: str) -> bool:
    token = before.rsplit(None, 1)[-1] if before.strip() else ""
    token = token.lstrip("\"'\u201c\u2018([")
    if not token:
        return False
    if token.lower() in _NUMBER_ABBREVIATIONS:
        return nxt.isdigit()
    if len(token) == 1 and token.isalpha():
        return True  # an initial: "J. Smith"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token):
        return True  # "U.S", "e.g"
    return token.lower() in _ABBREVIATIONS


def _add(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s < e:
        out.append((s, e))


def touched_spans(doc: Document, *, exclude: frozenset[str] = NOT_WORDING) -> list[tuple[int, int]]:
    """Spans of ``doc.text`` (current coordinates) that changes or pending proposals touch."""
    out: list[tuple[int, int]] = []
    delta = 0
    for c in sorted(doc.changes, key=lambda c: (c.start, c.end)):
        s = c.start + delta
        if c.applied:
            e = s + len(c.after)
            delta += len(c.after) - (c.end - c.start)
        else:
            e = s + (c.end - c.start)
        if c.stage not in exclude:
            out.append((s, e))
    out.extend((c.start, c.end) for c in doc.pending if c.stage not in exclude)
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


# --------------------------------------------------------------------------------------------
# the stage


@dataclass(frozen=True, slots=True)
class Issue:
    """One LanguageTool match; ``start``/``end`` index the sentence that was checked (Python str indexes)."""

    rule_id: str
    start: int
    end: int
    message: str
    category: str
    issue_type: str
    replacements: tuple[str, ...] = ()

    @property
    def confidence(self) -> float:
        return max(CATEGORY_CONFIDENCE.get(self.category, DEFAULT_CONFIDENCE),
                   ISSUE_CONFIDENCE.get(self.issue_type, DEFAULT_CONFIDENCE))

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "start": self.start, "end": self.end, "message": self.message,
                "category": self.category, "issue_type": self.issue_type, "replacements": list(self.replacements)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Issue":
        return cls(str(d["rule_id"]), int(d["start"]), int(d["end"]), str(d["message"]), str(d["category"]),
                   str(d["issue_type"]), tuple(str(r) for r in d.get("replacements", ())))


CheckFn = Callable[[list[str]], list[list[Issue]]]


class Found(NamedTuple):
    """A match placed in the text: its span there, the change proposed (None if it clashed) and the issue."""

    start: int
    end: int
    issue: Issue
    change: Change | None


class GrammarResult(NamedTuple):
    text: str
    changes: tuple[Change, ...]
    found: tuple[Found, ...]
    sentences: int
    checked: int
    words: int

    @property
    def per_1k_words(self) -> float | None:
        return round(1000 * len(self.found) / self.words, 3) if self.words else None


def grammar(text: str, check: CheckFn, *, touched: Iterable[tuple[int, int]] = (), scope: str = "changed",
            sample: int = DEFAULT_SAMPLE, auto_apply: Iterable[str] = ()) -> GrammarResult:
    """Check the selected sentences of ``text`` and turn the matches into changes against ``text``.

    Each match becomes a change with rule ``grammar.<LanguageTool rule id>``, ``after`` its first
    suggestion (the text itself when there is none), its confidence from the category, and
    ``applied`` only if the rule id is in ``auto_apply``. Overlapping matches: the applied, then
    the more confident, then the earlier one wins; the others are kept in ``found`` with no change.
    """
    spans = sentences(text)
    chosen = select(spans, touched, scope=scope, sample=sample)
    batch = [text[spans[i][0]:spans[i][1]] for i in chosen]
    results = check(batch) if batch else []
    if len(results) != len(batch):
        raise RepairError(f"grammar checker returned {len(results)} results for {len(batch)} sentences")
    allowed = frozenset(auto_apply)
    placed: list[tuple[int, int, Issue]] = []
    for i, issues in zip(chosen, results):
        base, limit = spans[i]
        for iss in issues:
            s, e = base + iss.start, base + iss.end
            if not (base <= s <= e <= limit):
                continue  # a match outside its sentence cannot be placed honestly
            placed.append((s, e, iss))
    ranked = sorted(placed, key=lambda p: (p[2].rule_id not in allowed, -p[2].confidence, p[0], p[1]))
    taken: list[tuple[int, int]] = []
    found: list[Found] = []
    for s, e, iss in ranked:
        if any(s < te and ts < e or (s == e and ts <= s <= te) or (ts == te and s <= ts <= e) for ts, te in taken):
            found.append(Found(s, e, iss, None))
            continue
        taken.append((s, e))
        before = text[s:e]
        after = iss.replacements[0] if iss.replacements else before
        apply = iss.rule_id in allowed and after != before
        found.append(Found(s, e, iss, Change(STAGE, f"{STAGE}.{iss.rule_id}", s, e, before, after,
                                             iss.confidence, apply)))
    found.sort(key=lambda f: (f.start, f.end, f.issue.rule_id))
    changes = tuple(f.change for f in found if f.change is not None)
    out = apply_changes(text, changes)
    return GrammarResult(out, changes, tuple(found), len(spans), len(chosen), sum(count_words(b) for b in batch))


def check_document(doc: Document, settings: GrammarSettings, *, checker: "Checker | None" = None,
                   cache: "Cache | None" = None) -> dict[str, Any]:
    """Run the grammar stage on ``doc`` in place; return (and store in ``doc.extra["grammar"]``) its report.

    When LanguageTool cannot be had the document is left as it is, the report says
    ``status: "skipped"`` with the one-line reason, and ``doc.skipped["grammar-unavailable"]`` is
    counted, so the skip shows in the run's report. Never raises for an unavailable LanguageTool.
    A document whose record says it was checked (``status: "ok"``) is not checked again.
    """
    previous = doc.extra.get(STAGE)
    if isinstance(previous, dict) and previous.get("status") == "ok":
        return previous
    checker = checker or get_checker(settings)
    cache = cache if cache is not None else get_cache(settings.cache)
    report: dict[str, Any] = {"status": "ok", "scope": settings.scope, "server": checker.where}
    counting = CachedCheck(checker, cache, settings)
    try:
        res = grammar(doc.text, counting, touched=touched_spans(doc), scope=settings.scope,
                      sample=settings.sample, auto_apply=settings.auto_apply)
    except LanguageToolUnavailable as e:
        report.update(status="skipped", reason=str(e), sentences=len(sentences(doc.text)), sentences_checked=0,
                      matches=0, per_1k_words=None)
        doc.skipped["grammar-unavailable"] += 1
        doc.extra[STAGE] = report
        return report

    checked_text = doc.text
    composed = compose(doc.source, doc.changes, doc.text, res.changes)
    if any(c.applied for _, c in composed.skipped):
        # two auto-applied matches would merge with the same earlier repair: flag them all instead
        res = res._replace(text=checked_text, changes=tuple(c.with_applied(False) for c in res.changes),
                           found=tuple(f._replace(change=f.change.with_applied(False)) if f.change else f
                                       for f in res.found))
        composed = compose(doc.source, doc.changes, doc.text, res.changes)
    clashed = {id(c) for _, c in composed.skipped}
    doc.absorb(StageResult(res.text, res.changes))
    # the grammar changes kept in the record, in order, pair up with ours minus the clashing ones
    kept_new = [c for c in res.changes if id(c) not in clashed]
    in_record = [c for c in doc.changes if c.stage == STAGE]
    where = {id(n): (r.start, r.end) for n, r in zip(kept_new, in_record)} if len(kept_new) == len(in_record) else {}
    notes = []
    for f in res.found:
        note: dict[str, Any] = {"rule": f"{STAGE}.{f.issue.rule_id}", "message": f.issue.message,
                                "category": f.issue.category, "issue_type": f.issue.issue_type,
                                "replacements": list(f.issue.replacements[:3]),
                                "text": checked_text[f.start:f.end]}
        if f.change is None or id(f.change) in clashed:
            note["status"] = "overlap"  # with another match, or with text an earlier stage rewrote
        else:
            note["status"] = "applied" if f.change.applied else "flagged"
            if id(f.change) in where:
                note["start"], note["end"] = where[id(f.change)]
        if not f.issue.replacements:
            note["note"] = "LanguageTool has no suggestion; the text is left as it is"
        notes.append(note)
    report.update(lt_version=checker.version, sentences=res.sentences, sentences_checked=res.checked,
                  from_cache=counting.hits, words_checked=res.words, matches=len(res.found),
                  per_1k_words=res.per_1k_words, issues=notes)
    doc.extra[STAGE] = report
    return report


# --------------------------------------------------------------------------------------------
# LanguageTool through language-tool-python


def _base_url(server: str) -> str:
    """The server root as language-tool-python wants it (it appends ``v2/`` itself).

    >>> _base_url("localhost:8010"), _base_url("https://lt.example.org/v2/")
    ('http://localhost:8010/', 'https://lt.example.org/')
    """
    url = server.strip()
    if "://" not in url:
        url = "http://" + url
    url = url.rstrip("/")
    if url.endswith("/v2"):
        url = url[:-3]
    return url + "/"


def _py_end(text: str, start: int, utf16_length: int) -> int:
    """End index in ``text`` of a span starting at ``start`` that is ``utf16_length`` UTF-16 units long
    (LanguageTool counts like Java; characters outside the BMP, like emoji, count twice).

    >>> _py_end("a\\U0001F600b", 1, 2)
    2
    """
    i, units = start, 0
    while i < len(text) and units < utf16_length:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


class Checker:
    """One LanguageTool (a local server language-tool-python starts, or a remote one), started
    lazily on the first sentence that is not in the cache, and closed at exit.

    After the first failure (cannot start, connection refused, timeout) it fails fast with the
    same reason for the rest of the process instead of waiting again for every document.
    """

    def __init__(self, server: str | None = None, *, language: str = DEFAULT_LANGUAGE,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.server = _base_url(server) if server else None
        self.language = language
        self.timeout = timeout
        self.version: str | None = None
        self.failure: LanguageToolUnavailable | None = None
        self.requests = 0  # /v2/check requests sent for sentences (not counting the version probe)
        self._tool: Any = None

    @property
    def where(self) -> str:
        return self.server or "local"

    def _fail(self, what: str) -> LanguageToolUnavailable:
        self.failure = LanguageToolUnavailable(what)
        self.close()
        return self.failure

    def identity(self) -> str:
        """The LanguageTool version (part of the cache key). Cheap: one small request to a server,
        nothing at all for a local install (its folder names the version)."""
        if self.failure:
            raise self.failure
        if self.version is None:
            self.version = self._remote_version() if self.server else self._local_version()
        return self.version

    def _remote_version(self) -> str:
        assert self.server is not None
        data = urllib.parse.urlencode({"language": self.language, "text": "."}).encode()
        url = urllib.parse.urljoin(self.server, "v2/check")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=self.timeout) as r:
                body = json.loads(r.read().decode("utf-8"))
            return str(body["software"]["version"])
        except urllib.error.HTTPError as e:
            raise self._fail(f"the server at {self.server} answered HTTP {e.code} ({e.reason})") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise self._fail(f"no answer from {self.server} within {self.timeout:g} s") from None
            if isinstance(reason, ConnectionRefusedError):
                raise self._fail(f"nothing listens at {self.server} (connection refused)") from None
            raise self._fail(f"cannot reach {self.server} ({reason})") from None
        except (socket.timeout, TimeoutError):
            raise self._fail(f"no answer from {self.server} within {self.timeout:g} s") from None
        except OSError as e:
            raise self._fail(f"cannot reach {self.server} ({e})") from None
        except (ValueError, KeyError, TypeError):
            raise self._fail(f"{self.server} does not answer like a LanguageTool server (no software.version "
                             f"in its /v2/check reply)") from None

    def _local_version(self) -> str:
        if not shutil.which("java"):
            raise self._fail("no Java on PATH (a local LanguageTool needs Java 17+)")
        from language_tool_python.download_lt import LTP_DOWNLOAD_VERSION, LocalLanguageTool

        jar_dir = os.environ.get("LTP_JAR_DIR_PATH")
        if jar_dir:
            path = Path(jar_dir).expanduser()
            if not path.is_dir():
                raise self._fail(f"LTP_JAR_DIR_PATH={jar_dir} is not a folder")
            if not any((path / j).is_file() for j in ("languagetool-server.jar", "languagetool.jar")):
                raise self._fail(f"LTP_JAR_DIR_PATH={jar_dir} holds no languagetool-server.jar")
            m = re.fullmatch(r"LanguageTool-(\d+\.\d+|\d{8})", path.resolve().name)
            if not m:
                raise self._fail(f"LTP_JAR_DIR_PATH={jar_dir} must be an unpacked LanguageTool-<version> folder "
                                 f"(its name gives the version)")
            # language-tool-python looks for LanguageTool-<version> under LTP_PATH to build the java
            # command, even when LTP_JAR_DIR_PATH is set; point it at the folder holding this install
            os.environ["LTP_PATH"] = str(path.resolve().parent)
            return m.group(1)
        try:
            installed = LocalLanguageTool.get_latest_installed_version()
        except OSError as e:
            raise self._fail(f"cannot read language-tool-python's download folder ({e})") from None
        return installed.version_name if installed is not None else LTP_DOWNLOAD_VERSION

    def _start(self) -> Any:
        if self._tool is not None:
            return self._tool
        version = self.identity()
        import language_tool_python as ltp
        from language_tool_python.exceptions import LanguageToolError, ServerError

        class _Tool(ltp.LanguageTool):
            _TIMEOUT = self.timeout  # type: ignore[assignment]  # the library's 300 s request timeout, made ours
            _failed_starts = 0

            def _start_local_server(self) -> None:
                # the library retries a server that exits early on each of ~900 ports; three will do
                try:
                    super()._start_local_server()
                except ServerError as e:
                    self._failed_starts += 1
                    if self._failed_starts >= MAX_START_ATTEMPTS:
                        raise LanguageToolError(f"{e} ({self._failed_starts} attempts)") from None
                    raise

        try:
            if self.server:
                self._tool = _Tool(self.language, remote_server=self.server)
            else:
                self._tool = _Tool(self.language, language_tool_download_version=version)
        except (LanguageToolError, OSError, ValueError, SystemError, KeyError, TypeError) as e:
            raise self._fail(self._explain(e)) from None
        except SystemExit as e:  # language-tool-python exits when it cannot parse `java -version`
            raise self._fail(f"cannot read the Java version ({e})") from None
        return self._tool

    def _explain(self, e: BaseException) -> str:
        text = " ".join(str(e).split())[:200] or type(e).__name__
        if self.server:
            if "timed out" in text.lower() or "timeout" in text.lower():
                return f"no answer from {self.server} within {self.timeout:g} s"
            return f"the server at {self.server} failed ({text})"
        if isinstance(e, ModuleNotFoundError) or "java" in text.lower():
            return f"Java problem: {text}"
        if "server" in text.lower():  # the library's ServerError: started but exited or never answered
            return f"the local LanguageTool {self.version} did not start ({text})"
        host = re.search(r"host='([^']+)'", text)
        if host:  # requests' long connection errors: name the host that cannot be reached
            text = f"cannot reach {host.group(1)}"
        return f"no local LanguageTool install, and downloading one failed ({text})"

    def check(self, texts: Sequence[str], disabled_rules: Iterable[str] = ()) -> list[list[Issue]]:
        """Check each text on its own; return the issues of each, with offsets into that text."""
        from language_tool_python.exceptions import LanguageToolError

        if self.failure:
            raise self.failure
        tool = self._start()
        tool.disabled_rules = set(disabled_rules)
        out: list[list[Issue]] = [[] for _ in texts]
        for chunk in _chunks(texts):
            joined = SEPARATOR.join(texts[i] for i in chunk)
            starts, pos = [], 0
            for i in chunk:
                starts.append(pos)
                pos += len(texts[i]) + len(SEPARATOR)
            self.requests += 1
            try:
                matches = tool.check(joined)
            except (LanguageToolError, OSError, KeyError, TypeError, ValueError) as e:  # requests' errors are OSErrors
                raise self._fail(self._explain(e)) from None
            for m in matches:
                off = int(m.offset)
                k = _which(starts, off)
                i, base = chunk[k], starts[k]
                end = _py_end(joined, off, int(m.error_length))
                if end > base + len(texts[i]):
                    continue  # runs into the separator: not a match of this sentence alone
                out[i].append(Issue(str(m.rule_id), off - base, end - base, str(m.message), str(m.category),
                                    str(m.rule_issue_type), tuple(str(r) for r in (m.replacements or ())[:5])))
        return out

    def close(self) -> None:
        tool, self._tool = self._tool, None
        if tool is not None:
            try:
                tool.close()
            except Exception:  # noqa: BLE001 - closing at exit must not raise
                pass


def _chunks(texts: Sequence[str]) -> Iterable[list[int]]:
    chunk: list[int] = []
    size = 0
    for i, t in enumerate(texts):
        if chunk and size + len(t) > BATCH_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(i)
        size += len(t) + len(SEPARATOR)
    if chunk:
        yield chunk


def _which(starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)


# --------------------------------------------------------------------------------------------
# the on-disk cache


def default_cache_path() -> Path:
    """``$REPAIR_CACHE_DIR/grammar.sqlite3``, else ``$XDG_CACHE_HOME/repair/…``, else ``~/.cache/repair/…``."""
    folder = os.environ.get(CACHE_ENV)
    if folder:
        return Path(folder).expanduser() / CACHE_FILE
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "repair" / CACHE_FILE


def _retry_locked(fn: Callable[[], Any], attempts: int = 50) -> Any:
    """Run ``fn``, retrying while sqlite says the database is locked or busy (another writer)."""
    for i in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if i == attempts - 1 or not any(w in str(e).lower() for w in ("locked", "busy")):
                raise
            time.sleep(min(0.2, 0.005 * (i + 1)))
    return None


class Cache:
    """Matches by sentence key in a sqlite file: safe for several processes at once (WAL, busy timeout).

    A broken cache (unwritable folder, corrupt file) turns itself off and says why in ``problem``;
    grammar checking goes on without it.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.problem: str | None = None
        self._db: sqlite3.Connection | None = None

    @property
    def on(self) -> bool:
        return self.path is not None and self.problem is None

    def _conn(self) -> sqlite3.Connection | None:
        if not self.on:
            return None
        if self._db is None:
            assert self.path is not None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                # switching to WAL can fail at once with "database is locked" while another process
                # opens the same file (the busy timeout does not cover it): retry, do not give up
                _retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL"))
                _retry_locked(lambda: db.execute(
                    "CREATE TABLE IF NOT EXISTS matches (key TEXT PRIMARY KEY, issues TEXT NOT NULL) WITHOUT ROWID"))
                self._db = db
            except (OSError, sqlite3.Error) as e:
                self.problem = f"{self.path}: {e}"
                return None
        return self._db

    def get_many(self, keys: Sequence[str]) -> dict[str, list[Issue]]:
        db = self._conn()
        found: dict[str, list[Issue]] = {}
        if db is None:
            return found
        try:
            for i in range(0, len(keys), 500):
                part = list(keys[i:i + 500])
                rows = db.execute(f"SELECT key, issues FROM matches WHERE key IN ({','.join('?' * len(part))})",
                                  part).fetchall()
                for key, issues in rows:
                    found[key] = [Issue.from_json(d) for d in json.loads(issues)]
        except (sqlite3.Error, ValueError, KeyError, TypeError) as e:
            self.problem = f"{self.path}: {e}"
            return {}
        return found

    def put_many(self, items: Mapping[str, list[Issue]]) -> None:
        db = self._conn()
        if db is None or not items:
            return
        rows = [(k, json.dumps([i.to_json() for i in v], ensure_ascii=False)) for k, v in items.items()]
        def write() -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO matches (key, issues) VALUES (?, ?)", rows)

        try:
            _retry_locked(write)
        except sqlite3.Error as e:
            self.problem = f"{self.path}: {e}"

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()


def sentence_key(sentence: str, *, version: str, language: str, disabled_rules: Iterable[str]) -> str:
    """Cache key: the sentence, the LanguageTool version, the language and the disabled rules."""
    h = hashlib.sha256()
    for part in (version, language, ",".join(sorted(disabled_rules)), sentence):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(slots=True)
class CachedCheck:
    """A :data:`CheckFn` over a :class:`Checker` that answers from the cache first and counts hits."""

    checker: "Checker"
    cache: Cache
    settings: GrammarSettings
    hits: int = 0
    misses: int = 0

    def __call__(self, batch: list[str]) -> list[list[Issue]]:
        version = self.checker.identity()
        keys = [sentence_key(s, version=version, language=self.settings.language,
                             disabled_rules=self.settings.disabled_rules) for s in batch]
        known = self.cache.get_many(keys) if self.cache.on else {}
        missing = [i for i, k in enumerate(keys) if k not in known]
        self.hits += len(batch) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = self.checker.check([batch[i] for i in missing], self.settings.disabled_rules)
            new = {keys[i]: issues for i, issues in zip(missing, fresh)}
            known.update(new)
            self.cache.put_many(new)
        return [known[k] for k in keys]


# --------------------------------------------------------------------------------------------
# one per process


_CHECKERS: dict[tuple[Any, ...], Checker] = {}
_CACHES: dict[str, Cache] = {}


def get_checker(settings: GrammarSettings) -> Checker:
    """The process's LanguageTool for these settings (created once, started on first use)."""
    key = (_base_url(settings.server) if settings.server else None, settings.language, settings.timeout)
    checker = _CHECKERS.get(key)
    if checker is None:
        checker = _CHECKERS[key] = Checker(settings.server, language=settings.language, timeout=settings.timeout)
    return checker


def get_cache(where: str | None) -> Cache:
    """The process's cache for ``where`` (a path, ``"off"``, or None for :func:`default_cache_path`)."""
    if where is not None and where.strip().lower() in ("off", "none", ""):
        return Cache(None)
    path = Path(where).expanduser() if where else default_cache_path()
    cache = _CACHES.get(str(path))
    if cache is None:
        cache = _CACHES[str(path)] = Cache(path)
    return cache


@atexit.register
def close_all() -> None:
    """Close every LanguageTool and cache this process opened (also registered with atexit)."""
    for checker in _CHECKERS.values():
        checker.close()
    _CHECKERS.clear()
    for cache in _CACHES.values():
        cache.close()
    _CACHES.clear()


__all__ = ["GrammarSettings", "Issue", "Checker", "Cache", "CachedCheck", "LanguageToolUnavailable", "grammar",
           "check_document", "sentences", "select", "touched_spans", "get_checker", "get_cache", "close_all",
           "settings_of", "NEWS_DISABLED_RULES"]
