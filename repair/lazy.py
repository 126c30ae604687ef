"""Something heavy a stage needs (a language model, a big table), loaded once per process, on first use.

A :class:`~repair.pipeline.Config` travels to worker processes (``--jobs``, Dask) by pickle. A live
handle (a loaded model, an open file) must not travel: :class:`Lazy` pickles as its loader and the
loader's arguments, and each process that calls :meth:`Lazy.get` loads the thing once (one
per process and arguments, however many tasks bring a copy of the Config).

>>> import pickle
>>> calls = []
>>> def load(path):
...     calls.append(path)
...     return {"model": path}
>>> lazy = Lazy(load, "m.gguf")
>>> lazy.get() is lazy.get(), calls
(True, ['m.gguf'])
>>> again = pickle.loads(pickle.dumps(Lazy(len, "abc")))  # the loader and its arguments travel, no value
>>> again.get()
3
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")

_LOADED: dict[tuple[Any, ...], Any] = {}  # per process: (loader, arguments) -> what it loaded
_LOCK = threading.Lock()


class Lazy(Generic[T]):
    """``load(*args)``, called on the first :meth:`get` in each process; pickles as ``(load, args)``.

    ``load`` must be picklable by reference (a module-level function or class) and ``args``
    hashable (paths, names, numbers).
    """

    __slots__ = ("load", "args")

    def __init__(self, load: Callable[..., T], *args: Hashable) -> None:
        self.load = load
        self.args = args

    def get(self) -> T:
        key = (self.load, self.args)
        try:
            return _LOADED[key]
        except KeyError:
            pass
        with _LOCK:  # a worker with threads loads once too
            if key not in _LOADED:
                _LOADED[key] = self.load(*self.args)
            return _LOADED[key]

    def __reduce__(self) -> tuple:
        return _rebuild, (self.load, self.args)

    def __repr__(self) -> str:
        return f"Lazy({getattr(self.load, '__qualname__', self.load)!r}, {', '.join(map(repr, self.args))})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lazy) and (self.load, self.args) == (other.load, other.args)

    def __hash__(self) -> int:
        return hash((self.load, self.args))


def _rebuild(load: Callable[..., Any], args: tuple[Hashable, ...]) -> Lazy[Any]:
    return Lazy(load, *args)
