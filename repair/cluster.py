"""Run the pipeline on a Dask cluster: ``repair run INPUTS -o OUT --executor dask``.

The inputs are cut into partitions (:mod:`repair.partitions`: runs of ``.txt`` files, JSONL byte
ranges, Parquet row groups). Each partition is one Dask task: a worker reads it from the shared
filesystem and cleans its documents; the cleaned documents come back to this process, which
writes them partition by partition in input order through the same writer as a local run. So the
records, cleaned files, diffs, ``report.json`` and review report are byte for byte those of a
local run. At most a few partitions per worker are in flight, so memory here stays bounded.
:meth:`DaskExecutor.imap_partitions` marks where each partition ends, so a run can record the
partitions it completed and ``--resume`` can skip them (:mod:`repair.resume`).

The pipeline (:class:`repair.executor.PipelineWork`) is sent to every worker once (scattered).
Its rules arrive as data plus a cache key (see :meth:`repair.rules.RuleSet.__reduce__`): each worker
process compiles them once, or reads them from its disk cache (:mod:`repair.rulecache`).

Workers must see the inputs at the same absolute paths as this process (a shared filesystem, or
one machine) and run the same version of repair. Dask and distributed are an optional extra:
``pip install 'repair[dask]'``.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from repair.document import Document
from repair.errors import ConfigError, InputError, RepairError
from repair.executor import Item, apply
from repair.partitions import TARGET_BYTES, End, Partition, plan, read_partition

IN_FLIGHT_PER_WORKER = 2  # partitions queued or running per worker: workers stay busy, memory here bounded
DEFAULT_WORKERS = 2

Result = list  # of Document | (path, reason, line): InputError does not pickle


def run_partition(work: Callable[[Document], Document], part: Partition, text_field: str) -> Result:
    """A Dask task: read one partition and clean its documents (on a worker)."""
    out: Result = []
    for item in read_partition(part, text_field):
        res = apply(work, item)
        out.append((res.path, res.reason, res.line) if isinstance(res, InputError) else res)
    return out


def _need_dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigError("--executor dask needs dask and distributed; install them with "
                          "pip install 'repair[dask]'") from None
    return distributed


@dataclass
class DaskExecutor:
    """Where a partitioned run goes: a scheduler's address, or ``workers`` local worker processes."""

    scheduler: str | None = None
    workers: int | None = None
    partition_bytes: int = TARGET_BYTES
    in_flight: int | None = None

    def __post_init__(self) -> None:
        if self.scheduler and self.workers:
            raise ConfigError("--scheduler and --workers contradict each other: a scheduler has its own workers")
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"--workers must be 1 or more, not {self.workers}")

    def imap(self, work: Callable[[Document], Document], paths: Iterable[str | Path], text_field: str,
             select: Callable[[Path], bool] | None = None) -> Iterator[Item]:
        """Yield every item of ``paths`` (``select``: as :func:`repair.readers.read_documents`), cleaned by
        ``work`` on the cluster, in input order."""
        parts = plan(paths, self.partition_bytes, select)  # before connecting: a bad input fails fast
        for item in self.imap_partitions(work, parts, text_field):
            if not isinstance(item, End):
                yield item

    def imap_partitions(self, work: Callable[[Document], Document], parts: list[Partition],
                        text_field: str) -> Iterator[Item | End]:
        """Yield the items of ``parts`` cleaned on the cluster, in order, each partition's followed by its End.

        Connects (or starts the local workers) on the first item asked for, and only if there are parts."""
        if not parts:
            return
        client, cluster = self._connect()
        try:
            yield from self._run(client, work, parts, text_field)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _connect(self) -> tuple[Any, Any]:
        distributed = _need_dask()
        if self.scheduler:
            try:
                return distributed.Client(self.scheduler, timeout="20s", set_as_default=False), None
            except (OSError, TimeoutError) as e:
                raise RepairError(f"cannot reach the Dask scheduler at {self.scheduler} ({e}); start one with "
                                  "`dask scheduler` and workers with `dask worker ADDRESS`, or use --workers N "
                                  "for worker processes on this machine") from None
        cluster = distributed.LocalCluster(n_workers=self.workers or DEFAULT_WORKERS, threads_per_worker=1,
                                           processes=True, dashboard_address=":0", silence_logs=logging.ERROR)
        return distributed.Client(cluster, set_as_default=False), cluster

    def _run(self, client: Any, work: Callable[[Document], Document], parts: list[Partition],
             text_field: str) -> Iterator[Item | End]:
        distributed = _need_dask()
        n = max(1, len(client.scheduler_info().get("workers", {})))
        in_flight = self.in_flight or IN_FLIGHT_PER_WORKER * n + 1
        run_id = uuid.uuid4().hex[:8]
        (shared,) = client.scatter([work], broadcast=True, hash=False)  # one copy per worker, not per task
        window: deque[tuple[Partition, Any]] = deque()
        try:
            for part in parts:
                window.append((part, client.submit(run_partition, shared, part, text_field, pure=False,
                                                   key=f"repair-{run_id}-{part.index}")))
                while len(window) >= in_flight:
                    yield from _collect(*window.popleft())
            while window:
                yield from _collect(*window.popleft())
        except distributed.KilledWorker as e:
            raise RepairError(f"Dask workers died while cleaning a partition ({e}); the run stopped; "
                              "run it with --jobs 1 to find the document") from None
        finally:
            for _, fut in window:
                fut.cancel()


def _collect(part: Partition, fut: Any) -> Iterator[Item | End]:
    for res in fut.result():
        yield InputError(*res) if isinstance(res, tuple) else res
    fut.release()
    yield End(part)
