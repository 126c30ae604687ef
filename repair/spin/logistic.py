"""A few lines of logistic regression (Newton's method, L2), in pure Python: the fits here have a
handful of features and a few thousand rows, and the shipped weights are evaluated without numpy.

>>> w = fit([[1, 0], [1, 1], [1, 2], [1, 3]], [0, 0, 1, 1], l2=0.01)
>>> predict(w, [1, 0]) < 0.5 < predict(w, [1, 3])
True
"""

from __future__ import annotations

import math
from typing import Sequence


def sigmoid(z: float) -> float:
    z = max(-30.0, min(30.0, z))
    return 1.0 / (1.0 + math.exp(-z))


def predict(w: Sequence[float], x: Sequence[float]) -> float:
    return sigmoid(sum(a * b for a, b in zip(w, x, strict=False)))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12:
            continue
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0 for i in range(n)]


def fit(x: Sequence[Sequence[float]], y: Sequence[int], *, l2: float = 1.0, weights: Sequence[float] | None = None,
        iters: int = 50) -> list[float]:
    """Weights maximising the (sample-weighted) log-likelihood less ``l2/2 * |w[1:]|^2`` (no penalty on the bias)."""
    d = len(x[0]) if x else 0
    w = [0.0] * d
    sw = weights or [1.0] * len(y)
    for _ in range(iters):
        g = [0.0] * d
        h = [[0.0] * d for _ in range(d)]
        for xi, yi, si in zip(x, y, sw, strict=False):
            p = predict(w, xi)
            r = si * (p - yi)
            q = si * max(p * (1 - p), 1e-9)
            for a in range(d):
                g[a] += r * xi[a]
                qa = q * xi[a]
                for b in range(a, d):
                    h[a][b] += qa * xi[b]
        for a in range(d):
            for b in range(a):
                h[a][b] = h[b][a]
            if a:
                g[a] += l2 * w[a]
                h[a][a] += l2
        step = _solve(h, g)
        w = [wi - si for wi, si in zip(w, step, strict=False)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return w
