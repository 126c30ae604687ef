"""A fake LanguageTool server for the tests: a local HTTP server speaking LanguageTool's /v2 API.

It answers ``GET /v2/languages``, ``GET /v2/healthcheck`` and ``POST /v2/check`` (form-encoded
``language``, ``text``, ``disabledRules``, ...) with the JSON shapes of the documented API
(https://languagetool.org/http-api/) and of what language-tool-python parses (its ``Match`` reads
``rule.id``, ``rule.issueType``, ``rule.category.id``, ``context.offset``/``text``, ``offset``,
``length``, ``replacements[].value``, ``message``). Offsets and lengths count UTF-16 code units,
as LanguageTool (Java) does.

Its "rules" are a handful of regular expressions named after real LanguageTool rules (plus one
clearly fake rule with no suggestion). It is NOT LanguageTool: it only exercises the adapter.
Every /v2/check request is recorded in ``checks`` so tests can count them.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

LANGUAGES = [
    {"name": "English", "code": "en", "longCode": "en"},
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
    {"name": "German (Germany)", "code": "de", "longCode": "de-DE"},
]


@dataclass(frozen=True)
class FakeRule:
    id: str
    description: str
    category: tuple[str, str]  # (id, name)
    issue_type: str
    pattern: re.Pattern[str]
    message: str
    suggest: Callable[[re.Match[str]], list[str]]
    group: int = 0  # which group of the pattern is the error span


def _cap(m: re.Match[str]) -> list[str]:
    return [m.group(0)[0].upper() + m.group(0)[1:]]


RULES = [
    FakeRule("ENGLISH_WORD_REPEAT_RULE", "Word repetition (e.g. 'will will')", ("MISC", "Miscellaneous"),
             "duplication", re.compile(r"\b(\w+) \1\b", re.I), "Possible typo: you repeated a word.",
             lambda m: [m.group(1)]),
    FakeRule("EN_A_VS_AN", "Use of 'a' vs. 'an'", ("MISC", "Miscellaneous"), "misspelling",
             re.compile(r"\b(a) [aeiouAEIOU]\w*"), "Use \u201can\u201d instead of \u2018a\u2019 if the following "
             "word starts with a vowel sound, e.g. \u2018an article\u2019, \u2018an hour\u2019.",
             lambda m: ["an"], group=1),
    FakeRule("HE_VERB_AGR", "Agreement error: third person singular", ("GRAMMAR", "Grammar"), "grammar",
             re.compile(r"\b(?:he|she|it) (have)\b", re.I), "The pronoun and the verb do not agree.",
             lambda m: ["has"], group=1),
    FakeRule("MORFOLOGIK_RULE_EN_US", "Possible spelling mistake", ("TYPOS", "Possible Typo"), "misspelling",
             re.compile(r"\b(?:Zorblatt|recieve)\b"), "Possible spelling mistake found.",
             lambda m: ["receive"] if m.group(0) == "recieve" else []),
    FakeRule("WHITESPACE_RULE", "Whitespace repetition (bad formatting)", ("TYPOGRAPHY", "Typography"),
             "whitespace", re.compile(r"(?<=\S)  +(?=\S)"), "Possible typo: you repeated a whitespace",
             lambda m: [" "]),
    FakeRule("UPPERCASE_SENTENCE_START", "Checks that a sentence starts with an uppercase letter",
             ("CASING", "Capitalization"), "typographical", re.compile(r"^[a-z]\w*"),
             "This sentence does not start with an uppercase letter.", _cap),
    FakeRule("FAKE_NO_SUGGESTION", "A rule of the fake server that never suggests anything", ("GRAMMAR", "Grammar"),
             "grammar", re.compile(r"\bnow not\b"), "This phrase looks garbled.", lambda m: []),
]


def utf16(text: str, i: int) -> int:
    """UTF-16 offset of Python index ``i``."""
    return len(text[:i].encode("utf-16-le")) // 2


def find_matches(text: str, disabled: set[str]) -> list[dict[str, Any]]:
    """The /v2/check ``matches`` list for ``text``; each paragraph (split on blank lines) is checked alone."""
    out: list[dict[str, Any]] = []
    pos = 0
    for para in text.split("\n\n"):
        for rule in RULES:
            if rule.id in disabled:
                continue
            for m in rule.pattern.finditer(para):
                s, e = pos + m.start(rule.group), pos + m.end(rule.group)
                off, length = utf16(text, s), utf16(text, e) - utf16(text, s)
                cs = max(0, s - 40)
                ce = min(len(text), e + 40)
                ctx = ("..." if cs > 0 else "") + text[cs:ce].replace("\n", " ") + ("..." if ce < len(text) else "")
                out.append({
                    "message": rule.message,
                    "shortMessage": "",
                    "replacements": [{"value": v} for v in rule.suggest(m)],
                    "offset": off,
                    "length": length,
                    "context": {"text": ctx, "offset": (3 if cs > 0 else 0) + utf16(text, s) - utf16(text, cs),
                                "length": length},
                    "sentence": para.strip(),
                    "type": {"typeName": "Other"},
                    "rule": {"id": rule.id, "description": rule.description, "issueType": rule.issue_type,
                             "category": {"id": rule.category[0], "name": rule.category[1]}},
                    "ignoreForIncompleteSentence": False,
                    "contextForSureMatch": 0,
                })
        pos += len(para) + 2
    out.sort(key=lambda d: (d["offset"], d["length"]))
    return out


class FakeLanguageTool:
    """Run with ``with FakeLanguageTool() as lt: ... lt.url ...``.

    ``delay`` makes every answer wait that many seconds (for timeouts); ``broken`` makes /v2/check
    answer HTTP 500 with a plain-text error, as LanguageTool does on internal errors.
    """

    def __init__(self, *, version: str = "6.4", delay: float = 0.0, broken: bool = False) -> None:
        self.version = version
        self.delay = delay
        self.broken = broken
        self.checks: list[dict[str, str]] = []
        self.language_requests = 0
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _json(self, obj: Any) -> None:
                self._send(200, json.dumps(obj).encode("utf-8"), "application/json")

            def _wait(self) -> None:
                if fake.delay:
                    fake._stop.wait(fake.delay)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._wait()
                path = urllib.parse.urlsplit(self.path).path
                if path == "/v2/languages":
                    fake.language_requests += 1
                    self._json(LANGUAGES)
                elif path == "/v2/healthcheck":
                    self._send(200, b"OK", "text/plain")
                else:
                    self._send(404, b"Error: unknown endpoint", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                self._wait()
                if urllib.parse.urlsplit(self.path).path != "/v2/check":
                    self._send(404, b"Error: unknown endpoint", "text/plain")
                    return
                params = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
                fake.checks.append(params)
                if fake.broken:
                    self._send(500, b"Error: Internal Error: java.lang.RuntimeException: broken", "text/plain")
                    return
                if "text" not in params or "language" not in params:
                    self._send(400, b"Error: Missing 'text' or 'language' parameter", "text/plain")
                    return
                disabled = set(filter(None, params.get("disabledRules", "").split(",")))
                lang = params["language"]
                self._json({
                    "software": {"name": "LanguageTool", "version": fake.version, "buildDate": "2024-03-28 15:14:00 +0000",
                                 "apiVersion": 1, "premium": False, "premiumHint": "", "status": ""},
                    "warnings": {"incompleteResults": False},
                    "language": {"name": "English (US)", "code": lang,
                                 "detectedLanguage": {"name": "English (US)", "code": "en-US", "confidence": 0.99,
                                                      "source": "ngram"}},
                    "matches": find_matches(params["text"], disabled),
                    "sentenceRanges": [],
                })

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sentence_checks(self) -> list[dict[str, str]]:
        """The /v2/check requests other than the one-character version probe."""
        return [c for c in self.checks if c.get("text") != "."]

    def start(self) -> "FakeLanguageTool":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeLanguageTool":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
