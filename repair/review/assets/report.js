/* repair review report: keyboard review, decisions kept in localStorage, export and import as JSON.
   Plain JavaScript, no framework, no network. Text from documents is only ever put into the
   page with textContent (never innerHTML). Every map keyed by a document id or a rule id is made
   with Object.create(null), so an id like "__proto__" or "constructor" is just a key. */
(function () {
  "use strict";
  var FORMAT = "repair-decisions/1";
  var body = document.body;
  var token = body.getAttribute("data-token") || "report";
  var KEY = "repair-review:" + token;
  var LOW_KEY = "repair-review-low:" + token;
  var memory = null; // used when localStorage is not available
  var cache = null;  // the parsed state: localStorage is read once, and again when another tab writes

  function dict(o) {
    var d = Object.create(null);
    if (o && typeof o === "object" && !Array.isArray(o)) Object.keys(o).forEach(function (k) { d[k] = o[k]; });
    return d;
  }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function emptyState() { return { rules: Object.create(null), documents: Object.create(null) }; }
  function isDecision(v) { return v === "accept" || v === "reject"; }
  function spanKey(start, end) { return start + "-" + end; }

  /* a state from storage or a file, keeping only well-formed entries */
  function normalise(raw) {
    var s = emptyState();
    if (!raw || typeof raw !== "object") return s;
    var rules = dict(raw.rules);
    Object.keys(rules).forEach(function (r) { if (isDecision(rules[r])) s.rules[r] = rules[r]; });
    var docs = dict(raw.documents);
    Object.keys(docs).forEach(function (id) {
      var entries = docs[id], m = Object.create(null);
      var list = Array.isArray(entries) ? entries : Object.keys(dict(entries)).map(function (k) { return entries[k]; });
      list.forEach(function (e) {
        if (!e || typeof e !== "object" || !isDecision(e.decision)) return;
        var st = Number(e.start), en = Number(e.end);
        if (!isFinite(st) || !isFinite(en)) return;
        m[spanKey(st, en)] = { start: st, end: en, rule: e.rule, before: e.before, after: e.after, decision: e.decision };
      });
      if (Object.keys(m).length) s.documents[id] = m;
    });
    return s;
  }
  function load() {
    if (memory) return memory;
    if (cache) return cache;
    var s = null;
    try {
      var raw = window.localStorage.getItem(KEY);
      if (raw) s = normalise(JSON.parse(raw));
    } catch (e) { /* fall through */ }
    cache = s || emptyState();
    return cache;
  }
  /* the page works from the cached state at once; storage is written just after the key's work is
     on screen (coalesced), and before the page is left */
  var dirty = false;
  function flush() {
    if (!dirty) return;
    dirty = false;
    try { window.localStorage.setItem(KEY, JSON.stringify(cache)); memory = null; }
    catch (e) { memory = cache; }
  }
  function save(s) {
    cache = s;
    if (memory) memory = s;
    if (!dirty) { dirty = true; setTimeout(flush, 0); }
  }
  function go(href) { flush(); location.href = href; }
  /* a page's address: review/<shard>/<name>.html; docs[].page is "<shard>/<name>.html", relative to review/,
     and <name> may hold folders (feed.jsonl/3, 2021/a.txt): a document page is as many folders below
     review/ as its own path has, so the way back up is counted from its data-page */
  function pageHref(p) { return String(p).split("/").map(encodeURIComponent).join("/"); }
  var DEPTH = Math.max(1, String(body.getAttribute("data-page") || "").split("/").length - 1);
  var FROM_PAGE = new Array(DEPTH + 1).join("../"), FROM_INDEX = "review/", INDEX_FROM_PAGE = FROM_PAGE + "../index.html";
  window.addEventListener("pagehide", flush);
  window.addEventListener("storage", function (ev) { if (ev.key === KEY && !dirty) cache = null; });

  function exportDecisions() {
    var s = load();
    var out = { format: FORMAT, undecided: "tool", report: token, exported: new Date().toISOString(),
                rules: s.rules, documents: Object.create(null) };
    Object.keys(s.documents).sort().forEach(function (id) {
      var entries = s.documents[id];
      var list = Object.keys(entries).map(function (k) { return entries[k]; });
      list.sort(function (a, b) { return a.start - b.start || a.end - b.end; });
      if (list.length) out.documents[id] = list;
    });
    var blob = new Blob([JSON.stringify(out, null, 1) + "\n"], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "decisions.json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function countDecisions(s) {
    var n = 0;
    Object.keys(s.documents).forEach(function (id) { n += Object.keys(s.documents[id]).length; });
    return n;
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  /* keys are the reviewer's commands unless they are typing (a checkbox or button keeps them working) */
  function typing(t) {
    var tag = (t && t.tagName) || "";
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && ["checkbox", "radio", "button", "file"].indexOf(t.type) < 0;
  }
  function plural(n, word) { return Number(n).toLocaleString() + " " + word + (n === 1 ? "" : "s"); }

  var report = window.REPAIR_REPORT || null;
  var SPUN = report && typeof report.spun === "number" ? report.spun : 0.5;  // the tool's "spun" threshold (repair.model.SPUN)

  function docRows() {
    if (!report) return [];
    var f = report.fields;
    return report.docs.map(function (d, n) {
      var o = { n: n };
      for (var i = 0; i < f.length; i++) o[f[i]] = d[i];
      if (!Array.isArray(o.rules)) o.rules = [];
      if (!Array.isArray(o.asks)) o.asks = [];
      o.ruleText = o.rules.map(function (r) { return r[0]; }).join(" ");
      return o;
    });
  }

  /* how many of a document's changes that need a decision (data.js "asks") are still undecided */
  function leftIn(d, s) {
    var m = s.documents[d.id], n = 0;
    for (var i = 0; i < d.asks.length; i++) {
      var a = d.asks[i];
      if (!(m && m[spanKey(a[0], a[1])]) && !has(s.rules, a[2])) n++;
    }
    return n;
  }

  /* ------------------------------------------------------------ import (both pages) */
  function setupImport(after) {
    var button = document.getElementById("import"), input = document.getElementById("import-file");
    var box = document.getElementById("import-result");
    if (!button || !input || !box) return;
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      if (input.files && input.files[0]) readFile(input.files[0]);
      input.value = "";
    });
    document.addEventListener("dragover", function (ev) {
      if (ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types || [], "Files") >= 0) {
        ev.preventDefault();
        body.classList.add("dropping");
      }
    });
    document.addEventListener("dragleave", function () { body.classList.remove("dropping"); });
    document.addEventListener("drop", function (ev) {
      body.classList.remove("dropping");
      if (!ev.dataTransfer || !ev.dataTransfer.files || !ev.dataTransfer.files.length) return;
      ev.preventDefault();
      readFile(ev.dataTransfer.files[0]);
    });

    function readFile(file) {
      var r = new FileReader();
      r.onload = function () {
        var parsed;
        try { parsed = JSON.parse(String(r.result)); }
        catch (e) { return show(file.name + ": not JSON (" + e.message + "); nothing imported.", [], null); }
        if (!parsed || typeof parsed !== "object" || (parsed.format !== undefined && parsed.format !== FORMAT)
            || (parsed.documents === undefined && parsed.rules === undefined)) {
          return show(file.name + ": not a decisions file (" + FORMAT + "); nothing imported.", [], null);
        }
        merge(file.name, normalise(parsed));
      };
      r.readAsText(file);
    }
    function merge(name, theirs) {
      var s = load(), added = 0, same = 0, conflicts = [];
      Object.keys(theirs.rules).forEach(function (r) {
        var v = theirs.rules[r];
        if (!has(s.rules, r)) { s.rules[r] = v; added++; }
        else if (s.rules[r] === v) same++;
        else conflicts.push({ what: "rule " + r, mine: s.rules[r], theirs: v, rule: r });
      });
      Object.keys(theirs.documents).forEach(function (id) {
        var t = theirs.documents[id];
        var m = s.documents[id] || (s.documents[id] = Object.create(null));
        Object.keys(t).forEach(function (k) {
          var e = t[k];
          if (!m[k]) { m[k] = e; added++; }
          else if (m[k].decision === e.decision) same++;
          else conflicts.push({ what: id + " " + JSON.stringify(e.before === undefined ? k : e.before) + " at " + k,
                                mine: m[k].decision, theirs: e.decision, doc: id, key: k, entry: e });
        });
        if (!Object.keys(m).length) delete s.documents[id];
      });
      save(s);
      var msg = name + ": " + plural(added, "decision") + " added, " + same + " already the same";
      msg += conflicts.length ? ", " + plural(conflicts.length, "conflict") + " (yours kept):" : ".";
      show(msg, conflicts, function () {
        var s2 = load();
        conflicts.forEach(function (c) {
          if (c.rule !== undefined) s2.rules[c.rule] = c.theirs;
          else (s2.documents[c.doc] || (s2.documents[c.doc] = Object.create(null)))[c.key] = c.entry;
        });
        save(s2);
        show(name + ": the file's decision taken for " + plural(conflicts.length, "conflict") + ".", [], null);
        after();
      });
      after();
    }
    function show(msg, conflicts, takeTheirs) {
      box.textContent = "";
      box.hidden = false;
      box.appendChild(el("span", msg));
      if (conflicts.length) {
        var ul = el("ul", null, "conflicts");
        conflicts.slice(0, 200).forEach(function (c) {
          ul.appendChild(el("li", c.what + ": yours " + c.mine + ", file " + c.theirs));
        });
        if (conflicts.length > 200) ul.appendChild(el("li", "\u2026 and " + (conflicts.length - 200) + " more"));
        box.appendChild(ul);
        var b = el("button", "Use the file's decision for these " + plural(conflicts.length, "conflict"));
        b.id = "take-theirs";
        b.addEventListener("click", takeTheirs);
        box.appendChild(b);
      }
      var close = el("button", "close");
      close.addEventListener("click", function () { box.hidden = true; });
      box.appendChild(close);
    }
  }

  /* ------------------------------------------------------------ document page */
  function documentPage() {
    var docId = body.getAttribute("data-doc");
    var page = body.getAttribute("data-page");
    var data = JSON.parse(document.getElementById("changes").textContent);
    var changes = data.map(function (d, i) {
      return { i: i, start: d[0], end: d[1], stage: d[2], rule: d[3], confidence: d[4], applied: d[5],
               before: d[6], after: d[7], kind: d[8] || (d[5] ? "tool" : "ask") };
    });
    var nodes = changes.map(function () { return []; });
    var targets = changes.map(function () { return null; });
    Array.prototype.forEach.call(document.querySelectorAll(".chg[data-i]"), function (n) {
      var i = parseInt(n.getAttribute("data-i"), 10);
      if (!nodes[i]) return;
      nodes[i].push(n);
      if (n.hasAttribute("tabindex") || !targets[i]) targets[i] = n;
    });
    var asks = changes.filter(function (c) { return c.kind === "ask"; }).length;
    var current = -1;
    var status = document.getElementById("status");
    var progress = document.getElementById("progress");
    var lowBox = document.getElementById("show-low");
    var showLow = false;
    try { showLow = window.localStorage.getItem(LOW_KEY) === "1"; } catch (e) { /* default: hidden */ }
    if (lowBox) lowBox.checked = showLow;
    body.classList.toggle("show-low", showLow);

    function decisionOf(s, c) {
      var m = s.documents[docId];
      var d = m && m[spanKey(c.start, c.end)];
      return d ? d.decision : null;
    }
    function shownDecision(s, c) { return decisionOf(s, c) || (has(s.rules, c.rule) ? s.rules[c.rule] : null); }
    function undecidedAsk(s, c) { return c.kind === "ask" && !shownDecision(s, c); }
    function visibleChange(c) { return c.kind !== "low" || showLow; }
    // each node's classes without the decision ones, so painting is one className write per node
    var base = nodes.map(function (ns) {
      return ns.map(function (n) { return n.className.replace(/(^| )(on|off|acc|rej|focus)(?= |$)/g, "").trim(); });
    });
    var painted = changes.map(function (c) { return c.applied ? " on" : " off"; });  // as the page was written
    function paintOne(s, c) {
      var shown = shownDecision(s, c);
      var on = shown ? shown === "accept" : c.applied;
      var extra = (on ? " on" : " off") + (shown === "accept" ? " acc" : shown === "reject" ? " rej" : "")
        + (c.i === current ? " focus" : "");
      if (painted[c.i] === extra) return;
      painted[c.i] = extra;
      var ns = nodes[c.i], b = base[c.i];
      for (var k = 0; k < ns.length; k++) ns[k].className = b[k] + extra;
    }
    function counts(s) {
      var decided = 0, left = 0;
      for (var i = 0; i < changes.length; i++) {
        if (shownDecision(s, changes[i])) decided++;
        else if (changes[i].kind === "ask") left++;
      }
      return { decided: decided, left: left };
    }
    function paint(list) {
      var s = load();
      (list || changes).forEach(function (c) { paintOne(s, c); });
      if (progress) {
        var n = counts(s);
        var corpus = 0;
        for (var k = 0; k < docs.length; k++) corpus += k === at ? n.left : leftIn(docs[k], s);
        progress.textContent = (changes.length
          ? n.decided + " of " + plural(changes.length, "change") + " decided \u00b7 " + n.left + " of " + asks
            + " to decide left here"
          : "") + (docs.length ? " \u00b7 " + corpus.toLocaleString() + " in the corpus" : "");
      }
      describe();
    }
    function describe(i) {
      if (!status) return;
      if (i === undefined) i = current;
      status.textContent = "";
      if (i < 0 || i >= changes.length) return;
      var c = changes[i];
      var s = load();
      var own = decisionOf(s, c);
      var d = own || (has(s.rules, c.rule) ? s.rules[c.rule] + " (rule)" : null);
      status.appendChild(el("b", "change " + (i + 1) + " of " + changes.length + "  "));
      status.appendChild(el("span", c.stage + " \u00b7 " + c.rule + " \u00b7 confidence " + Number(c.confidence).toFixed(2)
        + " \u00b7 tool: " + (c.applied ? "applied" : c.kind === "low" ? "flagged, low confidence" : "flagged")
        + " \u00b7 "));
      status.appendChild(el("span", d ? "decision: " + d : c.kind === "ask" ? "no decision yet" : "no decision needed",
                            d ? (d.indexOf("accept") === 0 ? "d-acc" : "d-rej") : ""));
      status.appendChild(el("span", "   " + JSON.stringify(c.before) + " \u2192 " + JSON.stringify(c.after)));
    }
    function focus(i) {
      if (i < 0 || i >= changes.length) return;
      var s = load(), was = current;
      current = i;
      if (was >= 0) paintOne(s, changes[was]);
      paintOne(s, changes[current]);
      var t = targets[current];
      var p = t.parentElement;
      while (p) { if (p.tagName === "DETAILS") p.open = true; p = p.parentElement; }
      t.focus({ preventScroll: true });
      t.scrollIntoView({ block: "center" });
      describe();
    }
    /* the next change from `from` in direction `dir` (+1/-1) that `ok` accepts; -1 if none */
    function find(from, dir, ok) {
      for (var i = from + dir; i >= 0 && i < changes.length; i += dir) if (ok(changes[i])) return i;
      return -1;
    }
    function step(dir) {  // j / k: every visible change, wrapping round
      if (!changes.length) return;
      var start = current < 0 ? (dir > 0 ? -1 : changes.length) : current;
      var i = find(start, dir, visibleChange);
      if (i < 0) i = find(dir > 0 ? -1 : changes.length, dir, visibleChange);
      if (i >= 0) focus(i);
    }
    function nextToDecide(dir) {  // J / K: the next undecided change that needs a decision, across documents
      var s = load();
      var start = current < 0 ? (dir > 0 ? -1 : changes.length) : current;
      var i = find(start, dir, function (c) { return undecidedAsk(s, c); });
      if (i >= 0) { focus(i); return; }
      for (var k = at + dir; at >= 0 && k >= 0 && k < docs.length; k += dir) {
        if (leftIn(docs[k], s)) {
          go(FROM_PAGE + pageHref(docs[k].page) + (dir > 0 ? "#first-to-decide" : "#last-to-decide"));
          return;
        }
      }
      if (status) {
        status.textContent = "";
        status.appendChild(el("b", dir > 0 ? "Nothing left to decide after this point in the corpus."
                                           : "Nothing left to decide before this point in the corpus."));
      }
    }
    function decide(list, value) {
      var s = load();
      var m = s.documents[docId] || (s.documents[docId] = Object.create(null));
      list.forEach(function (c) {
        var k = spanKey(c.start, c.end);
        if (value === null) delete m[k];
        else m[k] = { start: c.start, end: c.end, rule: c.rule, before: c.before, after: c.after, decision: value };
      });
      if (!Object.keys(m).length) delete s.documents[docId];
      save(s);
      paint(list);
    }
    function sameRule(c) { return changes.filter(function (x) { return x.rule === c.rule; }); }
    function changeOf(n) {
      var x = n && n.closest ? n.closest(".chg[data-i]") : null;
      return x ? parseInt(x.getAttribute("data-i"), 10) : -1;
    }

    var main = document.querySelector("main") || body;
    main.addEventListener("focusin", function (ev) {
      var i = changeOf(ev.target);
      if (i >= 0 && i !== current) {
        var s = load(), was = current;
        current = i;
        if (was >= 0) paintOne(s, changes[was]);
        paintOne(s, changes[current]);
        describe();
      }
    });
    // hovering shows the change in the status bar (a floating tip would cover the next line)
    main.addEventListener("mouseover", function (ev) {
      var i = changeOf(ev.target);
      if (i >= 0) describe(i);
    });
    main.addEventListener("mouseleave", function () { describe(); });
    Array.prototype.forEach.call(document.querySelectorAll("button.rule-accept, button.rule-reject"), function (b) {
      b.addEventListener("click", function () {
        var rule = b.getAttribute("data-rule");
        decide(changes.filter(function (c) { return c.rule === rule; }),
               b.classList.contains("rule-accept") ? "accept" : "reject");
      });
    });
    if (lowBox) lowBox.addEventListener("change", function () {
      showLow = lowBox.checked;
      body.classList.toggle("show-low", showLow);
      try { window.localStorage.setItem(LOW_KEY, showLow ? "1" : "0"); } catch (e) { /* this page only */ }
    });

    // previous / next document in the index order
    var docs = docRows();
    var at = -1;
    for (var k = 0; k < docs.length; k++) if (docs[k].page === page) { at = k; break; }
    var prev = document.getElementById("prev-doc"), next = document.getElementById("next-doc");
    if (at > 0) { prev.href = FROM_PAGE + pageHref(docs[at - 1].page); prev.hidden = false; }
    if (at >= 0 && at < docs.length - 1) { next.href = FROM_PAGE + pageHref(docs[at + 1].page); next.hidden = false; }

    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
      var c = current >= 0 ? changes[current] : null;
      switch (ev.key) {
        case "j": case "n": step(1); break;
        case "k": case "p": step(-1); break;
        case "J": nextToDecide(1); break;
        case "K": nextToDecide(-1); break;
        case "a": if (c) decide([c], "accept"); break;
        case "r": if (c) decide([c], "reject"); break;
        case "u": if (c) decide([c], null); break;
        case "A": if (c) decide(sameRule(c), "accept"); break;
        case "R": if (c) decide(sameRule(c), "reject"); break;
        case "e": exportDecisions(); break;
        case "[": if (!prev.hidden) go(prev.href); break;
        case "]": if (!next.hidden) go(next.href); break;
        case "i": go(INDEX_FROM_PAGE); break;
        default: return;
      }
      ev.preventDefault();
    });
    window.addEventListener("storage", function () { paint(); });
    document.getElementById("export").addEventListener("click", exportDecisions);
    setupImport(function () { paint(); });
    paint();
    if (location.hash === "#first-to-decide" || location.hash === "#last-to-decide") {
      var s0 = load(), up = location.hash === "#last-to-decide";
      var i0 = find(up ? changes.length : -1, up ? -1 : 1, function (c) { return undecidedAsk(s0, c); });
      if (i0 >= 0) focus(i0);
    }
  }

  /* ------------------------------------------------------------ index page */
  function indexPage() {
    var docs = docRows();
    var size = (report && report.pageSize) || 100;
    var pageNo = 0;
    var search = document.getElementById("search"), filter = document.getElementById("filter");
    var tbody = document.getElementById("docs"), count = document.getElementById("count");
    var pageLabel = document.getElementById("page");
    var progress = document.getElementById("progress");
    var start = document.getElementById("start");
    var queueBox = document.getElementById("queue"), queueList = document.getElementById("queue-list");
    var NUMERIC = { spin: 1, applied: 1, flagged: 1, left: 1, chars: 1 };
    var sortKey = null, sortDir = -1;  // null: the report's order (most spun first)
    var shown = docs;
    var opened = Object.create(null);  // documents whose full rule list is open

    function matches(d, q, f, s) {
      if (f === "changed" && !(d.applied + d.flagged)) return false;
      if (f === "spun" && d.spin < SPUN) return false;
      if (f === "needs" && !d.left) return false;
      if (f === "decided" && !s.documents[d.id]) return false;
      if (!q) return true;
      return (d.id + " " + d.family + " " + d.ruleText).toLowerCase().indexOf(q) >= 0;
    }
    function compare(a, b) {
      var x = a[sortKey], y = b[sortKey];
      var r = NUMERIC[sortKey] ? x - y : (x < y ? -1 : x > y ? 1 : 0);
      return r * sortDir || a.n - b.n;
    }
    function refresh() {
      var s = load();
      docs.forEach(function (d) { d.left = leftIn(d, s); });
      var q = search.value.trim().toLowerCase();
      var f = filter.value;
      shown = docs.filter(function (d) { return matches(d, q, f, s); });
      if (sortKey) shown.sort(compare);
      var pages = Math.max(1, Math.ceil(shown.length / size));
      if (pageNo >= pages) pageNo = pages - 1;
      render(s, pages);
    }
    function rulesCell(d) {
      var td = el("td", null, "rules");
      var all = opened[d.id], list = all ? d.rules : d.rules.slice(0, 3);
      td.title = d.rules.map(function (r) { return r[0] + " \u00d7" + r[1]; }).join("\n");
      var box = el("div", null, "rl");
      td.appendChild(box);
      box.appendChild(el("span", list.map(function (r) { return r[0] + " \u00d7" + r[1]; }).join(all ? "\n" : "  ")));
      if (d.rules.length > 3) {
        var b = el("button", all ? "fewer" : "+" + (d.rules.length - 3) + " more", "more");
        b.addEventListener("click", function () {
          if (opened[d.id]) delete opened[d.id]; else opened[d.id] = true;
          var s = load();
          render(s, Math.max(1, Math.ceil(shown.length / size)));
        });
        box.appendChild(b);
      }
      return td;
    }
    function render(s, pages) {
      tbody.textContent = "";
      var frag = document.createDocumentFragment();
      shown.slice(pageNo * size, pageNo * size + size).forEach(function (d) {
        var tr = document.createElement("tr");
        tr.className = (d.spin >= SPUN ? "spun" : "") + (opened[d.id] ? " open" : "");
        var td = el("td", null, "id");
        var a = el("a", d.id);
        a.href = FROM_INDEX + pageHref(d.page);
        a.title = d.id;
        td.appendChild(a);
        var n = s.documents[d.id] ? Object.keys(s.documents[d.id]).length : 0;
        if (n) td.appendChild(el("small", "  " + n + " decided"));
        tr.appendChild(td);
        tr.appendChild(el("td", Number(d.spin).toFixed(2), "num spin"));
        tr.appendChild(el("td", d.family));
        tr.appendChild(el("td", Number(d.applied).toLocaleString(), "num"));
        var fl = el("td", Number(d.flagged).toLocaleString(), "num");
        if (d.low) fl.title = d.low + " of them low-confidence (no decision needed)";
        tr.appendChild(fl);
        tr.appendChild(el("td", d.left ? d.left.toLocaleString() : "", "num left"));
        tr.appendChild(el("td", Number(d.chars).toLocaleString(), "num"));
        tr.appendChild(rulesCell(d));
        frag.appendChild(tr);
      });
      tbody.appendChild(frag);
      count.textContent = shown.length.toLocaleString() + " of " + docs.length.toLocaleString() + " documents";
      pageLabel.textContent = "page " + (pageNo + 1) + " of " + pages;
      document.getElementById("prev-page").disabled = pageNo === 0;
      document.getElementById("next-page").disabled = pageNo >= pages - 1;
      var nd = countDecisions(s), nr = Object.keys(s.rules).length;
      var leftDocs = docs.filter(function (d) { return d.left; });
      var leftN = leftDocs.reduce(function (t, d) { return t + d.left; }, 0);
      progress.textContent = nd + " change decision" + (nd === 1 ? "" : "s") + ", " + nr + " rule decision"
        + (nr === 1 ? "" : "s") + " saved in this browser \u00b7 " + plural(leftN, "change") + " left to decide in "
        + plural(leftDocs.length, "document");
      if (leftDocs.length) { start.href = FROM_INDEX + pageHref(leftDocs[0].page) + "#first-to-decide"; start.hidden = false; }
      else start.hidden = true;
      Array.prototype.forEach.call(document.querySelectorAll(".rule-state"), function (x) {
        var r = x.getAttribute("data-rule");
        var v = has(s.rules, r) ? s.rules[r] : "";
        x.textContent = v ? v + "ed everywhere" : "";
        x.className = "rule-state" + (v === "accept" ? " acc" : v === "reject" ? " rej" : "");
      });
      Array.prototype.forEach.call(document.querySelectorAll("th[data-key]"), function (th) {
        var k = th.getAttribute("data-key");
        th.setAttribute("aria-sort", k === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
      });
      if (!queueBox.hidden) drawQueue(leftDocs, leftN);
    }
    function drawQueue(leftDocs, leftN) {
      document.getElementById("queue-count").textContent =
        "(" + plural(leftN, "change") + " in " + plural(leftDocs.length, "document") + ", index order)";
      queueList.textContent = "";
      var s = load(), frag = document.createDocumentFragment();
      leftDocs.forEach(function (d) {
        var li = el("li");
        var a = el("a", d.id);
        a.href = FROM_INDEX + pageHref(d.page) + "#first-to-decide";
        li.appendChild(a);
        var m = s.documents[d.id], byRule = Object.create(null), order = [];
        d.asks.forEach(function (x) {
          if ((m && m[spanKey(x[0], x[1])]) || has(s.rules, x[2])) return;
          if (!byRule[x[2]]) { byRule[x[2]] = 0; order.push(x[2]); }
          byRule[x[2]]++;
        });
        li.appendChild(el("span", " " + d.left + " left: " + order.map(function (r) { return r + " \u00d7" + byRule[r]; })
          .join(", "), "q-rules"));
        frag.appendChild(li);
      });
      queueList.appendChild(frag);
      if (!leftDocs.length) queueList.appendChild(el("li", "Nothing left to decide.", "none"));
    }

    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { pageNo = 0; refresh(); }, 120);
    });
    filter.addEventListener("change", function () { pageNo = 0; refresh(); });
    document.getElementById("prev-page").addEventListener("click", function () { pageNo--; refresh(); });
    document.getElementById("next-page").addEventListener("click", function () { pageNo++; refresh(); });
    Array.prototype.forEach.call(document.querySelectorAll("button.sort"), function (b) {
      b.addEventListener("click", function () {
        var k = b.getAttribute("data-key");
        if (k === sortKey) sortDir = -sortDir;
        else { sortKey = k; sortDir = NUMERIC[k] ? -1 : 1; }  // numbers largest first, names A to Z
        pageNo = 0;
        refresh();
      });
    });
    document.getElementById("queue-toggle").addEventListener("click", function () {
      queueBox.hidden = !queueBox.hidden;
      refresh();
    });
    document.getElementById("export").addEventListener("click", exportDecisions);

    // a corpus-wide decision for a rule asks first, in the page (no window.confirm)
    var confirmBox = document.getElementById("confirm"), pending = null;
    function ask(text, action) {
      document.getElementById("confirm-text").textContent = text;
      pending = action;
      confirmBox.hidden = false;
      document.getElementById("confirm-no").focus();
    }
    document.getElementById("confirm-yes").addEventListener("click", function () {
      confirmBox.hidden = true;
      var f = pending;
      pending = null;
      if (f) f();
    });
    document.getElementById("confirm-no").addEventListener("click", function () { confirmBox.hidden = true; pending = null; });
    document.getElementById("clear").addEventListener("click", function () {
      ask("Forget every decision saved in this browser for this report?", function () { save(emptyState()); refresh(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.rule-accept, button.rule-reject"), function (b) {
      b.addEventListener("click", function () {
        var s = load(), r = b.getAttribute("data-rule");
        var v = b.classList.contains("rule-accept") ? "accept" : "reject";
        if (s.rules[r] === v) { delete s.rules[r]; save(s); refresh(); return; } // a second click undoes it
        var nDocs = 0, nChanges = 0;
        docs.forEach(function (d) {
          for (var i = 0; i < d.rules.length; i++) if (d.rules[i][0] === r) { nDocs++; nChanges += d.rules[i][1]; }
        });
        ask((v === "reject" ? "Reject" : "Accept") + " every change of rule " + r + " in the whole corpus: "
            + plural(nChanges, "change") + " in " + plural(nDocs, "document") + "? Decisions on single changes still win.",
            function () { var s2 = load(); s2.rules[r] = v; save(s2); refresh(); });
      });
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
      if (ev.key === "/") search.focus();
      else if (ev.key === "e") exportDecisions();
      else if (ev.key === "J" && !start.hidden) go(start.href);
      else if (ev.key === "q") document.getElementById("queue-toggle").click();
      else return;
      ev.preventDefault();
    });
    window.addEventListener("storage", function () { refresh(); });
    setupImport(refresh);
    refresh();
  }

  if (body.classList.contains("doc")) documentPage();
  else if (body.classList.contains("index")) indexPage();
})();
