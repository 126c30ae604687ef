"""A document whose id is ``__proto__`` keeps the reviewer's decisions in the report (issue 11).

The report's JavaScript kept decisions in plain objects keyed by document id; ``s.documents["__proto__"]``
handed back Object.prototype, so the decisions were written onto it and never exported.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-quic", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (run `make browser` as root)"),
]


@pytest.mark.parametrize("doc_id", ["__proto__", "constructor"])
def test_a_proto_id_keeps_its_decisions(tmp_path: Path, doc_id: str) -> None:
    from playwright.sync_api import sync_playwright

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": doc_id, "text": "The State Division said on Monday.\n"}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(src), "-o", str(out), "-q", "--review"])
    assert r.exit_code == 0, r.output
    page_name = json.loads((out / "documents.jsonl").read_text(encoding="utf-8"))["id"]
    assert page_name == doc_id
    (page_file,) = [p for p in (out / "review").glob("*/**/*.html")]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            pg = b.new_context(accept_downloads=True).new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(page_file.as_uri())
            pg.keyboard.press("j")
            pg.keyboard.press("r")
            assert "decision: reject" in pg.locator("#status").inner_text()
            assert pg.evaluate("Object.keys(Object.prototype).length") == 0  # nothing written onto the prototype
            with pg.expect_download() as dl:
                pg.keyboard.press("e")
            saved = tmp_path / "decisions.json"
            dl.value.save_as(saved)
            assert errors == []
        finally:
            b.close()
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert [d["decision"] for d in exported["documents"][doc_id]] == ["reject"]
