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
from repair.model import FLAG_CAP, Change, apply_changes, unapply
from repair.pipeline import Config, run_document
from repair.review.html import kind, shard

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
    r = runner.invoke(app, ["run", str(root / "seeds"), "-o", str(out), "-q", "--threshold", str(threshold), "--review"])
    assert r.exit_code == 0, r.output
    return out


def _page_of(out: Path, doc_id: str) -> Path:
    """A document's review page, where documents.jsonl says it is (review/<shard>/<page>)."""
    entries = [json.loads(x) for x in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    return out / next(e["review"] for e in entries if e["id"] == doc_id)


def _changes(pg) -> list[dict]:
    raw = pg.evaluate("JSON.parse(document.getElementById('changes').textContent)")
    keys = ["start", "end", "stage", "rule", "confidence", "applied", "before", "after", "kind"]
    return [dict(zip(keys, c, strict=True)) for c in raw]


def _focused(pg) -> int:
    return int(pg.evaluate("document.activeElement.getAttribute('data-i')"))


def _right(pg, i: int):
    return pg.locator(f".cell.clean .chg[data-i='{i}']")


def _on_screen(pg, locator):
    """Scroll ``locator`` into view and wait a frame: rows off screen are not laid out (content-visibility)."""
    locator.scroll_into_view_if_needed()
    pg.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return locator


def test_keyboard_review_export_and_emit(page, report, tmp_path):
    page.goto(_page_of(report, SEED4).as_uri())
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
    needs = sum(any(kind(Change.from_json(c), r["spin_score"]) == "ask" for c in r["changes"]) for r in records)
    page.select_option("#filter", "needs")
    expect(rows).to_have_count(needs)
    expect(page.locator("#count")).to_have_text(f"{needs} of 5 documents")
    page.select_option("#filter", "all")
    expect(rows).to_have_count(5)

    ad_rule = next(r for r in records if r["id"] == SEED4)["changes"][0]["rule"]  # the [ad_1] line's removal
    assert ad_rule.startswith("boilerplate.")
    page.click(f"button.rule-reject[data-rule='{ad_rule}']")
    page.click("#confirm-yes")
    assert "rejected everywhere" in page.locator(f".rule-state[data-rule='{ad_rule}']").inner_text()
    with page.expect_navigation():
        page.click(f"#docs a:text-is('{SEED4}')")
    ads = page.locator(f".cell.clean .chg[data-rule='{ad_rule}']")
    assert ads.count() >= 1
    for k in range(ads.count()):
        _on_screen(page, ads.nth(k))
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


def test_pages_in_their_sub_folders_link_to_each_other_the_index_and_assets(page, report):
    """Pages live in review/<shard>/ (several shards here): index -> page, ] and [ (index order),
    the next/previous links, i and the back link to the index, and each page's styles and data."""
    data = _data(report)
    assert len({d["page"].split("/")[0] for d in data}) > 1  # the five seeds are spread over several folders
    page.goto((report / "index.html").as_uri())
    with page.expect_navigation():
        page.click(f"#docs a:text-is('{data[0]['id']}')")
    for k, d in enumerate(data):
        assert page.evaluate("document.body.dataset.doc") == d["id"]
        assert page.url == (report / "review" / d["page"]).as_uri()
        assert page.evaluate("getComputedStyle(document.querySelector('.row.head')).display") == "grid"  # report.css
        assert page.evaluate("Array.isArray(window.REPAIR_REPORT.docs)")  # data.js
        if k + 1 < len(data):
            assert page.locator("#next-doc").get_attribute("href") == "../" + data[k + 1]["page"]
            with page.expect_navigation():
                page.keyboard.press("]")
    with page.expect_navigation():
        page.keyboard.press("[")
    assert page.evaluate("document.body.dataset.doc") == data[-2]["id"]
    with page.expect_navigation():
        page.click("#prev-doc")
    assert page.evaluate("document.body.dataset.doc") == data[-3]["id"]
    with page.expect_navigation():
        page.keyboard.press("i")
    assert page.url == (report / "index.html").as_uri() and page.locator("#docs tr").count() == 5
    page.goto((report / "review" / data[0]["page"]).as_uri())
    with page.expect_navigation():
        page.click("#to-index")
    assert page.url == (report / "index.html").as_uri()


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["without-csp", "with-csp"])
def test_hostile_document_renders_as_text(page, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    hostile = ('[ad_1]\nThe State Division said <script>window.pwned=1;alert(1)</script> and </textarea>'
               '<textarea> and </script><img src=x "onerror=alert(2)> <b onmouseover=alert(3)>x</b>.\n')
    (src / "evil.txt").write_text(hostile, encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(src), "-o", str(out), "-q", "--review"]).exit_code == 0
    page.goto(_page_of(out, "evil.txt").as_uri())
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
    page.select_option("#filter", "needs")
    expect(page.locator("#count")).to_have_text("1,000 of 2,001 documents")
    page.fill("#search", "doc-01999")
    expect(rows).to_have_count(1)
    with page.expect_navigation():
        rows.first.locator("a").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "terms.us" in page.locator("#status").inner_text()


