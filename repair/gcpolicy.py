"""The garbage collector in a process that runs the pipeline over many documents.

A run loads its compiled rules and the spin model's tables once, on first use: some 60,000
objects that live as long as the process. Then it processes documents, whose objects are freed
by reference counting as soon as each is written (the stages make few reference cycles).
CPython's collector knows none of that: it collects the young generation every 700 new objects
and, now and then, walks every object, the rules and tables included. On spun text that was
some 7 % of a run's time, for almost nothing found.

So a command freezes what it has loaded once it has its settings and compiled rules
(:func:`loaded`: ``gc.freeze``, those objects are never walked again); once the first document is
done (what loads on first use, the spin model's tables, has loaded), :func:`settle` collects once,
freezes what is left and makes the young generation collect every :data:`YOUNG` new objects.
Cyclic garbage is still collected, later: memory stays flat (``make bench`` measures peak RSS at
20 MB and 200 MB of input).

:func:`paused` keeps the collector off while a large structure is built that holds no garbage (the
compiled rules unpickled from the disk cache: tens of thousands of new objects, each hundred a
reason for a collection that finds nothing).

Only the processes a run owns call :func:`loaded` and :func:`settle` (the command's own, its
``--jobs`` workers): never a library function a host program calls (:func:`repair.pipeline.run_text`
leaves the host's collector alone).
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

YOUNG = 50_000  # new objects between collections of the young generation (CPython's default: 700)

_settled = False


def loaded() -> None:
    """Freeze what the process holds now: a command's modules and compiled rules, loaded for good."""
    gc.freeze()


def settle() -> None:
    """Freeze what the process holds now and collect the young generation less often (once a process)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()  # (what is garbage now is not frozen)
    gc.freeze()
    young, *older = gc.get_threshold()
    if young:  # 0: the collector is off (gc.disable() or set_threshold(0)): left so
        gc.set_threshold(max(young, YOUNG), *older)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (as it was after): for building a large structure free of cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
