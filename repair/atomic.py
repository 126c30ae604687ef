"""Atomic files: written to a temporary file in the same folder, then renamed over the target, so a
crash never leaves a half-written output; names cut to fit the file system's limit."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from repair.errors import RepairError


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _current_umask()
FILE_MODE = 0o666 & ~UMASK  # what an output file gets (mkstemp makes 0600)


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success rename it over ``path``.

    A path that cannot be written (a folder in the way, no permission, a full disk) raises
    :class:`RepairError` naming it; the temporary file is removed whatever happens.
    """
    fd, tmp = temp_next_to(path)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp makes 0600; outputs get the usual umask-based mode
        text = "b" not in mode  # text: UTF-8; a lone surrogate (only from a JSON \\ud800 escape) is written as that escape
        with os.fdopen(fd, mode, encoding="utf-8" if text else None, errors="backslashreplace" if text else None,
                       newline="" if text else None) as f:
            yield f
        replace_file(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):  # a full disk, a quota, an I/O error: one line naming the file
            raise RepairError(f"cannot write {path} ({e.strerror or e}); free some space or choose another "
                              "output") from None
        raise


TMP_SUFFIX = ".tmp"


MAX_NAME_BYTES = 200  # an output file or folder name, in UTF-8 bytes: room left for suffixes under the usual 255


def fit_name(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """``name`` if it has at most ``limit`` UTF-8 bytes, else its start and a hash of the whole name.

    >>> fit_name("a.txt"), len(fit_name("漢" * 100).encode()) <= 200
    ('a.txt', True)
    """
    data = name.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return name
    digest = hashlib.sha1(data).hexdigest()[:12]
    return data[: limit - 13].decode("utf-8", "ignore") + "-" + digest


def temp_next_to(path: Path) -> tuple[int, str]:
    if path.is_dir():
        raise RepairError(f"cannot write {path}: it is a folder; give a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=f".{fit_name(path.name, 100)}.", suffix=TMP_SUFFIX, dir=path.parent)
    except OSError as e:
        raise RepairError(f"cannot write {path} ({e.strerror or e}); choose another output") from None


def replace_file(tmp: str, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as e:
        raise RepairError(f"cannot write {path} ({e.strerror or e}); choose another output") from None


def write_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as f:
        f.write(text)
