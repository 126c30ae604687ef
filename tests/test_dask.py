"""--executor dask: a real dask.distributed LocalCluster (worker processes) writes what a local run writes."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes (not threads), one thread each, started here and stopped after the module."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as c:
        yield c


def _corpus(root: Path) -> Path:
    """Seeds, JSON lines with a bad line and a record with its own id, a Parquet file when pyarrow is there."""
    inp = root / "in"
    (inp / "seeds").mkdir(parents=True)
    for p in sorted(SEEDS.glob("*.txt")):
        (inp / "seeds" / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    lines = []
    for i, p in enumerate(sorted(SEEDS.glob("*.txt")) * 6):
        lines.append(json.dumps({"text": p.read_text(encoding="utf-8"), "n": i}, ensure_ascii=False))
    lines.insert(7, "{broken json")
    lines.insert(12, json.dumps({"id": "own-id", "text": "[ad_1]\nThe State Division said.\n"}))
    (inp / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return inp
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] * 4
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(len(texts))], "text": texts}), inp / "rows.parquet",
                   row_group_size=3)
    return inp


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``; the review report's token (a hash of the folder's path) made neutral."""
    from repair.review.html import report_token

    token = report_token(folder).encode()
    return {p.relative_to(folder).as_posix(): p.read_bytes().replace(token, b"TOKEN")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(*args: str):
    return runner.invoke(app, ["run", *args, "--quiet"])


def test_dask_run_writes_what_a_local_run_writes(tmp_path, cluster):
    inp = _corpus(tmp_path)
    # small partitions, so the JSONL file is cut into byte ranges and the Parquet file into row groups
    (tmp_path / "repair.toml").write_text("[executor]\npartition_mb = 0.02\n", encoding="utf-8")
    cfg = str(tmp_path / "repair.toml")
    local = _run(str(inp), "-o", str(tmp_path / "local"), "--config", cfg, "--review")
    assert local.exit_code == 1, local.output  # the broken line is reported and counted, the rest is written
    dask = _run(str(inp), "-o", str(tmp_path / "dask"), "--config", cfg, "--executor", "dask",
                "--scheduler", cluster.scheduler_address, "--review")
    assert dask.exit_code == 1, dask.output
    assert dask.output == local.output
    a, b = _files(tmp_path / "local"), _files(tmp_path / "dask")
    assert sorted(a) == sorted(b)
    assert "report.json" in a and any(k.startswith("diffs/") for k in a) and "index.html" in a
    for name in a:
        assert a[name] == b[name], name

    from repair.partitions import plan

    assert len(plan([inp], int(0.02 * (1 << 20)))) >= 4


def test_dask_from_the_config_file_to_jsonl_records(tmp_path, cluster):
    inp = _corpus(tmp_path)
    (tmp_path / "repair.toml").write_text(
        f'[executor]\nkind = "dask"\nscheduler = "{cluster.scheduler_address}"\npartition_mb = 0.05\n', encoding="utf-8")
    local = _run(str(inp / "news.jsonl"), "-o", str(tmp_path / "local.jsonl"), "--isolated")
    dask = _run(str(inp / "news.jsonl"), "-o", str(tmp_path / "dask.jsonl"), "--config", str(tmp_path / "repair.toml"))
    assert (local.exit_code, dask.exit_code) == (1, 1), dask.output
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_dask_with_local_workers_started_by_the_command(tmp_path):
    out_local, out_dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert _run(str(SEEDS), "-o", str(out_local), "--isolated").exit_code == 0
    res = _run(str(SEEDS), "-o", str(out_dask), "--isolated", "--workers", "2")
    assert res.exit_code == 0, res.output
    assert out_dask.read_bytes() == out_local.read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--executor", "dask", "--grammar"], "cannot be combined with --grammar"),
    (["--executor", "dask", "--jobs", "2"], "contradict"),
    (["--executor", "spark"], "must be one of local, dask"),
], ids=["grammar", "jobs", "unknown"])
def test_dask_option_errors(tmp_path, args, message):
    res = runner.invoke(app, ["run", str(SEEDS), "-o", str(tmp_path / "o.jsonl"), "--isolated", *args])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())


def test_stdin_needs_a_file_for_dask(tmp_path):
    res = runner.invoke(app, ["run", "-", "--isolated", "--workers", "1", "-o", str(tmp_path / "o.jsonl")],
                        input="Some text.\n")
    assert res.exit_code == 1
    assert "not stdin" in " ".join(res.output.split())


def test_dask_reads_the_files_include_and_exclude_choose(tmp_path, cluster):
    inp = _corpus(tmp_path)
    (tmp_path / "repair.toml").write_text('exclude = ["seeds/"]\n', encoding="utf-8")  # globs from its folder
    cfg = str(tmp_path / "repair.toml")
    local = _run(str(inp), "-o", str(tmp_path / "local.jsonl"), "--config", cfg)
    dask = _run(str(inp), "-o", str(tmp_path / "dask.jsonl"), "--config", cfg, "--scheduler", cluster.scheduler_address)
    assert (local.exit_code, dask.exit_code) == (1, 1), dask.output
    records = (tmp_path / "dask.jsonl").read_bytes()
    assert records == (tmp_path / "local.jsonl").read_bytes() and b"seeds/" not in records
