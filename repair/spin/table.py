"""Substitution tables: spun form -> original forms, learned from aligned pairs.

A :class:`Table` holds, per spun form (1-3 lower-cased tokens joined by one space), the originals
it replaced with their counts, the number of distinct pairs it was seen in, how often the same form
was seen *kept* (left unchanged by the spinner in a spun text, i.e. a correct word there) and how
often it occurs in the originals. Tables are data: mappings and counts, never text.

>>> from repair.authoring.benchmark import Pair
>>> t = learn_tables([Pair("a", "okay", "The metropolis stated it.", "The city said it.")])
>>> t["okay"].lookup("metropolis").to
{'city': 1}
>>> round(t["okay"].lookup("metropolis").p_change, 2)
0.67
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol

from repair.errors import RepairError
from repair.rules import builtin_rules_dir

from .align import MAX_N, is_word, kept_phrases, ngrams, substitutions, tokenize

FORMAT = "repair.spin-table/1"
RULES_DIR = builtin_rules_dir() / "spin-model"  # the shipped tables (rules/spin-model in a checkout)


class PairLike(Protocol):
    id: str
    family: str
    spun: str
    original: str


class TableError(RepairError):
    """A table file that cannot be read."""


@dataclass(slots=True)
class Entry:
    to: dict[str, int] = field(default_factory=dict)  # original form -> times seen
    pairs: int = 0  # distinct pairs the substitution was seen in
    kept: int = 0  # times the spun form stood unchanged in a spun text (it was the original word)
    in_originals: int = 0  # times the spun form occurs in the originals
    emitted: int = 0  # times the spun form occurs in spun texts without an original (unpaired)
    source: str = "learned"  # or "spintax"

    @property
    def changed(self) -> int:
        return sum(self.to.values())

    @property
    def p_change(self) -> float:
        """Share of the spun form's occurrences in spun texts that were substitutions (add-one smoothed)."""
        return (self.changed + 1) / (self.changed + self.kept + 2)

    def log_lr(self, spun_words: int, original_words: int) -> float:
        """log of how much likelier the form is in spun text than in ordinary (original) text."""
        in_spun = (self.changed + self.kept + 0.5) / max(spun_words, 1)
        in_orig = (self.in_originals + 0.5) / max(original_words, 1)
        return math.log(in_spun / in_orig)

    def best(self) -> list[tuple[str, int]]:
        return sorted(self.to.items(), key=lambda kv: (-kv[1], kv[0]))

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"to": dict(self.best()), "pairs": self.pairs, "kept": self.kept,
                             "in_originals": self.in_originals}
        if self.emitted:
            d["emitted"] = self.emitted
        if self.source != "learned":
            d["source"] = self.source
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Entry":
        return cls({str(k): int(v) for k, v in d["to"].items()}, int(d.get("pairs", 0)), int(d.get("kept", 0)),
                   int(d.get("in_originals", 0)), int(d.get("emitted", 0)), str(d.get("source", "learned")))


@dataclass(slots=True)
class Table:
    family: str
    entries: dict[str, Entry] = field(default_factory=dict)
    pairs: int = 0  # pairs learned from
    # word tokens of all the spun / original texts the kept and in_originals counts were made on
    # (every pair learned from, whatever its family)
    spun_words: int = 0
    original_words: int = 0

    def lookup(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def max_n(self) -> int:
        return max((k.count(" ") + 1 for k in self.entries), default=1)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "family": self.family, "pairs": self.pairs, "spun_words": self.spun_words,
                "original_words": self.original_words,
                "entries": {k: self.entries[k].to_json() for k in sorted(self.entries)}}

    @classmethod
    def from_json(cls, d: dict[str, Any], where: str = "table") -> "Table":
        if d.get("format") != FORMAT:
            raise TableError(f"{where}: not a spin table (format {d.get('format')!r}, expected {FORMAT!r})")
        return cls(str(d["family"]), {k: Entry.from_json(v) for k, v in d["entries"].items()},
                   int(d.get("pairs", 0)), int(d.get("spun_words", 0)), int(d.get("original_words", 0)))

    def save(self, path: str | Path) -> None:
        d = self.to_json()
        entries = d.pop("entries")
        head = json.dumps(d, ensure_ascii=False)[:-1]
        lines = [f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in entries.items()]
        body = ",\n".join(lines)
        Path(path).write_text(f'{head}, "entries": {{\n{body}\n}}}}\n', encoding="utf-8")  # one entry a line

    @classmethod
    def load(cls, path: str | Path) -> "Table":
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise TableError(f"{path}: cannot read a spin table ({e}); rebuild it with "
                             "`python -m repair.spin.evaluate --learn-from TRAIN --write rules/spin-model`") from None
        return cls.from_json(d, str(path))


