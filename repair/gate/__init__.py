"""`repair check`'s gate, one job per module.

figures   the ONE table of figures (name, SARIF id, description, default limits, the stages or rule
          families that feed it), rule id -> family, and the counting per document and corpus
judge     verdicts against limits or a baseline; the baseline file
locate    the changes behind a failing figure, placed at file/line/column for annotations
jsoncols  columns inside a JSONL record's text field (the JSON column scanner)
check     the Checker (documents in, a Report out) and rejudging against a new baseline
formats   JSON, JUnit XML, SARIF and GitHub workflow commands
"""
