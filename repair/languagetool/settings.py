"""What the grammar stage needs to know about LanguageTool: its settings, the rules switched off
for news, how sure each kind of match is, and the one error that says LanguageTool cannot be had.

Nothing here imports :mod:`repair.settings`; that module hands its ``[grammar]`` table to
:meth:`GrammarSettings.from_mapping`, so the keys are checked by one schema.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

from repair.errors import ConfigError, RepairError

STAGE = "grammar"  # the stage's name, and the key of its settings in a pipeline Config's options
SCOPES = ("changed", "all")
DEFAULT_LANGUAGE = "en-US"
DEFAULT_TIMEOUT = 20.0  # seconds per request to LanguageTool
DEFAULT_SAMPLE = 5  # untouched sentences checked per document in the "changed" scope

# Rules switched off by default, with the reason. News copy is full of names, quotes that open in
# one sentence and close in another, headlines without a full stop and typographic habits that are
# not errors; whitespace and quotes are the normalise stage's business. Rules that look at the
# neighbouring sentences are off too: each sentence is checked (and cached) on its own.
NEWS_DISABLED_RULES: dict[str, str] = {
    "MORFOLOGIK_RULE_EN_US": "spelling: flags every name, place and organisation in the news",
    "MORFOLOGIK_RULE_EN_GB": "spelling (British): same as above",
    "MORFOLOGIK_RULE_EN_CA": "spelling (Canadian): same as above",
    "MORFOLOGIK_RULE_EN_AU": "spelling (Australian): same as above",
    "UPPERCASE_SENTENCE_START": "bylines, datelines and list items start lower case; the splitter can cut after an abbreviation",
    "WHITESPACE_RULE": "spacing is normalise's job, and scraped text has runs of spaces by design",
    "COMMA_PARENTHESIS_WHITESPACE": "spacing around punctuation is normalise's job",
    "EN_QUOTES": "straight vs curly quotes is a house-style choice, not an error",
    "DASH_RULE": "hyphen vs en/em dash is a house-style choice",
    "EN_UNPAIRED_BRACKETS": "quotes often open in one sentence and close in a later one",
    "EN_UNPAIRED_QUOTES": "same as above",
    "PUNCTUATION_PARAGRAPH_END": "headlines and captions have no final full stop",
    "ENGLISH_WORD_REPEAT_BEGINNING_RULE": "looks at neighbouring sentences; news repeats 'The' and names on purpose",
    "EN_DIACRITICS_REPLACE": "names keep their accents",
}

# Confidence of a match from LanguageTool's category and issue type (the higher of the two).
# Grammar and duplicated words are the spinners' leftovers; style and typography are opinions.
CATEGORY_CONFIDENCE: dict[str, float] = {
    "GRAMMAR": 0.7,
    "CONFUSED_WORDS": 0.6,
    "COLLOCATIONS": 0.6,
    "NONSTANDARD_PHRASES": 0.5,
    "REDUNDANCY": 0.5,
    "REPETITIONS": 0.5,
    "PUNCTUATION": 0.5,
    "CASING": 0.5,
    "TYPOS": 0.4,
    "SEMANTICS": 0.4,
    "MISC": 0.4,
    "COMPOUNDING": 0.4,
    "TYPOGRAPHY": 0.3,
    "STYLE": 0.3,
    "REPETITIONS_STYLE": 0.3,
    "PLAIN_ENGLISH": 0.3,
}
ISSUE_CONFIDENCE: dict[str, float] = {
    "grammar": 0.7,
    "duplication": 0.7,
    "misspelling": 0.5,
    "inconsistency": 0.5,
    "typographical": 0.3,
    "whitespace": 0.3,
    "style": 0.3,
    "register": 0.3,
    "locale-violation": 0.3,
}
DEFAULT_CONFIDENCE = 0.4

HOW_TO_PROVIDE = ("provide LanguageTool: a server (docker run -p 8010:8010 erikvl87/languagetool, then "
                  "--lt-server http://localhost:8010) or Java 17+ with LTP_JAR_DIR_PATH set to an unpacked "
                  "LanguageTool-<version> folder")


class LanguageToolUnavailable(RepairError):
    """LanguageTool cannot be had (no Java, no install, server down, timeout). One line: what and how."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"LanguageTool unavailable: {what}; {HOW_TO_PROVIDE}.")


def confidence(category: str, issue_type: str) -> float:
    """How sure a match is, from its category and issue type (the higher of the two).

    >>> confidence("GRAMMAR", "misspelling"), confidence("STYLE", "style"), confidence("NEW", "new")
    (0.7, 0.3, 0.4)
    """
    return max(CATEGORY_CONFIDENCE.get(category, DEFAULT_CONFIDENCE),
               ISSUE_CONFIDENCE.get(issue_type, DEFAULT_CONFIDENCE))


