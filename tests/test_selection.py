"""--include/--exclude (and include/exclude in repair.toml) and .gitignore choose the files read from folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app

runner = CliRunner()
TEXT = "The council approved the library budget on Tuesday evening after a long debate.\n"


@pytest.fixture()
def tree(isolated: Path) -> Path:
    for name in ("corpus/2021/a.txt", "corpus/2021/a.draft.txt", "corpus/scratch/b.txt", "corpus/2022/c.jsonl",
                 "corpus/2022/sub/d.txt"):
        p = isolated / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps({"id": "c", "text": TEXT}) + "\n" if name.endswith(".jsonl") else TEXT, encoding="utf-8")
    (isolated / ".gitignore").write_text("scratch/\n", encoding="utf-8")
    (isolated / "corpus" / "2022" / ".gitignore").write_text("sub/\n", encoding="utf-8")
    return isolated


def ids(*args: str) -> list[str]:
    r = runner.invoke(app, ["check", "corpus", "--format", "json", "--allow-empty", *args])
    assert r.exit_code == 0, r.output
    return sorted(d["id"] for d in json.loads(r.stdout)["documents"])


def test_gitignore_is_respected_by_default_nested_too(tree: Path) -> None:
    assert ids() == ["corpus/2021/a.draft.txt", "corpus/2021/a.txt", "corpus/2022/c.jsonl#c"]
    assert len(ids("--no-respect-gitignore")) == 5


def test_exclude_and_include_globs(tree: Path) -> None:
    assert ids("--exclude", "*.draft.txt") == ["corpus/2021/a.txt", "corpus/2022/c.jsonl#c"]
    assert ids("--include", "corpus/2022/") == ["corpus/2022/c.jsonl#c"]
    assert ids("--include", "*.txt", "--exclude", "2021/") == []


def test_globs_in_the_config_file_drive_run_and_check_alike(tree: Path) -> None:
    (tree / "repair.toml").write_text('exclude = ["*.draft.txt"]\nrespect-gitignore = false\n', encoding="utf-8")
    assert ids() == ["corpus/2021/a.txt", "corpus/2022/c.jsonl#c", "corpus/2022/sub/d.txt", "corpus/scratch/b.txt"]
    r = runner.invoke(app, ["run", "corpus"])
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 4


def test_a_named_file_is_always_read(tree: Path) -> None:
    r = runner.invoke(app, ["check", "corpus/scratch/b.txt", "--exclude", "*.txt", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [d["id"] for d in json.loads(r.stdout)["documents"]] == ["corpus/scratch/b.txt"]
