/* repair review report: keyboard review, decisions kept in localStorage, export as JSON.
   Plain JavaScript, no framework, no network. Text from documents is only ever put into the
   page with textContent (never innerHTML). */
(function () {
  "use strict";
  var FORMAT = "repair-decisions/1";
  var body = document.body;
  var token = body.getAttribute("data-token") || "report";
  var KEY = "repair-review:" + token;
  var memory = null; // used when localStorage is not available

  /* Maps keyed by document or rule id are objects without a prototype, so an id such as
     "__proto__" is an ordinary key (a plain {} would hand back Object.prototype). */
  function idMap(from) {
    var m = Object.create(null);
    if (from && typeof from === "object") Object.keys(from).forEach(function (k) { m[k] = from[k]; });
    return m;
  }
  function emptyState() { return { rules: idMap(), documents: idMap() }; }
  function load() {
    if (memory) return memory;
    try {
      var raw = window.localStorage.getItem(KEY);
      if (raw) {
        var s = JSON.parse(raw);
        if (s && typeof s === "object" && s.rules && s.documents) {
          var docs = idMap(s.documents);
          Object.keys(docs).forEach(function (id) { docs[id] = idMap(docs[id]); });
          return { rules: idMap(s.rules), documents: docs };
        }
      }
    } catch (e) { /* fall through */ }
    return emptyState();
  }
  function save(s) {
    try { window.localStorage.setItem(KEY, JSON.stringify(s)); memory = null; }
    catch (e) { memory = s; }
  }
  function spanKey(start, end) { return start + "-" + end; }

  function exportDecisions() {
    var s = load();
    var out = { format: FORMAT, undecided: "tool", report: token, exported: new Date().toISOString(),
                rules: s.rules, documents: idMap() };
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

  var report = window.REPAIR_REPORT || null;
  var SPUN = report && typeof report.spun === "number" ? report.spun : 0.5;  // the tool's "spun" threshold (repair.model.SPUN)

  function docRows() {
    if (!report) return [];
    var f = report.fields;
    return report.docs.map(function (d) {
      var o = {};
      for (var i = 0; i < f.length; i++) o[f[i]] = d[i];
      return o;
    });
  }

  /* ------------------------------------------------------------ document page */
  function documentPage() {
    var docId = body.getAttribute("data-doc");
    var page = body.getAttribute("data-page");
    var data = JSON.parse(document.getElementById("changes").textContent);
    var changes = data.map(function (d, i) {
      return { i: i, start: d[0], end: d[1], stage: d[2], rule: d[3], confidence: d[4], applied: d[5],
               before: d[6], after: d[7] };
    });
    var nodes = changes.map(function () { return []; });
    Array.prototype.forEach.call(document.querySelectorAll(".chg[data-i]"), function (n) {
      var i = parseInt(n.getAttribute("data-i"), 10);
      if (nodes[i]) nodes[i].push(n);
    });
    var targets = changes.map(function (c) {
      var t = nodes[c.i].filter(function (n) { return n.hasAttribute("tabindex"); });
      return t[0] || nodes[c.i][0];
    });
    var current = -1;
    var status = document.getElementById("status");
    var progress = document.getElementById("progress");

    function decisionOf(s, c) {
      var d = (s.documents[docId] || idMap())[spanKey(c.start, c.end)];
      return d ? d.decision : null;
    }
    function effective(s, c) {
      var d = decisionOf(s, c);
      if (d) return d === "accept";
      if (Object.prototype.hasOwnProperty.call(s.rules, c.rule)) return s.rules[c.rule] === "accept";
      return c.applied;
    }
    function paint() {
      var s = load();
      var decided = 0;
      changes.forEach(function (c) {
        var d = decisionOf(s, c);
        var ruleD = Object.prototype.hasOwnProperty.call(s.rules, c.rule) ? s.rules[c.rule] : null;
        var shown = d || ruleD;
        if (shown) decided++;
        var on = effective(s, c);
        nodes[c.i].forEach(function (n) {
          n.classList.toggle("on", on);
          n.classList.toggle("off", !on);
          n.classList.toggle("acc", shown === "accept");
          n.classList.toggle("rej", shown === "reject");
        });
      });
      if (progress) progress.textContent = changes.length
        ? decided + " of " + changes.length + " change" + (changes.length === 1 ? "" : "s") + " decided"
        : "";
      describe();
    }
    function describe() {
      if (!status) return;
      status.textContent = "";
      if (current < 0 || current >= changes.length) return;
      var c = changes[current];
      var s = load();
      var d = decisionOf(s, c) || (Object.prototype.hasOwnProperty.call(s.rules, c.rule) ? s.rules[c.rule] + " (rule)" : null);
      status.appendChild(el("b", "change " + (current + 1) + " of " + changes.length + "  "));
      status.appendChild(el("span", c.stage + " \u00b7 " + c.rule + " \u00b7 confidence " + Number(c.confidence).toFixed(2)
        + " \u00b7 tool: " + (c.applied ? "applied" : "flagged") + " \u00b7 "));
      status.appendChild(el("span", d ? "decision: " + d : "no decision yet", d ? (d.indexOf("accept") === 0 ? "d-acc" : "d-rej") : ""));
      status.appendChild(el("span", "   " + JSON.stringify(c.before) + " \u2192 " + JSON.stringify(c.after)));
    }
    function focus(i) {
      if (!changes.length) return;
      if (current >= 0 && nodes[current]) nodes[current].forEach(function (n) { n.classList.remove("focus"); });
      current = (i + changes.length) % changes.length;
      var t = targets[current];
      var p = t.parentElement;
      while (p) { if (p.tagName === "DETAILS") p.open = true; p = p.parentElement; }
      nodes[current].forEach(function (n) { n.classList.add("focus"); });
      t.focus({ preventScroll: true });
      t.scrollIntoView({ block: "center" });
      describe();
    }
    function decide(list, value) {
      var s = load();
      var m = s.documents[docId] || (s.documents[docId] = idMap());
      list.forEach(function (c) {
        var k = spanKey(c.start, c.end);
        if (value === null) delete m[k];
        else m[k] = { start: c.start, end: c.end, rule: c.rule, before: c.before, after: c.after, decision: value };
      });
      if (!Object.keys(m).length) delete s.documents[docId];
      save(s);
      paint();
    }
    function sameRule(c) { return changes.filter(function (x) { return x.rule === c.rule; }); }

    Array.prototype.forEach.call(document.querySelectorAll(".chg[tabindex]"), function (n) {
      n.addEventListener("focus", function () {
        var i = parseInt(n.getAttribute("data-i"), 10);
        if (i !== current) {
          if (current >= 0) nodes[current].forEach(function (x) { x.classList.remove("focus"); });
          current = i;
          nodes[current].forEach(function (x) { x.classList.add("focus"); });
          describe();
        }
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.rule-accept, button.rule-reject"), function (b) {
      b.addEventListener("click", function () {
        var rule = b.getAttribute("data-rule");
        decide(changes.filter(function (c) { return c.rule === rule; }),
               b.classList.contains("rule-accept") ? "accept" : "reject");
      });
    });

    // previous / next document in the index order
    var docs = docRows();
    var at = -1;
    for (var k = 0; k < docs.length; k++) if (docs[k].page === page) { at = k; break; }
    var prev = document.getElementById("prev-doc"), next = document.getElementById("next-doc");
    if (at > 0) { prev.href = encodeURIComponent(docs[at - 1].page); prev.hidden = false; }
    if (at >= 0 && at < docs.length - 1) { next.href = encodeURIComponent(docs[at + 1].page); next.hidden = false; }

    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var tag = (ev.target && ev.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
      var c = current >= 0 ? changes[current] : null;
      switch (ev.key) {
        case "j": case "n": focus(current + 1); break;
        case "k": case "p": focus(current < 0 ? changes.length - 1 : current - 1); break;
        case "a": if (c) decide([c], "accept"); break;
        case "r": if (c) decide([c], "reject"); break;
        case "u": if (c) decide([c], null); break;
        case "A": if (c) decide(sameRule(c), "accept"); break;
        case "R": if (c) decide(sameRule(c), "reject"); break;
        case "e": exportDecisions(); break;
        case "[": if (!prev.hidden) location.href = prev.href; break;
        case "]": if (!next.hidden) location.href = next.href; break;
        case "i": location.href = "../index.html"; break;
        default: return;
      }
      ev.preventDefault();
    });
    window.addEventListener("storage", paint);
    document.getElementById("export").addEventListener("click", exportDecisions);
    paint();
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
    var shown = docs;

    function matches(d, q, f, s) {
      if (f === "changed" && !(d.applied + d.flagged)) return false;
      if (f === "spun" && d.spin < SPUN) return false;
      if (f === "flagged" && !d.flagged) return false;
      if (f === "decided" && !s.documents[d.id]) return false;
      if (!q) return true;
      return (d.id + " " + d.family + " " + d.rules).toLowerCase().indexOf(q) >= 0;
    }
    function refresh() {
      var s = load();
      var q = search.value.trim().toLowerCase();
      var f = filter.value;
      shown = docs.filter(function (d) { return matches(d, q, f, s); });
      var pages = Math.max(1, Math.ceil(shown.length / size));
      if (pageNo >= pages) pageNo = pages - 1;
      render(s, pages);
    }
    function render(s, pages) {
      tbody.textContent = "";
      var frag = document.createDocumentFragment();
      shown.slice(pageNo * size, pageNo * size + size).forEach(function (d) {
        var tr = document.createElement("tr");
        if (d.spin >= SPUN) tr.className = "spun";
        var td = document.createElement("td");
        var a = el("a", d.id);
        a.href = "review/" + encodeURIComponent(d.page);
        td.appendChild(a);
        var n = s.documents[d.id] ? Object.keys(s.documents[d.id]).length : 0;
        if (n) td.appendChild(el("small", "  " + n + " decided"));
        tr.appendChild(td);
        tr.appendChild(el("td", Number(d.spin).toFixed(2), "num spin"));
        tr.appendChild(el("td", d.family));
        tr.appendChild(el("td", d.applied, "num"));
        tr.appendChild(el("td", d.flagged, "num"));
        tr.appendChild(el("td", Number(d.chars).toLocaleString(), "num"));
        tr.appendChild(el("td", d.rules, "rules"));
        frag.appendChild(tr);
      });
      tbody.appendChild(frag);
      count.textContent = shown.length.toLocaleString() + " of " + docs.length.toLocaleString() + " documents";
      pageLabel.textContent = "page " + (pageNo + 1) + " of " + pages;
      document.getElementById("prev-page").disabled = pageNo === 0;
      document.getElementById("next-page").disabled = pageNo >= pages - 1;
      var nd = countDecisions(s), nr = Object.keys(s.rules).length;
      progress.textContent = nd + " change decision" + (nd === 1 ? "" : "s") + ", " + nr + " rule decision"
        + (nr === 1 ? "" : "s") + " saved in this browser";
      Array.prototype.forEach.call(document.querySelectorAll(".rule-state"), function (x) {
        var r = x.getAttribute("data-rule");
        var v = Object.prototype.hasOwnProperty.call(s.rules, r) ? s.rules[r] : "";
        x.textContent = v ? v + "ed everywhere" : "";
        x.className = "rule-state" + (v === "accept" ? " acc" : v === "reject" ? " rej" : "");
      });
    }
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { pageNo = 0; refresh(); }, 120);
    });
    filter.addEventListener("change", function () { pageNo = 0; refresh(); });
    document.getElementById("prev-page").addEventListener("click", function () { pageNo--; refresh(); });
    document.getElementById("next-page").addEventListener("click", function () { pageNo++; refresh(); });
    document.getElementById("export").addEventListener("click", exportDecisions);
    document.getElementById("clear").addEventListener("click", function () {
      if (window.confirm("Forget every decision saved for this report?")) { save(emptyState()); refresh(); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.rule-accept, button.rule-reject"), function (b) {
      b.addEventListener("click", function () {
        var s = load(), r = b.getAttribute("data-rule");
        var v = b.classList.contains("rule-accept") ? "accept" : "reject";
        if (s.rules[r] === v) delete s.rules[r]; else s.rules[r] = v; // a second click undoes it
        save(s);
        refresh();
      });
    });
    document.addEventListener("keydown", function (ev) {
      var tag = (ev.target && ev.target.tagName) || "";
      if (ev.ctrlKey || ev.metaKey || ev.altKey || tag === "INPUT" || tag === "SELECT") return;
      if (ev.key === "/") { search.focus(); ev.preventDefault(); }
      else if (ev.key === "e") { exportDecisions(); ev.preventDefault(); }
    });
    window.addEventListener("storage", refresh);
    refresh();
  }

  if (body.classList.contains("doc")) documentPage();
  else if (body.classList.contains("index")) indexPage();
})();
