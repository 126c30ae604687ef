"""Resumable runs: ``repair run INPUTS -o OUT`` records each partition it completes, ``--resume`` skips them.

The model is datatrove's completion markers. A run that writes an output cuts its inputs into the
partitions of :mod:`repair.partitions` (the same cut for a local and a Dask run) and keeps, in a
work folder beside the output, the cleaned items of every partition it has finished but the last::

    .OUT.resume/key.json         what the results belong to: hashes of the inputs, the partitioning,
                                 the settings and the rules (with repair's own code)
    .OUT.resume/parts/000012.pkl the cleaned items of partition 12, pickled in order

A partition's file is written to a temporary file and renamed into place once the partition's
last item has arrived (after an fsync), so its presence is the partition's completion marker: a
run stopped by SIGTERM, Ctrl-C, a dead worker or a crash leaves every finished partition recorded
and nothing half-recorded. The last partition is not recorded: once it ends the output is published,
so its record would spare a resumed run nothing but the rare stop between the two (publishing that
fails: then a resumed run cleans the last partition again). A run of one partition (up to some 8 MB
of input) records nothing, and saves the pickling of all its documents.

The output itself is still written whole, as every run writes it (a staging folder or temporary
file, then one rename): a resumed run sends the recorded items of the finished partitions and the
freshly cleaned items of the others through a new writer, in input order, so it publishes byte for
byte what an uninterrupted run publishes (cleaned files, records, diffs, ``report.json``, review
report). The work folder is removed once the output is published, while the output's lock is still
held. A run without ``--resume`` removes a stale work folder and starts from zero; ``--resume``
with other inputs, partitioning, settings or rules is refused (:class:`ConfigError`) rather than
mixing results of two configurations.

>>> import tempfile
>>> from repair.executor import PipelineWork, imap_partitions
>>> from repair.partitions import plan
>>> from repair.pipeline import Config
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "a.jsonl").write_text("".join(f'{{"text": "[ad_1]\\\\nLine {i}.\\\\n"}}\\n' for i in range(6)))
>>> cfg, parts = Config.load(model="off"), plan([d / "a.jsonl"], target=40)
>>> work = PipelineWork(cfg)
>>> folder = WorkFolder(d / "out.jsonl", fingerprint(cfg, parts, "text"), parts, resume=False)
>>> [doc.text for doc in folder.items(lambda todo: imap_partitions(work, todo))]
['Line 0.\\n', 'Line 1.\\n', 'Line 2.\\n', 'Line 3.\\n', 'Line 4.\\n', 'Line 5.\\n']
>>> again = WorkFolder(d / "out.jsonl", fingerprint(cfg, parts, "text"), parts, resume=True)
>>> cleaned = []
>>> again.done == len(parts) - 1, [doc.text for doc in again.items(lambda todo: cleaned.extend(todo) or
...                                                                 imap_partitions(work, todo))][-1]
(True, 'Line 5.\\n')
>>> cleaned == parts[-1:]
True
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from copyreg import dispatch_table
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from repair.atomic import UMASK, fit_name, write_atomic
from repair.document import Document
from repair.errors import ConfigError, InputError, RepairError
from repair.model import Change
from repair.partitions import End, Partition

FORMAT = 1  # bump when what a work folder holds changes shape
SUFFIX = ".resume"

Item = Document | InputError
Run = Callable[[list[Partition]], Iterable[Item | End]]

#: what each part of the key covers, for the message that refuses a resume
WHAT = {
    "format": "version of the work folder",
    "inputs": "input files (one was added, removed or modified)",
    "partitions": "partitioning ([executor] partition_mb)",
    "settings": "settings (threshold, stages, model, text field, grammar)",
    "rules": "rules, learned tables, model file or version of repair",
}


def work_folder(output: Path) -> Path:
    """Where the run writing ``output`` records its partitions: ``.NAME.resume`` beside it."""
    real = output.resolve()
    return real.parent / f".{fit_name(real.name, 100)}{SUFFIX}"


# --- the key -------------------------------------------------------------------------------------

def fingerprint(cfg: Any, parts: Sequence[Partition], text_field: str) -> dict[str, str]:
    """What recorded results depend on, as one hash per part (see :data:`WHAT`).

    Input files count by name, absolute path, size and modification time (not content: hashing a
    corpus would cost a run's reading time); rule files by content (their cache key, which covers
    repair's own code too); learned tables and the model file by name, size and modification time.
    ``cfg`` is a :class:`repair.pipeline.Config`.
    """
    from repair.provenance import rules_hash, tool_version
    from repair.rules import builtin_rules_dir

    inputs: dict[str, list[Any]] = {}  # each file once, however many partitions it is cut into
    for part in parts:
        if part.error is not None:
            inputs.setdefault(f"error:{part.error[0]}", ["error", *part.error])
        for src in part.sources:
            assert src.path is not None
            if src.display not in inputs:
                inputs[src.display] = [src.display, *_identity(src.path)]
    layout = [[p.kind, p.label, p.start, p.end, p.first_line] for p in parts]
    grammar = cfg.options.get("grammar") if "grammar" in cfg.stages else None
    settings = {"text_field": text_field, "threshold": cfg.threshold, "stages": list(cfg.stages),
                "model": cfg.model, "tables": list(cfg.tables), "builtin_tables": cfg.builtin_tables,
                "grammar": grammar}
    data = [*(_tree(Path(t)) for t in cfg.tables), _model_file(cfg.model)]
    if cfg.builtin_tables:
        data.append(_tree(builtin_rules_dir()))
    rules = [cfg.rules.cache_key or rules_hash(cfg.rules), tool_version(), data]
    return {"format": str(FORMAT), "inputs": _hash(list(inputs.values())), "partitions": _hash(layout),
            "settings": _hash(settings), "rules": _hash(rules)}


def _identity(path: Path) -> list[Any]:
    try:
        st = path.stat()
    except OSError as e:
        return [str(path), "unreadable", e.errno]
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def _tree(root: Path) -> list[Any]:
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    return [_identity(p) for p in files]


def _model_file(model: str) -> list[Any]:
    if model == "off":
        return []
    if model == "auto":
        from repair.spin.lm import find_model

        found = find_model()
        return _identity(found) if found is not None else []
    return _identity(Path(model))


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=_plain)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _plain(o: Any) -> Any:
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    if isinstance(o, (set, frozenset)):
        return sorted(o, key=str)
    return str(o)


# --- the work folder ----------------------------------------------------------------------------

class WorkFolder:
    """The recorded partitions of the run writing ``output``; make it while holding the output's lock.

    ``resume=False`` removes what an earlier run recorded and starts empty. ``resume=True`` keeps
    the partitions recorded under the same ``key`` (see :func:`fingerprint`), and raises
    :class:`ConfigError` naming what differs when the key is another; with nothing recorded, the
    run starts from zero (:attr:`note` says so).
    """

    def __init__(self, output: Path, key: dict[str, str], parts: Sequence[Partition], *, resume: bool) -> None:
        self.output = output
        self.dir = work_folder(output)
        self.parts = list(parts)
        self.key = key
        self.note = ""
        self._recorded: set[int] = set()
        try:
            for stale in self.dir.parent.glob(glob.escape(self.dir.name) + "-old-*"):  # a finished run's leftovers
                shutil.rmtree(stale, ignore_errors=True)
            if resume and self.dir.is_dir():
                self._reopen()
            else:
                if resume:
                    self.note = f"nothing recorded to resume for {output}: starting from the beginning"
                self._create()
        except OSError as e:
            raise RepairError(f"cannot record the run's partitions in {self.dir} ({e.strerror or e}); "
                              "free some space or choose another output") from None

    @property
    def done(self) -> int:
        """Partitions recorded (by this run or the one resumed)."""
        return len(self._recorded)

    def _create(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "parts").mkdir(parents=True)
        os.chmod(self.dir, 0o777 & ~UMASK)
        write_atomic(self.dir / "key.json", json.dumps({**self.key, "count": len(self.parts)}, indent=2) + "\n")

    def _reopen(self) -> None:
        try:
            old = json.loads((self.dir / "key.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if not isinstance(old, dict) or not (self.dir / "parts").is_dir():
            self.note = f"the partitions recorded for {self.output} are unreadable: starting from the beginning"
            self._create()
            return
        differ = [WHAT[k] for k in WHAT if old.get(k) != self.key.get(k)]
        if differ:
            raise ConfigError(f"--resume: the interrupted run writing {self.output} had other {'; other '.join(differ)}, "
                              "so its recorded partitions do not belong to this run; run the same command as then "
                              "with --resume, or run without --resume to start over (that removes them)")
        for stale in (self.dir / "parts").glob("*.tmp"):
            stale.unlink()
        indices = {p.index for p in self.parts}
        for f in (self.dir / "parts").glob("*.pkl"):
            if f.stem.isdigit() and int(f.stem) in indices:
                self._recorded.add(int(f.stem))
        self.note = f"resuming {self.output}: {self.done} of {len(self.parts)} partitions were done"

    def items(self, run: Run) -> Iterator[Item]:
        """Every cleaned item of the run, in input order: the recorded partitions' read back, the
        others' from ``run(partitions to do)`` (an :func:`repair.executor.imap_partitions`-like
        stream), each of those recorded as it completes."""
        todo = [p for p in self.parts if p.index not in self._recorded]
        stream = iter(run(todo)) if todo else iter(())
        try:
            for part in self.parts:
                if part.index in self._recorded:
                    yield from self._replay(part)
                elif part is self.parts[-1]:
                    yield from _until_end(stream, part, None)
                else:
                    with _Recorder(self._path(part)) as rec:
                        yield from _until_end(stream, part, rec)
                        self._commit(rec, part)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:  # stop the workers now, not when the stream is collected
                close()

    def _path(self, part: Partition) -> Path:
        return self.dir / "parts" / f"{part.index:06d}.pkl"

    def _commit(self, rec: _Recorder, part: Partition) -> None:
        rec.commit()
        self._recorded.add(part.index)

    def _replay(self, part: Partition) -> Iterator[Item]:
        path = self._path(part)
        try:
            with open(path, "rb") as f:
                n = 0
                while True:
                    rec = pickle.load(f)
                    if rec[0] == "end":
                        if rec[1] != n:
                            raise ValueError(f"{n} items, {rec[1]} recorded")
                        return
                    n += 1
                    yield rec[1] if rec[0] == "d" else InputError(*rec[1:])
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, IndexError, TypeError, AttributeError) as e:
            try:
                path.unlink()
            except OSError:
                pass
            self._recorded.discard(part.index)
            raise RepairError(f"the recorded results of partition {part.label} ({path}) are damaged "
                              f"({type(e).__name__}: {e}); they were removed: run again with --resume to clean that "
                              "partition again") from None

    def finish(self) -> None:
        """The output is published: remove the work folder (call while still holding the output's lock)."""
        try:
            gone = Path(tempfile.mkdtemp(prefix=self.dir.name + "-old-", dir=self.dir.parent))
            os.replace(self.dir, gone)  # at once: a later run finds nothing to resume
        except OSError:
            shutil.rmtree(self.dir, ignore_errors=True)
            return
        shutil.rmtree(gone, ignore_errors=True)

    def summary(self) -> str:
        """Where the run stands, for a run that stopped: what --resume would skip."""
        return (f"{self.done} of {len(self.parts)} partitions are recorded in {self.dir}; the same command with "
                "--resume goes on from there")


def _until_end(stream: Iterator[Item | End], part: Partition, rec: _Recorder | None) -> Iterator[Item]:
    """The items of ``part`` from ``stream`` (up to its :class:`End`), each added to ``rec`` first."""
    for x in stream:
        if isinstance(x, End):
            if x.part.index != part.index:
                raise RepairError(f"internal error: partition {x.part.label} ended while "
                                  f"{part.label} was expected (please report it)")
            return
        if rec is not None:
            rec.add(x)
        yield x
    raise RepairError(f"internal error: the results of partition {part.label} stopped before its end "
                      "(please report it)")


_DISPATCH = dict(dispatch_table)
# a Change as its fields: 4x faster than the default reduction of a frozen, slotted dataclass
_DISPATCH[Change] = lambda c: (Change, (c.stage, c.rule, c.start, c.end, c.before, c.after, c.confidence,
                                        c.applied, c.note))

_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(Document))
_doc_values = attrgetter(*_DOC_FIELDS)
_LISTS = tuple(i for i, name in enumerate(_DOC_FIELDS) if name in ("changes", "pending"))