class Tables(dict):
    """Tables by family name (``dict[str, Table]``) with a merged view for decoding."""

    def merged(self, name: str = "all") -> Table:
        """One table adding up every family's counts (a form's originals from all spinners)."""
        out = Table(name)
        for t in self.values():
            out.pairs += t.pairs
            out.spun_words = max(out.spun_words, t.spun_words)
            out.original_words = max(out.original_words, t.original_words)
            for k, e in t.entries.items():
                m = out.entries.setdefault(k, Entry(source=e.source))
                for o, n in e.to.items():
                    m.to[o] = m.to.get(o, 0) + n
                m.pairs += e.pairs
                # kept, in_originals and emitted were counted over the same texts for every family
                m.kept = max(m.kept, e.kept)
                m.in_originals = max(m.in_originals, e.in_originals)
                m.emitted = max(m.emitted, e.emitted)
                if e.source == "learned":
                    m.source = "learned"
        return out

    def save(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for fam in sorted(self):
            p = folder / f"{fam}.table.json"
            self[fam].save(p)
            paths.append(p)
        return paths

    @classmethod
    def load(cls, folder: str | Path = RULES_DIR) -> "Tables":
        out = cls()
        for p in sorted(Path(folder).glob("*.table.json")):
            t = Table.load(p)
            out[t.family] = t
        return out


def _count_words(text: str) -> int:
    return sum(1 for t in tokenize(text) if is_word(t.norm))


def learn_tables(pairs: Iterable[PairLike], unpaired: Iterable[tuple[str, str]] = ()) -> Tables:
    """Learn one table per family from aligned pairs.

    ``unpaired`` are ``(family, spun_text)`` of spun articles without an original: they add how
    often each learned spun form is *emitted* (detection evidence), never new mappings.
    """
    pairs = list(pairs)
    tables = Tables()
    seen_in: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for i, p in enumerate(pairs):
        t = tables.setdefault(p.family, Table(p.family))
        t.pairs += 1
        for s in substitutions(p.spun, p.original):
            if s.spun.count(" ") >= MAX_N or s.original.count(" ") >= MAX_N:
                continue
            e = t.entries.setdefault(s.spun, Entry())
            e.to[s.original] = e.to.get(s.original, 0) + 1
            seen_in[(p.family, s.spun, s.original)].add(getattr(p, "id", str(i)))
    for t in tables.values():
        add_plurals(t)
    per_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (fam, sp, _), ids in seen_in.items():
        per_key[(fam, sp)] |= ids
    for (fam, sp), ids in per_key.items():
        tables[fam].entries[sp].pairs = len(ids)
    # kept / in-originals counts of every learned form, over all pairs (any family)
    spun_words = sum(_count_words(p.spun) for p in pairs)
    original_words = sum(_count_words(p.original) for p in pairs)
    for t in tables.values():
        t.spun_words, t.original_words = spun_words, original_words
    for p in pairs:
        kept = kept_phrases(p.spun, p.original)
        orig = ngrams(p.original, MAX_N)
        for t in tables.values():
            for k, e in t.entries.items():
                e.kept += kept.get(k, 0)
                e.in_originals += orig.get(k, 0)
    for _fam, text in unpaired:
        grams = ngrams(text, MAX_N)
        for t in tables.values():
            for k, e in t.entries.items():
                e.emitted += grams.get(k, 0)
    return tables


def plural(w: str) -> str | None:
    """A regular English plural of a lower-case noun, or None if unsure.

    >>> plural("city"), plural("occasion"), plural("bus"), plural("day")
    ('cities', 'occasions', None, 'days')
    """
    if not w.isalpha() or len(w) < 3 or w.endswith(("s", "x", "z", "ch", "sh")):
        return None
    if w.endswith("y") and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    return w + "s"


def singular(w: str) -> str | None:
    """The regular singular of a lower-case plural, or None if unsure.

    >>> singular("cities"), singular("occasions"), singular("news"), singular("glass")
    ('city', 'occasion', None, None)
    """
    if not w.isalpha() or len(w) < 4 or not w.endswith("s") or w.endswith(("ss", "us", "is", "ews")):
        return None
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "xes", "sses")):
        return None
    return w[:-1]


def add_plurals(t: Table) -> int:
    """Add the singular/plural twin of each one-word mapping the table lacks (``source="inflected"``).

    A spinner that maps "occasion" -> "event" maps "occasions" -> "events" too; the twin carries the
    learned counts and is judged like any other entry (the model gate, the kept/unspun counts).
    """
    added = 0
    for k, e in list(t.entries.items()):
        if " " in k or e.source != "learned":
            continue
        for f in (plural, singular):
            k2 = f(k)
            if not k2 or k2 in t.entries:
                continue
            to = {f(o): n for o, n in e.to.items() if " " not in o and f(o)}
            if to:
                t.entries[k2] = Entry(to=to, pairs=0, source="inflected")
                added += 1
    return added


_SPINTAX = re.compile(r"\{([^{}]*\|[^{}]*)\}")


def from_spintax(path: str | Path, family: str = "spintax") -> Table:
    """Import a synonym database as a table: lines ``a|b|c`` or spintax ``{a|b|c}`` groups.

    Each member may be the spun form of each other member; entries carry no counts
    (``source="spintax"``), so the decoder leans on the language model for them.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise TableError(f"{path}: cannot read ({e.strerror}); give a file of lines 'a|b|c' or '{{a|b|c}}'") from None
    return spintax_table(text.splitlines(), family)


def spintax_table(lines: Iterable[str], family: str = "spintax") -> Table:
    """:func:`from_spintax` on lines already read.

    >>> t = spintax_table(["{city|metropolis|town}", "said|stated"])
    >>> sorted(t.lookup("metropolis").to), t.lookup("stated").to
    (['city', 'town'], {'said': 0})
    """
    t = Table(family)
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        groups = _SPINTAX.findall(line) or ([line] if "|" in line else [])
        for g in groups:
            members = [" ".join(x.norm for x in tokenize(m)) for m in g.split("|")]
            members = [m for m in dict.fromkeys(members) if m]
            for a in members:
                for b in members:
                    if a != b:
                        e = t.entries.setdefault(a, Entry(source="spintax"))
                        e.to.setdefault(b, 0)
    return t


def iter_pairs(path: str | Path) -> Iterator[PairLike]:
    """Pairs of a JSONL file (``repair.authoring.benchmark.read_pairs``), raising on a bad line."""
    from repair.authoring.benchmark import read_pairs
    from repair.errors import InputError

    for item in read_pairs(path):
        if isinstance(item, InputError):
            raise TableError(str(item))
        yield item
