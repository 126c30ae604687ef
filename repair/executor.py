"""Run the pipeline over a stream of documents, in this process or in worker processes.

:func:`imap` takes the items :func:`repair.readers.read_documents` yields (Documents and
InputErrors) and yields each one finished, **in input order**: a processed Document, or an
InputError for an unreadable document or for one whose processing raised a
:class:`~repair.errors.RepairError`. With ``jobs=1`` it is a plain loop; with ``jobs=N`` the
documents go in small chunks to N worker processes, and at most a few chunks per worker are in
flight at any time, so memory stays flat however long the stream is. Workers get the rules
compiled (forked from this process) or compile them once (forkserver, spawn). The output does
not depend on ``jobs``. :func:`imap_partitions` does the same over the partitions of
:mod:`repair.partitions`, marking where each one ends (what a resumable run records).

>>> from repair.pipeline import Config
>>> from repair.document import Document
>>> work = PipelineWork(Config.load())
>>> [d.text for d in imap(work, [Document.from_text("[ad_1]\\nThe State Division said.\\n")])]
['The State Department said.\\n']
"""

from __future__ import annotations

import pickle
import signal
import sys
import threading
from collections import deque
from itertools import chain
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, Union

from repair.document import Document
from repair.errors import InputError, RepairError
from repair.gcpolicy import settle
from repair.partitions import End, Partition, read_partition
from repair.pipeline import Config, compile_all, run_document

if TYPE_CHECKING:
    from concurrent.futures import Future

Item = Union[Document, InputError]
Work = Callable[[Document], Document]

CHUNK_CHARS = 64_000  # characters of text per task: amortises the inter-process round trip
CHUNK_DOCS = 256  # and at most this many documents per task
IN_FLIGHT_PER_JOB = 4  # tasks queued or running per worker: keeps workers busy, memory bounded


class PipelineWork:
    """The pipeline as a picklable callable: ``work(doc)`` runs the stages on ``doc``.

    Pickling sends the Config; its rules arrive compiled in the worker, from the worker's own
    copy for that rule set or the disk cache (:mod:`repair.rulecache`), else compiled once there.
    """

    def __init__(self, cfg: Config, stages: Sequence[str] | None = None) -> None:
        self.cfg = cfg
        self.stages = tuple(stages) if stages is not None else None

    def __call__(self, doc: Document) -> Document:
        return run_document(doc, self.cfg, self.stages)

    def __getstate__(self) -> dict[str, Any]:
        return {"cfg": self.cfg, "stages": self.stages}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.cfg = state["cfg"]
        self.stages = state["stages"]
        compile_all(self.cfg.rules)  # a no-op for rules that arrived compiled (see RuleSet.__reduce__)


def failure(doc: Document, e: Exception) -> InputError:
    """The error reported for a document whose processing failed (file and line when known)."""
    if isinstance(e, RepairError):
        why = str(e)
    else:  # a bug in a stage or a rule: say so, and keep the batch going
        why = f"internal error {type(e).__name__}: {e} (please report it with this document)"
    return InputError(str(doc.origin.get("path", doc.id)), f"document {doc.id}: {why}", doc.origin.get("line"))


def apply(work: Work, item: Item) -> Item:
    """Process one item: an InputError passes through; a document whose processing raises becomes one.

    A failed document never stops the batch: a RepairError is the document's own problem, any
    other exception a bug, reported as one and counted. Only KeyboardInterrupt and SystemExit
    (not Exceptions) stop the run.
    """
    if isinstance(item, InputError):
        return item
    try:
        return work(item)
    except Exception as e:  # noqa: BLE001 - the per-document boundary; see the docstring
        return failure(item, e)


def imap(work: Work, items: Iterable[Item], *, jobs: int = 1, chunk_chars: int = CHUNK_CHARS,
         chunk_docs: int = CHUNK_DOCS, in_flight: int | None = None, start: str | None = None) -> Iterator[Item]:
    """Yield ``apply(work, item)`` for every item, in order, using ``jobs`` processes.

    With ``jobs > 1``, ``work`` must be picklable (use :class:`PipelineWork`), documents travel
    in chunks of up to ``chunk_docs`` documents or ``chunk_chars`` characters, and at most
    ``in_flight`` chunks (default four per job) are queued or running: memory is bounded by
    that, never by the length of the stream. A stream that fits in one chunk is processed here,
    without starting workers. A document whose processing raises is yielded as an
    InputError in both modes, so one bad document never stops the run. ``start`` forces a multiprocessing start method (the
    default picks one, see :func:`_start_method`). As with any use of multiprocessing, a script
    calling this with ``jobs > 1`` needs the ``if __name__ == "__main__":`` guard.
    """
    if jobs < 1:
        raise RepairError(f"--jobs must be 1 or more, not {jobs}")
    if jobs == 1:
        yield from _here(work, items)
        return
    chunks = _chunks(items, chunk_chars, chunk_docs)
    first = next(chunks, None)
    second = next(chunks, None)
    if second is None:  # one chunk in all: starting workers would cost more than it saves
        yield from _here(work, first or ())
        return
    yield from _imap_pool(work, chain([first, second], chunks), jobs, in_flight or IN_FLIGHT_PER_JOB * jobs, start)


