"""The on-disk cache of LanguageTool's answers: a sqlite file keyed by sentence, LanguageTool
version, language and disabled rules, safe for several processes at once, and
:class:`CachedCheck`, the check function the grammar stage calls (the cache first, then LanguageTool).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from repair.languagetool.client import Checker, close_checkers, get_checker
from repair.languagetool.issue import Issue
from repair.languagetool.settings import GrammarSettings

CACHE_FILE = "grammar.sqlite3"
CACHE_ENV = "REPAIR_CACHE_DIR"


def default_cache_path() -> Path:
    """``$REPAIR_CACHE_DIR/grammar.sqlite3``, else ``$XDG_CACHE_HOME/repair/…``, else ``~/.cache/repair/…``."""
    folder = os.environ.get(CACHE_ENV)
    if folder:
        return Path(folder).expanduser() / CACHE_FILE
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "repair" / CACHE_FILE


def _retry_locked(fn: Callable[[], Any], attempts: int = 50) -> Any:
    """Run ``fn``, retrying while sqlite says the database is locked or busy (another writer)."""
    for i in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if i == attempts - 1 or not any(w in str(e).lower() for w in ("locked", "busy")):
                raise
            time.sleep(min(0.2, 0.005 * (i + 1)))
    return None


class Cache:
    """Matches by sentence key in a sqlite file: safe for several processes at once (WAL, busy timeout).

    A broken cache (unwritable folder, corrupt file) turns itself off and says why in ``problem``;
    grammar checking goes on without it.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.problem: str | None = None
        self._db: sqlite3.Connection | None = None

    @property
    def on(self) -> bool:
        return self.path is not None and self.problem is None

    def _conn(self) -> sqlite3.Connection | None:
        if not self.on:
            return None
        if self._db is None:
            assert self.path is not None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                # switching to WAL can fail at once with "database is locked" while another process
                # opens the same file (the busy timeout does not cover it): retry, do not give up
                _retry_locked(lambda: db.execute("PRAGMA journal_mode=WAL"))
                _retry_locked(lambda: db.execute(
                    "CREATE TABLE IF NOT EXISTS matches (key TEXT PRIMARY KEY, issues TEXT NOT NULL) WITHOUT ROWID"))
                self._db = db
            except (OSError, sqlite3.Error) as e:
                self.problem = f"{self.path}: {e}"
                return None
        return self._db

    def get_many(self, keys: Sequence[str]) -> dict[str, list[Issue]]:
        db = self._conn()
        found: dict[str, list[Issue]] = {}
        if db is None:
            return found
        try:
            for i in range(0, len(keys), 500):
                part = list(keys[i:i + 500])
                rows = db.execute(f"SELECT key, issues FROM matches WHERE key IN ({','.join('?' * len(part))})",
                                  part).fetchall()
                for key, issues in rows:
                    found[key] = [Issue.from_json(d) for d in json.loads(issues)]
        except (sqlite3.Error, ValueError, KeyError, TypeError) as e:
            self.problem = f"{self.path}: {e}"
            return {}
        return found

    def put_many(self, items: Mapping[str, list[Issue]]) -> None:
        db = self._conn()
        if db is None or not items:
            return
        rows = [(k, json.dumps([i.to_json() for i in v], ensure_ascii=False)) for k, v in items.items()]
        def write() -> None:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO matches (key, issues) VALUES (?, ?)", rows)

        try:
            _retry_locked(write)
        except sqlite3.Error as e:
            self.problem = f"{self.path}: {e}"

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()


def sentence_key(sentence: str, *, version: str, language: str, disabled_rules: Iterable[str]) -> str:
    """Cache key: the sentence, the LanguageTool version, the language and the disabled rules."""
    h = hashlib.sha256()
    for part in (version, language, ",".join(sorted(disabled_rules)), sentence):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass(slots=True)
class CachedCheck:
    """A :data:`CheckFn` over a :class:`Checker` that answers from the cache first and counts hits."""

    checker: Checker
    cache: Cache
    settings: GrammarSettings
    hits: int = 0
    misses: int = 0

    def __call__(self, batch: list[str]) -> list[list[Issue]]:
        version = self.checker.identity()
        keys = [sentence_key(s, version=version, language=self.settings.language,
                             disabled_rules=self.settings.disabled_rules) for s in batch]
        known = self.cache.get_many(keys) if self.cache.on else {}
        missing = [i for i, k in enumerate(keys) if k not in known]
        self.hits += len(batch) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = self.checker.check([batch[i] for i in missing], self.settings.disabled_rules)
            new = {keys[i]: issues for i, issues in zip(missing, fresh, strict=True)}
            known.update(new)
            self.cache.put_many(new)
        return [known[k] for k in keys]


def cached_check(settings: GrammarSettings) -> CachedCheck:
    """A fresh :class:`CachedCheck` (its own hit counts) over the process's LanguageTool and cache for ``settings``."""
    return CachedCheck(get_checker(settings), get_cache(settings.cache), settings)


_CACHES: dict[str, Cache] = {}


def get_cache(where: str | None) -> Cache:
    """The process's cache for ``where`` (a path, ``"off"``, or None for :func:`default_cache_path`)."""
    if where is not None and where.strip().lower() in ("off", "none", ""):
        return Cache(None)
    path = Path(where).expanduser() if where else default_cache_path()
    cache = _CACHES.get(str(path))
    if cache is None:
        cache = _CACHES[str(path)] = Cache(path)
    return cache


@atexit.register
def close_caches() -> None:
    """Close every cache this process opened (also registered with atexit)."""
    for cache in _CACHES.values():
        cache.close()
    _CACHES.clear()


def close_all() -> None:
    """Close every LanguageTool and cache this process opened (both are also closed at exit)."""
    close_checkers()
    close_caches()


__all__ = ["CACHE_ENV", "CACHE_FILE", "Cache", "CachedCheck", "cached_check", "close_all", "close_caches",
           "default_cache_path", "get_cache", "sentence_key"]
