"""LanguageTool for the grammar stage: ``settings`` (GrammarSettings, the rules off for news, the
confidence of a match, LanguageToolUnavailable), ``issue`` (one match), ``client`` (Checker: a
local LanguageTool or a server) and ``cache`` (the sqlite cache and CachedCheck, the check function
the stage calls).

Nothing here knows the pipeline, a Document or :mod:`repair.settings`; the stage
(:mod:`repair.stages.grammar`) knows nothing of HTTP, Java or sqlite.
"""