# ---------------------------------------------------------------- a 1,000-document run with one 1 MB document

WORDS = "the state said a minister on and of to in that officials report government week new people".split()
SWAPS = [("stated", "said", "lexicon.said"), ("dialogue", "discussion", "lexicon.dialogue"),
         ("State Division", "State Department", "terms.us"), ("Simply", "Just", "lexicon.simply"),
         ("Nineteen Nineties", "1990s", "okay.decade")]
CONFIDENCE = (0.95, 0.7, 0.55)  # applied at the default threshold; flagged; flagged at FLAG_CAP


def _synthetic(doc_id: str, spin: float, paras: int, per_para: int, family: str = "", seed: int = 0,
               confidence: float | None = None) -> Document:
    """A document of ``paras`` paragraphs with ``per_para`` proposals each, as detect and match would leave it."""
    parts: list[str] = []
    changes: list[Change] = []
    pos = 0
    for p in range(paras):
        for k in range(per_para):
            n = seed + p * per_para + k
            filler = " ".join(WORDS[(n * 7 + w * 3) % len(WORDS)] for w in range(7 + n % 6)) + " "
            before, after, rule = SWAPS[n % len(SWAPS)]
            conf = confidence or CONFIDENCE[(n // len(SWAPS) + n) % len(CONFIDENCE)]
            pos += len(filler)
            changes.append(Change("match", rule, pos, pos + len(before), before, after, conf, conf >= 0.9))
            parts += [filler, before]
            pos += len(before)
        parts.append(f"{WORDS[p % len(WORDS)]} end.\n")
        pos += len(parts[-1])
    src = "".join(parts)
    return Document(id=doc_id, source=src, text=apply_changes(src, changes), changes=changes, spin_score=spin,
                    family=family)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """997 small documents, a clean one whose only proposals are low-confidence, one called __proto__
    and one of 1 MB with about 17,000 changes: written straight from records (no pipeline run)."""
    from repair.review.html import write_report

    out = tmp_path_factory.mktemp("corpus")
    docs = [_synthetic(f"doc-{i:04d}", ((i * 37) % 100) / 100, 2 + i % 5, i % 3, ("okay", "state", "")[i % 3], i)
            for i in range(997)]
    clean = _synthetic("clean-000", 0.08, 4, 1, "okay", confidence=FLAG_CAP)
    assert {kind(c, 0.08) for c in clean.changes} == {"low"}
    big = _synthetic("big", 0.6, 1_700, 10, "state")
    assert len(big.source) >= 1_000_000 and len(big.changes) == 17_000
    write_report(out, [*docs, clean, _synthetic("__proto__", 0.77, 3, 2, "okay", seed=5), big])
    return out


def _data(out: Path) -> list[dict]:
    raw = json.loads((out / "review" / "data.js").read_text().removeprefix("window.REPAIR_REPORT = ").rstrip().rstrip(";"))
    return [dict(zip(raw["fields"], d, strict=True)) for d in raw["docs"]]


def _column(pg, n: int) -> list[str]:
    return pg.eval_on_selector_all(f"#docs tr td:nth-child({n})", "cells => cells.map(c => c.textContent)")


def test_index_shows_twenty_documents_and_sorts_every_column(page, corpus):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto((corpus / "index.html").as_uri())
    on_screen = page.evaluate("""() => Array.from(document.querySelectorAll('#docs tr'))
        .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length""")
    assert on_screen >= 20
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-index.png"))  # docs/review-index.png in the README
    docs = _data(corpus)
    assert len(docs) == 1000
    # a row shows the top three rules with counts; the full list on demand
    many = next(i for i, d in enumerate(docs[:100]) if len(d["rules"]) > 3)
    row = page.locator("#docs tr").nth(many)
    top = "  ".join(f"{r} \u00d7{n}" for r, n in docs[many]["rules"][:3])
    assert row.locator("td.rules span").text_content() == top
    row.locator("button.more").click()
    assert page.locator("#docs tr").nth(many).locator("td.rules span").text_content().split("\n") == [
        f"{r} \u00d7{n}" for r, n in docs[many]["rules"]]

    columns = {"id": 1, "spin": 2, "family": 3, "applied": 4, "flagged": 5, "left": 6, "chars": 7}
    for key, n in columns.items():
        numeric = key not in ("id", "family")

        def value(text: str, numeric: bool = numeric):
            return float(text.replace(",", "") or 0) if numeric else text

        want = sorted((value(str(d["ask" if key == "left" else key])) for d in docs), reverse=numeric)
        page.click(f"button.sort[data-key='{key}']")
        got = [value(t) for t in _column(page, n)]
        assert got == want[:100], key  # numbers largest first, names A to Z
        assert page.locator(f"th[data-key='{key}']").get_attribute("aria-sort") == ("descending" if numeric else "ascending")
        page.click(f"button.sort[data-key='{key}']")
        got = [value(t) for t in _column(page, n)]
        assert got == want[::-1][:100], key  # a second click reverses


def test_needs_a_decision_means_undecided_and_not_low_confidence(page, corpus):
    docs = _data(corpus)
    page.goto((corpus / "index.html").as_uri())
    page.select_option("#filter", "needs")
    needs = [d for d in docs if d["ask"]]
    assert 0 < len(needs) < sum(1 for d in docs if d["flagged"])
    expect(page.locator("#count")).to_have_text(f"{len(needs):,} of 1,000 documents")
    page.fill("#search", "clean-000")
    expect(page.locator("#docs tr")).to_have_count(0)  # flagged, but only at low confidence in a clean document
    page.select_option("#filter", "all")
    expect(page.locator("#docs tr")).to_have_count(1)

    # the clean document's proposals stay in the page, hidden until asked for; J does not stop at them
    with page.expect_navigation():
        page.click("#docs a:text-is('clean-000')")
    assert {c["kind"] for c in _changes(page)} == {"low"}
    sug = page.locator(".cell.clean .chg .sug").first
    assert not sug.is_visible()
    page.keyboard.press("j")  # j steps through what is shown: nothing here
    expect(page.locator("#status")).to_be_hidden()
    after = next(d for d in docs[[d["id"] for d in docs].index("clean-000"):] if d["ask"])
    with page.expect_navigation():
        page.keyboard.press("J")  # on to the next document with something to decide
    assert page.evaluate("document.body.dataset.doc") == after["id"]
    page.go_back()
    page.check("#show-low")
    assert sug.is_visible()
    page.keyboard.press("j")
    assert "flagged, low confidence" in page.locator("#status").inner_text()
    assert "no decision needed" in page.locator("#status").inner_text()

    # deciding every change a document asks about takes it out of the filter
    one = next(d for d in docs if d["ask"] and d["id"].startswith("doc-") and d["ask"] <= 3)
    page.goto((corpus / "review" / one["page"]).as_uri())
    for _ in range(one["ask"]):
        page.keyboard.press("J")
        page.keyboard.press("a")
    assert f"0 of {one['ask']} to decide left here" in page.locator("#progress").inner_text()
    page.goto((corpus / "index.html").as_uri())
    page.select_option("#filter", "needs")
    expect(page.locator("#count")).to_have_text(f"{len(needs) - 1:,} of 1,000 documents")
    page.fill("#search", one["id"])
    expect(page.locator("#docs tr")).to_have_count(0)


def test_J_and_K_walk_the_changes_to_decide_across_documents(page, corpus):
    docs = _data(corpus)
    queue = [d for d in docs if d["ask"]]
    page.goto((corpus / "index.html").as_uri())
    page.click("#queue-toggle")
    items = page.locator("#queue-list li")
    expect(items).to_have_count(len(queue))
    assert items.first.locator("a").inner_text() == queue[0]["id"]
    assert f"{queue[0]['ask']} left" in items.first.inner_text()
    with page.expect_navigation():
        page.keyboard.press("J")  # the index's J opens the first change to decide
    assert page.evaluate("document.body.dataset.doc") == queue[0]["id"]

    # two documents next in the queue with documents that have nothing to decide between them
    pos = {d["id"]: n for n, d in enumerate(docs)}
    a, b = next((x, y) for x, y in zip(queue, queue[1:], strict=False) if pos[y["id"]] > pos[x["id"]] + 1
                and x["ask"] >= 2 and x["id"].startswith("doc-"))
    page.goto((corpus / "review" / a["page"]).as_uri())

    def focused() -> list:
        c = _changes(page)[_focused(page)]
        return [c["start"], c["end"], c["rule"]]

    seen = []
    for _ in range(a["ask"]):
        page.keyboard.press("J")
        assert "no decision yet" in page.locator("#status").inner_text()
        seen.append(focused())
    assert seen == a["asks"]  # J stops at each change that asks for a decision, and only at those
    page.keyboard.press("r")  # the last one is decided now
    with page.expect_navigation():
        page.keyboard.press("J")
    assert page.evaluate("document.body.dataset.doc") == b["id"] and focused() == b["asks"][0]
    with page.expect_navigation():
        page.keyboard.press("K")
    assert page.evaluate("document.body.dataset.doc") == a["id"]
    assert focused() == a["asks"][-2]  # the last one undecided: the decided one is passed over
    page.goto((corpus / "index.html").as_uri())
    page.click("#queue-toggle")
    row = page.locator("#queue-list li", has=page.locator(f"a:text-is('{a['id']}')"))
    assert f"{a['ask'] - 1} left" in row.inner_text()


def test_import_restores_every_decision_in_a_fresh_profile_and_shows_conflicts(browser, corpus, tmp_path):
    docs = {d["id"]: d for d in _data(corpus)}
    proto = docs["__proto__"]
    assert proto["ask"] >= 2
    first = browser.new_context(accept_downloads=True)
    pg = first.new_page()
    pg.goto((corpus / "review" / proto["page"]).as_uri())
    pg.keyboard.press("J")
    pg.keyboard.press("a")
    pg.keyboard.press("J")
    pg.keyboard.press("r")
    pg.goto((corpus / "review" / docs["doc-0001"]["page"]).as_uri())
    pg.keyboard.press("j")
    pg.keyboard.press("r")
    pg.goto((corpus / "index.html").as_uri())
    pg.click("button.rule-reject[data-rule='okay.decade']")
    pg.click("#confirm-yes")
    with pg.expect_download() as dl:
        pg.click("#export")
    exported = tmp_path / "decisions.json"
    dl.value.save_as(exported)
    first.close()
    mine = json.loads(exported.read_text())
    assert sorted(mine["documents"]) == ["__proto__", "doc-0001"] and mine["rules"] == {"okay.decade": "reject"}
    assert len(mine["documents"]["__proto__"]) == 2

    fresh = browser.new_context(accept_downloads=True)  # a second reviewer: nothing in storage
    pg = fresh.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.goto((corpus / "review" / proto["page"]).as_uri())
    pg.keyboard.press("J")
    pg.keyboard.press("r")  # disagrees with the file's "accept"
    at = _focused(pg)
    pg.set_input_files("#import-file", str(exported))
    box = pg.locator("#import-result")
    expect(box).to_contain_text("3 decisions added, 0 already the same, 1 conflict (yours kept)")
    assert "yours reject, file accept" in box.inner_text()
    assert "rej" in pg.locator(".cell.clean .chg").nth(at).get_attribute("class")
    pg.click("#take-theirs")
    assert "acc" in pg.locator(".cell.clean .chg").nth(at).get_attribute("class")
    pg.goto((corpus / "index.html").as_uri())
    with pg.expect_download() as dl:
        pg.click("#export")
    again = tmp_path / "again.json"
    dl.value.save_as(again)
    theirs = json.loads(again.read_text())
    assert theirs["documents"] == mine["documents"] and theirs["rules"] == mine["rules"]

    # the same file dropped on the page of a third profile
    fresh.close()
    third = browser.new_context()
    pg = third.new_page()
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.goto((corpus / "index.html").as_uri())
    drop = pg.evaluate_handle("""(text) => { const dt = new DataTransfer();
        dt.items.add(new File([text], 'decisions.json', {type: 'application/json'})); return dt; }""",
                              exported.read_text())
    pg.dispatch_event("body", "drop", {"dataTransfer": drop})
    expect(pg.locator("#import-result")).to_contain_text("4 decisions added")
    expect(pg.locator("#progress")).to_contain_text("3 change decisions, 1 rule decision saved")
    third.close()
    assert problems == []


def test_corpus_wide_reject_asks_for_confirmation(page, corpus):
    docs = _data(corpus)
    page.goto((corpus / "index.html").as_uri())
    rule = "terms.us"
    n_docs = sum(1 for d in docs if any(r == rule for r, _ in d["rules"]))
    n_changes = sum(n for d in docs for r, n in d["rules"] if r == rule)
    state = page.locator(f".rule-state[data-rule='{rule}']")
    page.click(f"button.rule-reject[data-rule='{rule}']")
    expect(page.locator("#confirm")).to_be_visible()
    assert f"{n_changes:,} changes in {n_docs:,} documents" in page.locator("#confirm-text").inner_text()
    assert state.inner_text() == ""  # nothing decided yet
    page.click("#confirm-no")
    expect(page.locator("#confirm")).to_be_hidden()
    assert state.inner_text() == ""
    page.click(f"button.rule-reject[data-rule='{rule}']")
    page.click("#confirm-yes")
    assert state.inner_text() == "rejected everywhere"
    page.click(f"button.rule-reject[data-rule='{rule}']")  # a second click undoes it, no question needed
    expect(page.locator("#confirm")).to_be_hidden()
    assert state.inner_text() == ""


KEY_MS = """(key) => { const t = performance.now();
    (document.activeElement || document.body).dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
    document.body.getBoundingClientRect();  // include the style and layout work the key caused
    return performance.now() - t; }"""


def test_one_megabyte_document_keys_under_100_ms(page, corpus):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto((corpus / "review" / shard("big.html") / "big.html").as_uri())
    assert len(_changes(page)) == 17_000
    times = {}
    for n, key in enumerate("jjjjJJJJaruKKkjAuRJ"):
        times[f"{n}:{key}"] = page.evaluate(KEY_MS, key)
    assert max(times.values()) < 100, times
    # the keys did what they say: J stops only at changes that need a decision
    page.keyboard.press("J")
    c = _changes(page)[_focused(page)]
    assert c["kind"] == "ask" and "no decision yet" in page.locator("#status").inner_text()


def test_hover_describes_a_change_without_covering_the_next_line(page, corpus):
    docs = _data(corpus)
    d = next(d for d in docs if d["ask"])
    page.goto((corpus / "review" / d["page"]).as_uri())
    chg = page.locator(".cell.clean .chg[tabindex]").first
    chg.hover()
    first = _changes(page)[0]
    status = page.locator("#status").inner_text()
    assert f"{first['stage']} \u00b7 {first['rule']} \u00b7 confidence {first['confidence']:.2f}" in status
    box = chg.bounding_box()
    below = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); return e && e.closest('main') ? 'text' : "
                          "(e ? e.id || e.tagName : null); }", [box["x"] + 2, box["y"] + box["height"] + 8])
    assert below == "text"  # the line below the change is still what the mouse sees: nothing floats over it
    assert page.evaluate("""() => { const c = document.querySelector('.cell.clean .chg[tabindex]');
        return getComputedStyle(c, '::after').content; }""") in ("none", "normal")  # while hovered: no tip drawn
