"""The review report in a real browser (Debian's Chromium driven by Playwright).

Open the seeds' report, step through changes with the keyboard, reject one, accept a flagged
one, export the decisions, re-emit with them, and check the final text. Installed by
`make install` (target `browser`); skipped only when /usr/bin/chromium is missing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from typer.testing import CliRunner

from repair.cli import app
from repair.document import Document
from repair.model import Change, apply_changes, unapply
from repair.pipeline import Config, run_document

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-quic", "--disable-sync"]
SEED4 = "004_0ec5a602defd3933.txt"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (run `make browser` as root)"),
]
runner = CliRunner()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(params=[False])
def page(browser, request):
    # bypass_csp: the hostile-text test switches the page's Content-Security-Policy off, so that it
    # shows that escaping alone keeps the text inert (the CSP is only a second line of defence)
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900},
                              bypass_csp=request.param)
    pg = ctx.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("request", lambda r: problems.append(f"network: {r.url}") if not r.url.startswith(("file:", "blob:",
                                                                                                  "data:")) else None)
    pg.problems = problems
    yield pg
    ctx.close()
    assert problems == []


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("browser") / "out"
    # a threshold at seed 004's most confident proposal: the surest repairs are applied and the
    # others flagged, so the flow can both reject an applied change and accept a flagged one
    # whatever confidences the rules give today
    doc = run_document(Document.from_text((root / "seeds" / SEED4).read_text(encoding="utf-8")), Config.load())
    conf = sorted({c.confidence for c in doc.changes if c.stage != "normalise"})
    threshold = conf[-1] if len(conf) >= 2 else 1.0
    r = runner.invoke(app, ["run", str(root / "seeds"), "-o", str(out), "-q", "--threshold", str(threshold)])
    assert r.exit_code == 0, r.output
    return out


def _changes(pg) -> list[dict]:
    raw = pg.evaluate("JSON.parse(document.getElementById('changes').textContent)")
    keys = ["start", "end", "stage", "rule", "confidence", "applied", "before", "after"]
    return [dict(zip(keys, c, strict=True)) for c in raw]


def _focused(pg) -> int:
    return int(pg.evaluate("document.activeElement.getAttribute('data-i')"))


def _right(pg, i: int):
    return pg.locator(f".cell.clean .chg[data-i='{i}']")


def test_keyboard_review_export_and_emit(page, report, tmp_path):
    page.goto((report / "review" / f"{SEED4}.html").as_uri())
    changes = _changes(page)
    record = next(json.loads(x) for x in (report / "records.jsonl").read_text().splitlines() if SEED4 in x)
    assert [c["start"] for c in changes] == [c["start"] for c in record["repair"]["changes"]]
    applied = [i for i, c in enumerate(changes) if c["applied"]]
    repairs = [i for i in applied if changes[i]["stage"] != "normalise"] or applied
    flagged = [i for i, c in enumerate(changes) if not c["applied"]]
    assert repairs and flagged, "seed 004 should have applied and flagged changes at the fixture's threshold"
    reject, accept = repairs[len(repairs) // 2], flagged[len(flagged) // 2]

    page.keyboard.press("j")
    assert _focused(page) == 0 and "change 1 of" in page.locator("#status").inner_text()
    for _ in range(reject):
        page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("n")
    assert _focused(page) == reject
    status = page.locator("#status").inner_text()
    assert f"change {reject + 1} of {len(changes)}" in status and changes[reject]["rule"] in status
    assert f"{changes[reject]['confidence']:.2f}" in status and "tool: applied" in status
    assert _right(page, reject).inner_text().endswith(changes[reject]["after"].strip().split()[-1])
    page.keyboard.press("r")
    cls = _right(page, reject).get_attribute("class")
    assert "off" in cls and "rej" in cls
    assert _right(page, reject).locator(".vb").inner_text().startswith(changes[reject]["before"])
    assert not _right(page, reject).locator(".va").is_visible()
    assert "decision: reject" in page.locator("#status").inner_text()

    steps = 0
    while _focused(page) != accept:
        page.keyboard.press("p" if accept < reject else "j")
        steps += 1
        assert steps <= len(changes)
    assert "flagged" in _right(page, accept).get_attribute("class")
    assert _right(page, accept).inner_text().startswith(changes[accept]["before"])
    page.keyboard.press("a")
    assert "acc" in _right(page, accept).get_attribute("class")
    assert _right(page, accept).inner_text() == changes[accept]["after"]
    assert page.locator("#progress").inner_text().startswith("2 of")

    with page.expect_download() as dl:
        page.keyboard.press("e")
    decisions = tmp_path / "decisions.json"
    dl.value.save_as(decisions)
    exported = json.loads(decisions.read_text())
    assert exported["format"] == "repair-decisions/1"
    assert sorted((d["start"], d["decision"]) for d in exported["documents"][SEED4]) == sorted(
        [(changes[reject]["start"], "reject"), (changes[accept]["start"], "accept")])

    page.keyboard.press("j")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-seed-004.png"))

    final = tmp_path / "final.jsonl"
    r = runner.invoke(app, ["emit", "--decisions", str(decisions), str(report / "records.jsonl"), "-o", str(final)])
    assert r.exit_code == 0, r.output
    assert "1 changes accepted, 1 rejected" in r.output
    rec = next(json.loads(x) for x in final.read_text().splitlines() if json.loads(x)["repair"]["id"] == SEED4)
    text = rec["text"]
    new = [Change.from_json(c) for c in rec["repair"]["changes"]]
    assert [(c.start, c.end) for c in new] == [(c["start"], c["end"]) for c in changes]
    for i, c in enumerate(new):  # every other change kept the tool's decision
        want = False if i == reject else True if i == accept else changes[i]["applied"]
        assert c.applied is want, (i, c)

    def out_at(i: int) -> int:  # where change i's span starts in the final text
        return changes[i]["start"] + sum(len(c.after) - (c.end - c.start) for c in new[:i] if c.applied)

    r0, a0 = out_at(reject), out_at(accept)
    assert text[r0:r0 + len(changes[reject]["before"])] == changes[reject]["before"]  # the rejected one stayed
    assert text[a0:a0 + len(changes[accept]["after"])] == changes[accept]["after"]  # the accepted flagged one
    source = (Path(__file__).resolve().parent.parent / "seeds" / SEED4).read_text(encoding="utf-8")
    assert unapply(text, new) == source and apply_changes(source, new) == text
    assert text != record["text"]


def test_index_lists_filters_and_decides_by_rule(page, report, tmp_path):
    page.goto((report / "index.html").as_uri())
    rows = page.locator("#docs tr")
    assert rows.count() == 5
    records = [json.loads(x)["repair"] for x in (report / "records.jsonl").read_text().splitlines()]
    top = max(records, key=lambda r: r["spin_score"])
    assert rows.first.locator("a").inner_text() == top["id"]  # the most spun document first
    page.fill("#search", "004_")
    expect(rows).to_have_count(1)
    page.fill("#search", "")
    expect(rows).to_have_count(5)
    page.fill("#search", "no document is called this")
    expect(rows).to_have_count(0)
    page.fill("#search", "")
    changed = sum(bool(r["changes"]) for r in records)
    page.select_option("#filter", "changed")
    expect(rows).to_have_count(changed)
    with_flags = sum(any(not c["applied"] for c in r["changes"]) for r in records)
    page.select_option("#filter", "flagged")
    expect(rows).to_have_count(with_flags)
    expect(page.locator("#count")).to_have_text(f"{with_flags} of 5 documents")
    page.select_option("#filter", "all")
    expect(rows).to_have_count(5)

    ad_rule = next(r for r in records if r["id"] == SEED4)["changes"][0]["rule"]  # the [ad_1] line's removal
    assert ad_rule.startswith("boilerplate.")
    page.click(f"button.rule-reject[data-rule='{ad_rule}']")
    assert "rejected everywhere" in page.locator(f".rule-state[data-rule='{ad_rule}']").inner_text()
    with page.expect_navigation():
        page.click(f"#docs a:text-is('{SEED4}')")
    ads = page.locator(f".cell.clean .chg[data-rule='{ad_rule}']")
    assert ads.count() >= 1
    for k in range(ads.count()):
        assert "off" in ads.nth(k).get_attribute("class") and "[ad_" in ads.nth(k).inner_text()
    with page.expect_download() as dl:
        page.click("#export")
    path = tmp_path / "d.json"
    dl.value.save_as(path)
    assert json.loads(path.read_text())["rules"] == {ad_rule: "reject"}
    final = tmp_path / "final.jsonl"
    r = runner.invoke(app, ["emit", "--decisions", str(path), str(report / "records.jsonl"), "-o", str(final), "-q"])
    assert r.exit_code == 0, r.output
    text = next(json.loads(x)["text"] for x in final.read_text().splitlines() if SEED4 in x)
    assert text.startswith("[ad_1]\n") and "[ad_2]" in text


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["without-csp", "with-csp"])
def test_hostile_document_renders_as_text(page, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    hostile = ('[ad_1]\nThe State Division said <script>window.pwned=1;alert(1)</script> and </textarea>'
               '<textarea> and </script><img src=x "onerror=alert(2)> <b onmouseover=alert(3)>x</b>.\n')
    (src / "evil.txt").write_text(hostile, encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(src), "-o", str(out), "-q"]).exit_code == 0
    page.goto((out / "review" / "evil.txt.html").as_uri())
    assert page.evaluate("window.pwned") is None
    assert page.locator("img").count() == 0 and page.locator("textarea").count() == 0
    assert page.locator("main b").count() == 0
    row = page.locator(".row.changed").nth(1)
    assert "<script>window.pwned=1;alert(1)</script> and </textarea><textarea>" in row.locator(".cell.orig").inner_text()
    assert '"onerror=alert(2)>' in row.locator(".cell.clean").inner_text()
    page.keyboard.press("j")
    assert "change 1 of" in page.locator("#status").inner_text()
    page.goto((out / "index.html").as_uri())
    assert page.locator("#docs tr a").inner_text() == "evil.txt"


def test_index_of_a_large_corpus_pages_and_searches(page, tmp_path):
    from repair.review.html import write_report

    docs = []
    for n in range(2001):
        src = f"[ad_1]\nDocument {n}: the State Division said so.\n"
        i = src.index("Division")
        changes = [Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\n", "")]
        if n % 2:
            changes.append(Change("match", "terms.us", i, i + 8, "Division", "Department", 0.7, False))
        docs.append(Document(id=f"doc-{n:05d}", source=src, text=apply_changes(src, changes), changes=changes,
                             spin_score=(n % 100) / 100))
    write_report(tmp_path, docs)
    page.goto((tmp_path / "index.html").as_uri())
    rows = page.locator("#docs tr")
    expect(rows).to_have_count(100)
    expect(page.locator("#page")).to_have_text("page 1 of 21")
    first = rows.first.locator("a").inner_text()
    assert first == "doc-00099"  # spin 0.99, and the most changed among those
    page.click("#next-page")
    expect(page.locator("#page")).to_have_text("page 2 of 21")
    assert rows.first.locator("a").inner_text() != first
    page.select_option("#filter", "flagged")
    expect(page.locator("#count")).to_have_text("1,000 of 2,001 documents")
    page.fill("#search", "doc-01999")
    expect(rows).to_have_count(1)
    with page.expect_navigation():
        rows.first.locator("a").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "terms.us" in page.locator("#status").inner_text()
