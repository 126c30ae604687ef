"""The shipped pre-commit hook, end to end with the real ``pre-commit`` against a git repo made here:
a baseline for the corpus is written; committing a known-damaged file (in the baseline) passes; a
newly damaged file fails the commit; a clean one passes.

The hook is the one in .pre-commit-hooks.yaml, used as a ``local`` hook (``language: system``,
its entry run with this interpreter) so that pre-commit does not build a virtualenv from the
network; its ``args``, ``files``, ``types`` and ``require_serial`` are the shipped ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # pre-commit depends on PyYAML
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
pytestmark = pytest.mark.skipif(PRE_COMMIT is None or shutil.which("git") is None,
                                reason="needs git and pre-commit (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[2]
CLEAN = "The council approved the library budget on Tuesday evening after a long debate.\n"
DAMAGED = "[ad_1]\nThe bridge will close for two weeks while engineers replace the deck.\nSource link\n"


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "news"
    repo.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    env.pop("REPAIR_CONFIG_CEILING", None)  # the repo's own repair.toml is found from its root
    assert git(repo, "init", "-q", "-b", "main", env=env).returncode == 0
    (shipped,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = {k: shipped[k] for k in ("id", "name", "args", "types", "files", "require_serial")}
    entry = shipped["entry"].replace("repair", f"{sys.executable} -m repair", 1)
    config = {"repos": [{"repo": "local", "hooks": [{**hook, "entry": entry, "language": "system"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / "repair.toml").write_text("", encoding="utf-8")
    for name, text in {"corpus/2021/a.txt": DAMAGED, "corpus/2021/b.txt": CLEAN, "corpus/2022/a.txt": CLEAN}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "repair", "check", "corpus", "--write-baseline", ".repair-baseline.json",
                        "-q"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([PRE_COMMIT, "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return repo, env


def commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    assert git(repo, "add", "-A", env=env).returncode == 0
    return git(repo, "commit", "-q", "-m", message, env=env)


def test_precommit_hook_end_to_end(repo: tuple[Path, dict[str, str]]) -> None:
    repo_dir, env = repo
    # everything, with the known-damaged corpus/2021/a.txt: in the baseline, so the commit passes
    first = commit(repo_dir, env, "corpus and baseline")
    assert first.returncode == 0, first.stdout + first.stderr
    # a known-damaged file touched, no worse (a clean sentence added): passes, matched by its path
    (repo_dir / "corpus/2021/a.txt").write_text(DAMAGED + CLEAN, encoding="utf-8")
    touched = commit(repo_dir, env, "touch a known-damaged file")
    assert touched.returncode == 0, touched.stdout + touched.stderr
    # a file with the same name in another folder, newly damaged: fails, named by its own path
    (repo_dir / "corpus/2022/a.txt").write_text(DAMAGED, encoding="utf-8")
    bad = commit(repo_dir, env, "damage another a.txt")
    assert bad.returncode != 0
    assert "corpus/2022/a.txt" in bad.stdout + bad.stderr
    assert git(repo_dir, "log", "--oneline", env=env).stdout.count("\n") == 2  # the bad commit did not land
    # a new clean file passes
    (repo_dir / "corpus/2022/a.txt").write_text(CLEAN, encoding="utf-8")
    (repo_dir / "corpus/2023/new.txt").parent.mkdir()
    (repo_dir / "corpus/2023/new.txt").write_text(CLEAN, encoding="utf-8")
    good = commit(repo_dir, env, "clean files")
    assert good.returncode == 0, good.stdout + good.stderr


@pytest.mark.skipif(not os.environ.get("REPAIR_TEST_PRECOMMIT_INSTALL"),
                    reason="installs the hook from this checkout with pip (network, ~30 s); "
                           "set REPAIR_TEST_PRECOMMIT_INSTALL=1 to run it")
def test_the_shipped_hook_installs_and_runs_as_pre_commit_builds_it(tmp_path: Path) -> None:
    """``pre-commit try-repo`` this checkout: the manifest as users get it (language: python)."""
    repo = tmp_path / "news"
    (repo / "corpus").mkdir(parents=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    env.pop("REPAIR_CONFIG_CEILING", None)
    (repo / "repair.toml").write_text("", encoding="utf-8")
    (repo / "corpus" / "a.txt").write_text(DAMAGED, encoding="utf-8")
    (repo / "corpus" / "b.txt").write_text(CLEAN, encoding="utf-8")
    assert git(repo, "init", "-q", "-b", "main", env=env).returncode == 0
    assert git(repo, "add", "-A", env=env).returncode == 0
    r = subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), "repair-check", "--files", "corpus/a.txt", "corpus/b.txt"],
                       cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "corpus/a.txt: corpus/a.txt: boilerplate_share" in r.stdout
