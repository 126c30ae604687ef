"""LanguageTool itself: a local server language-tool-python starts, or a remote one, behind one
:class:`Checker` per process (:func:`get_checker`), started lazily and closed at exit.

Sentences go to LanguageTool in requests of at most :data:`BATCH_CHARS` characters, as separate
paragraphs, and come back apart with Python offsets (LanguageTool counts UTF-16 units).
"""

from __future__ import annotations

import atexit
import bisect
import json
import os
import re
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterable, Sequence

from repair.languagetool.issue import Issue
from repair.languagetool.settings import DEFAULT_LANGUAGE, DEFAULT_TIMEOUT, GrammarSettings, LanguageToolUnavailable

BATCH_CHARS = 20_000  # sentences are sent to LanguageTool in requests of at most this many characters
SEPARATOR = "\n\n"  # between sentences in one request: LanguageTool treats each as its own paragraph
MAX_START_ATTEMPTS = 3  # a local LanguageTool that exits early is tried on this many ports


def _base_url(server: str) -> str:
    """The server root as language-tool-python wants it (it appends ``v2/`` itself).

    >>> _base_url("localhost:8010"), _base_url("https://lt.example.org/v2/")
    ('http://localhost:8010/', 'https://lt.example.org/')
    """
    url = server.strip()
    if "://" not in url:
        url = "http://" + url
    url = url.rstrip("/")
    if url.endswith("/v2"):
        url = url[:-3]
    return url + "/"


def _py_end(text: str, start: int, utf16_length: int) -> int:
    """End index in ``text`` of a span starting at ``start`` that is ``utf16_length`` UTF-16 units long
    (LanguageTool counts like Java; characters outside the BMP, like emoji, count twice).

    >>> _py_end("a\\U0001F600b", 1, 2)
    2
    """
    i, units = start, 0
    while i < len(text) and units < utf16_length:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


