"""The README and docs/ hold together: the table of contents, links, and every place that names a section.

The README is the user's page and docs/ the design notes; text moves between them, so whatever names a
section (a link, ``see "Commands"``, a --help string's ``see the README, "Grammar checks"``, a docstring's
``docs/performance.md``) must name one that exists where it says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
CODE = [*sorted((ROOT / "repair").rglob("*.py")), *sorted((ROOT / "bench").glob("*.py")),
        *sorted((ROOT / "tests").rglob("*.py")), ROOT / "pyproject.toml", ROOT / "Makefile",
        ROOT / ".pre-commit-hooks.yaml", *sorted((ROOT / "rules").rglob("*.md"))]


def _headings(path: Path) -> list[str]:
    """Markdown headings (## and deeper) outside fenced code blocks."""
    out, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{2,6} (.+)", line)):
            out.append(m.group(1).strip())
    return out


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _names(path: Path, title: str) -> bool:
    """Whether ``path`` has a section (a heading, or a paragraph that starts in bold) called ``title``."""
    title = " ".join(title.split())  # a title may be wrapped over two lines
    leads = re.findall(r"^\*\*([^*]+)\*\*", path.read_text(encoding="utf-8"), re.M)
    return any(h.startswith(title) for h in [*_headings(path), *leads])


def test_the_table_of_contents_lists_every_section_of_the_readme():
    text = README.read_text(encoding="utf-8")
    toc = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- \[([^\]]+)\]\(#([^)]+)\)", toc, re.M)
    sections = [h for h in _headings(README) if not h.startswith("#")]
    top = [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]
    assert [t for t, _ in listed] == [h for h in top if h != "Contents"]
    for title, anchor in listed:
        assert anchor == _slug(title), title
    assert sections  # headings were found at all


@pytest.mark.parametrize("doc", [README, *DOCS], ids=lambda p: p.name)
def test_relative_links_point_to_files_and_headings_that_exist(doc):
    for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        assert file.exists(), f"{doc.name}: link to {target}"
        if anchor:
            assert anchor in {_slug(h) for h in _headings(file)}, f"{doc.name}: link to {target}"


def test_sections_named_in_the_readme_exist():
    text = README.read_text(encoding="utf-8")
    named = re.findall(r'\b(?:see|as in) "([A-Z][^"]+)"', text)
    assert len(named) > 10
    for title in named:
        assert _names(README, title), f'README names a section "{title}" it does not have'
    for file, title in re.findall(r'(docs/[\w-]+\.md)\)?, "([^"]+)"', text):
        assert _names(ROOT / file, title), f'README names "{title}" in {file}, which has no such section'


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_names_documentation_that_exists(path):
    text = path.read_text(encoding="utf-8")
    for title in re.findall(r'README(?:\'s)?,? \\?"([^"\\]+)\\?"', text):
        assert _names(README, title), f'{path.name} names the README section "{title}", which it does not have'
    for file in re.findall(r"\bdocs/[\w-]+\.(?:md|png)\b", text):
        assert (ROOT / file).exists(), f"{path.name} names {file}, which does not exist"


def test_the_readme_says_how_to_install_without_the_dev_environment():
    install = README.read_text(encoding="utf-8").split("## Install", 1)[1].split("\n## ", 1)[0]
    assert "pip install ." in install and "pipx install" in install