_KEYS: dict[str, Any] = {"enabled": bool, "server": str, "scope": str, "language": str,
                         "disabled_rules": (list, tuple), "auto_apply": (list, tuple), "timeout": (int, float),
                         "sample": int, "cache": str}


@dataclass(frozen=True, slots=True)
class GrammarSettings:
    """What the grammar stage needs; built from the command line or a ``[grammar]`` config table.

    ``disabled_rules`` is the full set sent to LanguageTool (default :data:`NEWS_DISABLED_RULES`);
    ``auto_apply`` lists LanguageTool rule ids whose first suggestion is applied rather than flagged.
    ``cache`` is a sqlite file, ``"off"``, or None for ``$REPAIR_CACHE_DIR`` (else the user cache
    folder)/grammar.sqlite3.
    """

    enabled: bool = False
    server: str | None = None
    scope: str = "changed"
    language: str = DEFAULT_LANGUAGE
    disabled_rules: frozenset[str] = frozenset(NEWS_DISABLED_RULES)
    auto_apply: frozenset[str] = frozenset()
    timeout: float = DEFAULT_TIMEOUT
    sample: int = DEFAULT_SAMPLE
    cache: str | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ConfigError(f"grammar scope {self.scope!r} is not one of {', '.join(SCOPES)}")
        if not self.timeout > 0:
            raise ConfigError(f"grammar timeout must be a positive number of seconds, not {self.timeout!r}")
        if self.sample < 0:
            raise ConfigError(f"grammar sample must be 0 or more sentences, not {self.sample!r}")

    def replace(self, **kw: Any) -> "GrammarSettings":
        return replace(self, **kw)

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], *, where: str = "[grammar]") -> "GrammarSettings":
        """Build settings from a config table; unknown keys and wrong types raise :class:`ConfigError`.

        Keys (as in ``[grammar]`` of repair.toml, see repair/settings.py): ``enabled`` (bool),
        ``server`` (URL; empty = local), ``language``, ``scope`` (changed|all), ``disabled_rules``
        (the full list of LanguageTool rule ids to switch off; default :data:`NEWS_DISABLED_RULES`),
        ``timeout`` (seconds), ``auto_apply`` (rule ids), ``sample`` (sentences), ``cache`` (path or "off").

        >>> s = GrammarSettings.from_mapping({"enabled": True, "server": "", "disabled_rules": ["EN_A_VS_AN"]})
        >>> sorted(s.disabled_rules), s.server, s.enabled
        (['EN_A_VS_AN'], None, True)
        >>> GrammarSettings.from_mapping({"scope": "some"})
        Traceback (most recent call last):
        ...
        repair.errors.ConfigError: [grammar]: grammar scope 'some' is not one of changed, all
        """
        kw = {key: _checked(key, value, where) for key, value in table.items()}
        if "timeout" in kw:
            kw["timeout"] = float(kw["timeout"])
        if not kw.get("server"):
            kw["server"] = None
        try:
            return cls(**kw)
        except ConfigError as e:
            raise ConfigError(f"{where}: {e}") from None

    @classmethod
    def coerce(cls, value: Any, *, where: str = "[grammar]") -> "GrammarSettings":
        """Settings from what a caller has: these settings, a table, or any object with these attribute names."""
        if isinstance(value, GrammarSettings):
            return value
        if isinstance(value, Mapping):
            return cls.from_mapping(value, where=where)
        names = [f for f in cls.__dataclass_fields__ if hasattr(value, f)]
        if not names:
            raise ConfigError(f"{where}: grammar settings must be a table, not {type(value).__name__}")
        return cls.from_mapping({n: getattr(value, n) for n in names}, where=where)


def _checked(key: str, value: Any, where: str) -> Any:
    """One ``[grammar]`` value, type-checked (rule id lists become frozensets)."""
    if key not in _KEYS:
        raise ConfigError(f"{where}: unknown key {key!r}; known keys are {', '.join(_KEYS)}")
    typ = _KEYS[key]
    if not isinstance(value, typ) or (typ in (int, (int, float)) and isinstance(value, bool)):
        raise ConfigError(f"{where}: {key} has the wrong type ({type(value).__name__})")
    if typ == (list, tuple):
        if not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of LanguageTool rule ids (strings)")
        return frozenset(value)
    return value


def settings_of(options: Mapping[str, Any]) -> GrammarSettings:
    """The grammar settings in a pipeline Config's ``options`` (default: enabled, local, scope changed)."""
    value = options.get(STAGE)
    if value is None:
        return GrammarSettings(enabled=True)
    return GrammarSettings.coerce(value)


__all__ = ["CATEGORY_CONFIDENCE", "DEFAULT_CONFIDENCE", "DEFAULT_LANGUAGE", "DEFAULT_SAMPLE", "DEFAULT_TIMEOUT",
           "GrammarSettings", "HOW_TO_PROVIDE", "ISSUE_CONFIDENCE", "LanguageToolUnavailable", "NEWS_DISABLED_RULES",
           "SCOPES", "STAGE", "confidence", "settings_of"]