class Checker:
    """One LanguageTool (a local server language-tool-python starts, or a remote one), started
    lazily on the first sentence that is not in the cache, and closed at exit.

    After the first failure (cannot start, connection refused, timeout) it fails fast with the
    same reason for the rest of the process instead of waiting again for every document.
    """

    def __init__(self, server: str | None = None, *, language: str = DEFAULT_LANGUAGE,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.server = _base_url(server) if server else None
        self.language = language
        self.timeout = timeout
        self.version: str | None = None
        self.failure: LanguageToolUnavailable | None = None
        self.requests = 0  # /v2/check requests sent for sentences (not counting the version probe)
        self._tool: Any = None

    @property
    def where(self) -> str:
        return self.server or "local"

    def _fail(self, what: str) -> LanguageToolUnavailable:
        self.failure = LanguageToolUnavailable(what)
        self.close()
        return self.failure

    def identity(self) -> str:
        """The LanguageTool version (part of the cache key). Cheap: one small request to a server,
        nothing at all for a local install (its folder names the version)."""
        if self.failure:
            raise self.failure
        if self.version is None:
            self.version = self._remote_version() if self.server else self._local_version()
        return self.version

    def _remote_version(self) -> str:
        assert self.server is not None
        data = urllib.parse.urlencode({"language": self.language, "text": "."}).encode()
        url = urllib.parse.urljoin(self.server, "v2/check")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=self.timeout) as r:
                body = json.loads(r.read().decode("utf-8"))
            return str(body["software"]["version"])
        except urllib.error.HTTPError as e:
            raise self._fail(f"the server at {self.server} answered HTTP {e.code} ({e.reason})") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise self._fail(f"no answer from {self.server} within {self.timeout:g} s") from None
            if isinstance(reason, ConnectionRefusedError):
                raise self._fail(f"nothing listens at {self.server} (connection refused)") from None
            raise self._fail(f"cannot reach {self.server} ({reason})") from None
        except (socket.timeout, TimeoutError):
            raise self._fail(f"no answer from {self.server} within {self.timeout:g} s") from None
        except OSError as e:
            raise self._fail(f"cannot reach {self.server} ({e})") from None
        except (ValueError, KeyError, TypeError):
            raise self._fail(f"{self.server} does not answer like a LanguageTool server (no software.version "
                             f"in its /v2/check reply)") from None

    def _local_version(self) -> str:
        if not shutil.which("java"):
            raise self._fail("no Java on PATH (a local LanguageTool needs Java 17+)")
        from language_tool_python.download_lt import LTP_DOWNLOAD_VERSION, LocalLanguageTool

        jar_dir = os.environ.get("LTP_JAR_DIR_PATH")
        if jar_dir:
            path = Path(jar_dir).expanduser()
            if not path.is_dir():
                raise self._fail(f"LTP_JAR_DIR_PATH={jar_dir} is not a folder")
            if not any((path / j).is_file() for j in ("languagetool-server.jar", "languagetool.jar")):
                raise self._fail(f"LTP_JAR_DIR_PATH={jar_dir} holds no languagetool-server.jar")
            m = re.fullmatch(r"LanguageTool-(\d+\.\d+|\d{8})", path.resolve().name)
            if not m:
                raise self._fail(f"LTP_JAR_DIR_PATH={jar_dir} must be an unpacked LanguageTool-<version> folder "
                                 f"(its name gives the version)")
            # language-tool-python looks for LanguageTool-<version> under LTP_PATH to build the java
            # command, even when LTP_JAR_DIR_PATH is set; point it at the folder holding this install
            os.environ["LTP_PATH"] = str(path.resolve().parent)
            return m.group(1)
        try:
            installed = LocalLanguageTool.get_latest_installed_version()
        except OSError as e:
            raise self._fail(f"cannot read language-tool-python's download folder ({e})") from None
        return installed.version_name if installed is not None else LTP_DOWNLOAD_VERSION

    def _start(self) -> Any:
        if self._tool is not None:
            return self._tool
        version = self.identity()
        import language_tool_python as ltp
        from language_tool_python.exceptions import LanguageToolError, ServerError

        class _Tool(ltp.LanguageTool):
            _TIMEOUT = self.timeout  # type: ignore[assignment]  # the library's 300 s request timeout, made ours
            _failed_starts = 0

            def _start_local_server(self) -> None:
                # the library retries a server that exits early on each of ~900 ports; three will do
                try:
                    super()._start_local_server()
                except ServerError as e:
                    self._failed_starts += 1
                    if self._failed_starts >= MAX_START_ATTEMPTS:
                        raise LanguageToolError(f"{e} ({self._failed_starts} attempts)") from None
                    raise

        try:
            if self.server:
                self._tool = _Tool(self.language, remote_server=self.server)
            else:
                self._tool = _Tool(self.language, language_tool_download_version=version)
        except (LanguageToolError, OSError, ValueError, SystemError, KeyError, TypeError) as e:
            raise self._fail(self._explain(e)) from None
        except SystemExit as e:  # language-tool-python exits when it cannot parse `java -version`
            raise self._fail(f"cannot read the Java version ({e})") from None
        return self._tool

    def _explain(self, e: BaseException) -> str:
        text = " ".join(str(e).split())[:200] or type(e).__name__
        if self.server:
            if "timed out" in text.lower() or "timeout" in text.lower():
                return f"no answer from {self.server} within {self.timeout:g} s"
            return f"the server at {self.server} failed ({text})"
        if isinstance(e, ModuleNotFoundError) or "java" in text.lower():
            return f"Java problem: {text}"
        if "server" in text.lower():  # the library's ServerError: started but exited or never answered
            return f"the local LanguageTool {self.version} did not start ({text})"
        host = re.search(r"host='([^']+)'", text)
        if host:  # requests' long connection errors: name the host that cannot be reached
            text = f"cannot reach {host.group(1)}"
        return f"no local LanguageTool install, and downloading one failed ({text})"

    def check(self, texts: Sequence[str], disabled_rules: Iterable[str] = ()) -> list[list[Issue]]:
        """Check each text on its own; return the issues of each, with offsets into that text."""
        from language_tool_python.exceptions import LanguageToolError

        if self.failure:
            raise self.failure
        tool = self._start()
        tool.disabled_rules = set(disabled_rules)
        out: list[list[Issue]] = [[] for _ in texts]
        for chunk in _chunks(texts):
            joined = SEPARATOR.join(texts[i] for i in chunk)
            starts, pos = [], 0
            for i in chunk:
                starts.append(pos)
                pos += len(texts[i]) + len(SEPARATOR)
            self.requests += 1
            try:
                matches = tool.check(joined)
            except (LanguageToolError, OSError, KeyError, TypeError, ValueError) as e:  # requests' errors are OSErrors
                raise self._fail(self._explain(e)) from None
            for m in matches:
                off = int(m.offset)
                k = _which(starts, off)
                i, base = chunk[k], starts[k]
                end = _py_end(joined, off, int(m.error_length))
                if end > base + len(texts[i]):
                    continue  # runs into the separator: not a match of this sentence alone
                out[i].append(Issue(str(m.rule_id), off - base, end - base, str(m.message), str(m.category),
                                    str(m.rule_issue_type), tuple(str(r) for r in (m.replacements or ())[:5])))
        return out

    def close(self) -> None:
        tool, self._tool = self._tool, None
        if tool is not None:
            try:
                tool.close()
            except Exception:  # noqa: BLE001 - closing at exit must not raise
                pass


def _chunks(texts: Sequence[str]) -> Iterable[list[int]]:
    chunk: list[int] = []
    size = 0
    for i, t in enumerate(texts):
        if chunk and size + len(t) > BATCH_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(i)
        size += len(t) + len(SEPARATOR)
    if chunk:
        yield chunk


def _which(starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)



_CHECKERS: dict[tuple[Any, ...], Checker] = {}


def get_checker(settings: GrammarSettings) -> Checker:
    """The process's LanguageTool for these settings (created once, started on first use)."""
    key = (_base_url(settings.server) if settings.server else None, settings.language, settings.timeout)
    checker = _CHECKERS.get(key)
    if checker is None:
        checker = _CHECKERS[key] = Checker(settings.server, language=settings.language, timeout=settings.timeout)
    return checker


@atexit.register
def close_checkers() -> None:
    """Stop every LanguageTool this process started (also registered with atexit)."""
    for checker in _CHECKERS.values():
        checker.close()
    _CHECKERS.clear()


__all__ = ["BATCH_CHARS", "Checker", "MAX_START_ATTEMPTS", "SEPARATOR", "close_checkers", "get_checker"]