def _reduce_document(d: Document) -> Any:
    """A Document as its fields, its changes (a spun article has hundreds) as tuples of theirs: one C-level
    ``map`` a list instead of a reduction per change, twice as fast to pickle as the default."""
    values = list(_doc_values(d))
    for i in _LISTS:
        if not isinstance(values[i], list) or not set(map(type, values[i])) <= {Change}:
            return d.__reduce_ex__(pickle.HIGHEST_PROTOCOL)  # not the usual shape: the default reduction
        values[i] = _fields_of(values[i])
    return _document, (tuple(values),)


def _fields_of(changes: list[Change]) -> list[tuple[Any, ...]]:
    """Each change as the tuple of its fields in :class:`Change`'s order (what ``Change(*fields)`` takes back).
    A comprehension: its attribute reads, specialised for slots, cost half what ``attrgetter`` over the nine
    names does (the generic lookup per name)."""
    return [(c.stage, c.rule, c.start, c.end, c.before, c.after, c.confidence, c.applied, c.note) for c in changes]


def _document(values: tuple[Any, ...]) -> Document:
    """The Document :func:`_reduce_document` took apart (no ``__init__``: the fields as they were)."""
    d = Document.__new__(Document)
    for i, (name, v) in enumerate(zip(_DOC_FIELDS, values, strict=True)):
        setattr(d, name, list(starmap(Change, v)) if i in _LISTS else v)
    return d


_DISPATCH[Document] = _reduce_document


class _Recorder:
    """One partition's items, pickled one by one to a temporary file renamed into place by :meth:`commit`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self.tmp = Path(tmp)
        self.f = os.fdopen(fd, "wb")
        self.n = 0

    def __enter__(self) -> _Recorder:
        return self

    def add(self, item: Item) -> None:
        rec = ("e", item.path, item.reason, item.line) if isinstance(item, InputError) else ("d", item)
        self._dump(rec)
        self.n += 1

    def _dump(self, rec: tuple[Any, ...]) -> None:
        p = pickle.Pickler(self.f, protocol=pickle.HIGHEST_PROTOCOL)  # one per item: no memo kept across items
        p.dispatch_table = _DISPATCH
        p.dump(rec)

    def commit(self) -> None:
        self._dump(("end", self.n))
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()
        os.replace(self.tmp, self.path)

    def __exit__(self, *exc: object) -> None:
        if not self.f.closed:
            self.f.close()
        if self.tmp.exists():
            self.tmp.unlink()
