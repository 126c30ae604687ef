"""An output folder written whole or not at all: a lock against a second run, a staging folder
swapped in when complete, and the stale temporaries of killed runs cleaned up.

Used by :class:`repair.writers.FolderSink`; a run that stops half-way leaves the previous output
set as it was.
"""

from __future__ import annotations

import errno
import glob
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from repair.atomic import TMP_SUFFIX, UMASK, fit_name
from repair.errors import ConfigError, RepairError

MARKERS = ("report.json", "documents.jsonl", "records.jsonl")


def lock_file(path: Path) -> OutputLock:
    """Lock a file output for the run and remove what killed earlier runs left of it."""
    lock = OutputLock(path)
    remove_stale_temporaries(path)
    return lock


class OutputLock:
    """An exclusive lock on an output (a file or folder), held for the run: a second run writing the
    same output is refused at once with a clear message rather than mixing its files with ours.

    The lock is ``.<name>.lock`` beside the output (a folder is replaced as a whole on publish, so
    the lock cannot live inside it), an ``flock`` taken with filelock. It is removed while still held
    when the run ends (a run that had opened it then finds the name unlinked, and filelock retries),
    so nothing is left beside the output; a killed run leaves it, unlocked, to be reused.
    """

    def __init__(self, path: Path) -> None:
        from filelock import FileLock, Timeout

        real = path.resolve()
        self.file = real.parent / f".{fit_name(real.name, 100)}.lock"
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(self.file), timeout=0, is_singleton=False)
            self._lock.acquire()
        except Timeout:
            raise RepairError(f"another repair run is writing {path} (it holds {self.file}); wait for it to finish "
                              "or choose another output") from None
        except OSError as e:
            raise RepairError(f"cannot write {path} ({e.strerror or e}); choose another output") from None

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        try:
            os.unlink(self.file)
        except OSError:
            pass
        self._lock.release()


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporaries an earlier run killed while writing ``path`` left (call with its lock held)."""
    real = path.resolve()
    pattern = glob.escape(f".{fit_name(real.name, 100)}.") + "*" + TMP_SUFFIX
    for tmp in real.parent.glob(pattern):
        try:
            tmp.unlink()
        except OSError:
            pass


class StagedFolder:
    """An output folder written in full beside the real one, then swapped in: a run publishes a
    complete output set or leaves the previous one untouched.

    Holds the :class:`OutputLock` from construction to :meth:`publish` or :meth:`abort`. Staging
    and old folders that an earlier, killed run left (``.<name>.staging-*``, ``.<name>.old-*``) are
    removed first. A folder that exists, holds files and is not a repair output is refused: it
    would be replaced as a whole.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.real = out.resolve()
        try:
            if self.real.exists() and not self.real.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "a file is in the way")
            self.real.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RepairError(f"cannot create the output folder {out} ({e.strerror or e}); choose another output") \
                from None
        if self.real.is_dir() and any(self.real.iterdir()) and not any((self.real / m).exists() for m in MARKERS):
            raise ConfigError(f"output folder {out} holds files that are not a repair output, and a run replaces the "
                              "folder as a whole; choose a new or empty folder")
        self.lock = OutputLock(out)
        try:
            stem = f".{fit_name(self.real.name, 100)}."
            for stale in [*self.real.parent.glob(glob.escape(stem) + "staging-*"),
                          *self.real.parent.glob(glob.escape(stem) + "old-*")]:
                shutil.rmtree(stale, ignore_errors=True)
            self.staging = Path(tempfile.mkdtemp(prefix=stem + "staging-", dir=self.real.parent))
            os.chmod(self.staging, 0o777 & ~UMASK)
        except OSError as e:
            self.lock.release()
            raise RepairError(f"cannot create the output folder {out} ({e.strerror or e}); choose another output") \
                from None

    def publish(self, then: Iterable[Callable[[], None]] = ()) -> None:
        """Swap the staged folder in (two renames in one folder) and remove the previous one.

        ``then``: callables run once the new folder is in place, before the lock is released."""
        try:
            old = None
            if self.real.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{fit_name(self.real.name, 100)}.old-", dir=self.real.parent))
                os.replace(self.real, old)  # over the empty folder just made
            try:
                os.rename(self.staging, self.real)
            except OSError:
                if old is not None:
                    os.replace(old, self.real)  # put the previous output back where it was
                raise
            for call in then:
                call()
        except OSError as e:
            raise RepairError(f"cannot publish the output folder {self.out} ({e.strerror or e}); the previous output "
                              "is left as it was") from None
        finally:
            self.lock.release()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Drop the staged folder; the previous output stays as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.lock.release()
