"""Discovery: listing N and 4N small files (issue 11: 40,000 files took 464 s against 34 s for 10,000).

``growth`` is the 4N time over the N time: linear is 4; issue 11 asks for at most 1.5 x linear (6).
Only ``repair.readers.discover`` is timed (no cleaning), the best of three runs for each size.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench import scaled
from repair.readers import discover


def _files(root: Path, n: int) -> Path:
    root.mkdir()
    for i in range(n):
        d = root / f"d{i // 1000:03d}"
        if i % 1000 == 0:
            d.mkdir()
        (d / f"{i}.txt").write_bytes(b"x")
    return root


def _best(root: Path, n: int) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        found = sum(1 for _ in discover([root]))
        best = min(best, time.perf_counter() - t)
        if found != n:
            raise RuntimeError(f"discover found {found} of {n} files")
    return best


def _discovery() -> dict[str, Any]:
    n = scaled(10_000)
    with tempfile.TemporaryDirectory() as tmp:
        small = _best(_files(Path(tmp) / "n", n), n)
        big = _best(_files(Path(tmp) / "4n", 4 * n), 4 * n)
    return {"files_N": n, "files_4N": 4 * n, "s_N": round(small, 3), "s_4N": round(big, 3),
            "growth": big / small if small else float("inf"), "linear": 4, "limit": 6}


BENCHMARKS = {"discovery-N-vs-4N": _discovery}
