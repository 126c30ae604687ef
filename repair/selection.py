"""Which files found in a folder are read: include/exclude globs and ``.gitignore``, as git matches them.

Patterns are gitignore-style (``pathspec``), relative to the project root (the configuration
file's folder, else the cwd): ``drafts/``, ``*.bak.txt``, ``2019/**/raw-*.jsonl``. A file found
in a folder is read when it matches ``include`` (or ``include`` is empty), matches no ``exclude``
pattern and, with ``respect_gitignore`` (the default), is not ignored by a ``.gitignore`` in the
project root or any folder between it and the file. A file named on the command line is always
read, as ruff does (the pre-commit hook's own ``files`` pattern chooses what it passes).

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / ".gitignore").write_text("scratch/\\n")
>>> keep = Selection(root, exclude=["*.draft.txt"])
>>> keep(root / "news/a.txt"), keep(root / "news/a.draft.txt"), keep(root / "scratch/b.txt")
(True, False, False)
>>> Selection(root, include=["news/"])(root / "other/a.txt")
False
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from repair.errors import ConfigError

if TYPE_CHECKING:
    import pathspec


def _spec(patterns: Iterable[str], what: str) -> pathspec.PathSpec | None:
    patterns = list(patterns)
    if not patterns:
        return None
    import pathspec  # (here: a run given files, or folders without .gitignore, has no use for its imports)

    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"{what}: not a valid pattern ({e}); patterns are .gitignore-style globs") from None


class Selection:
    """``selection(path)``: whether a file found in a folder is read."""

    def __init__(self, root: Path, *, include: Iterable[str] = (), exclude: Iterable[str] = (),
                 respect_gitignore: bool = True) -> None:
        self.root = root.resolve()
        self.include = _spec(include, "include")
        self.exclude = _spec(exclude, "exclude")
        self.respect_gitignore = respect_gitignore
        self._ignores = lru_cache(maxsize=None)(self._gitignore)

    @property
    def trivial(self) -> bool:
        return self.include is None and self.exclude is None and not self.respect_gitignore

    def __call__(self, path: Path) -> bool:
        p = path.resolve()
        try:
            rel = p.relative_to(self.root)
        except ValueError:
            rel = None
        name = rel.as_posix() if rel is not None else p.name
        if self.include is not None and not self.include.match_file(name):
            return False
        if self.exclude is not None and self.exclude.match_file(name):
            return False
        if self.respect_gitignore and rel is not None and self._ignored(rel):
            return False
        return True

    def _ignored(self, rel: Path) -> bool:
        folder = self.root
        parts = rel.parts
        for i in range(len(parts)):
            spec = self._ignores(folder)
            if spec is not None and spec.match_file("/".join(parts[i:])):
                return True
            folder = folder / parts[i]
        return False

    @staticmethod
    def _gitignore(folder: Path) -> pathspec.PathSpec | None:
        try:
            lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines(lines)


def selection_of(settings) -> Selection | None:  # noqa: ANN001 - repair.settings.Settings (no import cycle)
    """The selection the settings describe (None: every file the readers know)."""
    sel = Selection(settings.root, include=settings.include, exclude=settings.exclude,
                    respect_gitignore=settings.respect_gitignore)
    return None if sel.trivial else sel


__all__ = ["Selection", "selection_of"]