def _here(work: Work, items: Iterable[Item]) -> Iterator[Item]:
    """``apply(work, item)`` for each item, in this process (settled for a long run after the first,
    see :mod:`repair.gcpolicy`)."""
    for n, item in enumerate(items):
        yield apply(work, item)
        if n == 0:
            settle()


def imap_partitions(work: Work, parts: Iterable[Partition], text_field: str = "text", *, jobs: int = 1,
                    **kw: Any) -> Iterator[Item | End]:
    """:func:`imap` over the items of ``parts`` read in order, with an :class:`~repair.partitions.End`
    after the last item of each partition (one for a partition with no items too).

    The partitions' items go through one :func:`imap` (one pool of workers for the whole run); an
    End is yielded once the item after it has been read, so it never waits for the next partition's
    results.
    """
    ends: deque[tuple[int, Partition]] = deque()  # (items read up to the end of the partition, partition)

    def read() -> Iterator[Item]:
        n = 0
        for part in parts:
            for item in read_partition(part, text_field):
                n += 1
                yield item
            ends.append((n, part))

    done = 0
    for item in imap(work, read(), jobs=jobs, **kw):
        while ends and ends[0][0] <= done:  # the reader is past this item: partitions ending before it are marked
            yield End(ends.popleft()[1])
        yield item
        done += 1
    while ends:
        yield End(ends.popleft()[1])


def _chunks(items: Iterable[Item], max_chars: int, max_docs: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.text) if isinstance(item, Document) else 0
        if size >= max_chars or len(chunk) >= max_docs:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# --- worker side -------------------------------------------------------------------------------

_WORK: Work | None = None


def _init_worker(payload: bytes | Work) -> None:
    global _WORK
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (a forked worker inherits it)
    # forked workers inherit the work (rules compiled); others unpickle it and compile the rules
    _WORK = pickle.loads(payload) if isinstance(payload, bytes) else payload


def _run_chunk(docs: list[Document]) -> list[Document | tuple[str, str, int | None]]:
    """Process a chunk; a failure travels as (path, reason, line) since InputError does not pickle."""
    assert _WORK is not None, "worker not initialised"
    out: list[Document | tuple[str, str, int | None]] = []
    for doc in docs:
        res = apply(_WORK, doc)
        out.append((res.path, res.reason, res.line) if isinstance(res, InputError) else res)
    settle()  # (a worker's first chunk loaded what it loads on first use, see repair.gcpolicy)
    return out


# --- parent side -------------------------------------------------------------------------------

def _start_method(requested: str | None) -> str:
    """fork when this process runs no other thread (workers then start at once, rules compiled);
    else forkserver (workers fork from a clean server: forking a process with threads, such as
    a progress bar's, is unsafe); spawn where neither exists."""
    import multiprocessing as mp  # (here: a run with --jobs 1 has no use for multiprocessing's imports)

    methods = mp.get_all_start_methods()
    if requested is not None:
        if requested not in methods:
            raise RepairError(f"start method {requested!r} is not available here; use one of {', '.join(methods)}")
        return requested
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _context(method: str) -> Any:
    import multiprocessing as mp

    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["repair.pipeline"])
    return ctx


def _imap_pool(work: Work, chunks: Iterable[list[Item]], jobs: int, in_flight: int,
               start: str | None) -> Iterator[Item]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        payload = pickle.dumps(work)  # also with fork, so what runs does not depend on the start method
    except (pickle.PicklingError, TypeError, AttributeError) as e:
        raise RepairError(f"--jobs {jobs}: the configuration cannot be sent to worker processes ({e}); "
                          "use --jobs 1") from None
    method = _start_method(start)
    if method == "fork":
        for stream in (sys.stdout, sys.stderr):  # a forked child must not write a copy of their buffers
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
    ex = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(method), initializer=_init_worker,
                             initargs=(work if method == "fork" else payload,))
    window: deque[tuple[list[Item], Future | None]] = deque()
    try:
        for chunk in chunks:
            docs = [x for x in chunk if not isinstance(x, InputError)]
            window.append((chunk, ex.submit(_run_chunk, docs) if docs else None))
            while len(window) >= in_flight:
                yield from _collect(*window.popleft())
        while window:
            yield from _collect(*window.popleft())
    except BrokenProcessPool:
        raise RepairError("a worker process died (killed, or out of memory) while cleaning documents; "
                          "the run stopped; run again with --jobs 1 to find the document") from None
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _collect(chunk: list[Item], fut: Future | None) -> Iterator[Item]:
    done = iter(fut.result() if fut is not None else ())
    for item in chunk:
        if isinstance(item, InputError):
            yield item
            continue
        res = next(done)
        yield InputError(*res) if isinstance(res, tuple) else res
