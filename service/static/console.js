/* 有据 youju hotline staff console: instant search of the reports' own text, keyboard-driven, with
 * one-key copy of "passage + citation" for reading out or pasting into a ticket; filters by document,
 * type, year and section; a documents panel (key d) with the build report, uploads and removals.
 * No framework. Loaded after /static/common.js (youjuCommon: the helpers it shares with the widget). */
(function (C) {
  "use strict";
  var el = C.el;
  C.defaults.headers["X-Youju-Channel"] = "console"; // staff typing: not counted as citizens' questions
  var $ = function (id) { return document.getElementById(id); };
  var qEl = $("q"), docEl = $("doc"), typeEl = $("type"), yearEl = $("year"), secEl = $("sec");
  var list = $("list"), detail = $("detail"), statusEl = $("status"), panel = $("docs"), panelBtn = $("docs-btn");
  var RECENT_KEY = "youju.console.recent", MAX_RECENT = 8, TOP_K = 10, DEBOUNCE = 250, POLL = 500;
  var UPLOADS = "uploads/"; // where the service stores uploaded files (YOUJU_UPLOAD_DIR, relative to the corpus)
  var st = { data: null, sel: -1, key: "", ctl: null, timer: 0, sections: {}, opened: null, docs: [], byId: {},
    script: "orig", ctx: null };
  var SCRIPT_KEY = "youju.console.script", SCRIPTS = ["orig", "hans", "hant"];
  var SCRIPT_NAMES = { orig: "原文", hans: "简体", hant: "繁體" };
  var conv = { hans: {}, hant: {} }, CONVERT_CHARS = 15000;

  function status(text, err) {
    statusEl.textContent = text;
    statusEl.classList.toggle("err", !!err);
  }
  var toastTimer = 0;
  function toast(text) {
    var t = $("toast");
    t.textContent = text;
    t.classList.add("on");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.classList.remove("on"); }, 1800);
  }

  function api(path, body, signal, method) {
    return C.request(path, body, signal, undefined, method);
  }
  var ERRORS = {
    net: "无法连接检索服务，请检查网络。",
    wait: function (s) { return "请求过于频繁，请 " + s + " 秒后再试。"; },
    long: "问题太长，请精简后再试。",
    bad: function (code) { return "无法检索这个问题（" + code + "）。"; },
    busy: "检索服务繁忙或正在加载索引，请稍后再试。",
    auth: "需要坐席登录，请刷新页面。",
    err: function (code) { return "检索出错（" + code + "），请稍后再试。"; }
  };
  function errText(e) {
    return C.errText(e, ERRORS);
  }

  // --------------------------------------------------------------------------- text helpers
  function marked(node, text, highlights) {
    return C.appendSegments(node, C.segments(text, highlights));
  }
  // section › section 第3页 (paged documents; 第3–4页, 第5页（页码3）) or 第N段; a first heading that repeats the
  // title (as a PDF's often does) is left out.
  function where(c) {
    var sec = (c.section || []).filter(function (x, i) { return i || x !== c.title; }).map(disp).join(" › ");
    return (sec ? sec + " " : "") + (C.pageText(c) || "第" + c.paragraph + "段");
  }
  // What a reader must know about the source: OCR'd text, a newer edition (with its title when known).
  function notes(c) {
    var n = [], newer = c.superseded_by && st.byId[c.superseded_by];
    if (c.ocr) n.push("扫描件识别文字，请以原件为准");
    if (c.superseded_by) n.push("该文件已有更新版本" + (newer ? "《" + newer.title + "》" : ""));
    return n;
  }
  // The sentences of a result that hold its highlights (what answers), else the whole passage.
  function answering(r) {
    var parts = r.text.match(/[^。！？；!?;\n]*[。！？；!?;\n]+[”」』）)]*|[^。！？；!?;\n]+$/g) || [r.text];
    var out = "", at = 0;
    var hs = r.highlights || [];
    parts.forEach(function (p) {
      var a = at, b = at + p.length;
      at = b;
      if (hs.some(function (h) { return h.start < b && a < h.end; })) out += p;
    });
    return (out || r.text).trim();
  }
  // What staff read out or paste into a ticket: the answering sentence(s), then title, nearest heading and
  // page (paged documents) or paragraph; in the script shown on screen.
  function copyText(r) {
    var c = r.citation, n = notes(c);
    var heads = (c.section || []).filter(function (x, i) { return i || x !== c.title; });
    var sec = heads.length ? disp(heads[heads.length - 1]) + " " : "";
    return "「" + answering({ text: disp(r.text), highlights: r.highlights }) + "」\n——《" + disp(c.title) + "》 " + sec +
      (C.pageText(c) || "第" + c.paragraph + "段") + (n.length ? "\n注：" + n.join("；") + "。" : "");
  }

  // ------------------------------------------------------------------ 原文 / 简体 / 繁體
  // Script conversion changes characters only (the service converts character by character), so offsets
  // and highlights stay valid; staff read answers aloud to callers used to either script.
  function disp(s) {
    if (st.script === "orig" || s == null) return s;
    var v = conv[st.script][s];
    return v == null ? s : v;
  }
  function prepare(texts) {
    if (st.script === "orig") return Promise.resolve();
    var to = st.script, cache = conv[to], want = [], seen = {}, batches = [], cur = [], n = 0;
    texts.forEach(function (t) {
      if (t && cache[t] == null && !seen[t]) { seen[t] = 1; want.push(t); }
    });
    want.forEach(function (t) {
      if (n + t.length > CONVERT_CHARS && cur.length) { batches.push(cur); cur = []; n = 0; }
      cur.push(t);
      n += t.length;
    });
    if (cur.length) batches.push(cur);
    return Promise.all(batches.map(function (b) {
      return api("/api/v1/convert", { texts: b, to: to }).then(function (d) {
        b.forEach(function (t, i) { cache[t] = d.texts[i]; });
      });
    }));
  }
  function resultTexts(d) {
    var out = [];
    ((d && d.results) || []).forEach(function (r) {
      out.push(r.text, r.citation.title);
      (r.citation.section || []).forEach(function (x) { out.push(x); });
    });
    return out;
  }
  function ctxTexts(p) {
    var out = [];
    [p.previous, p.paragraph, p.next].forEach(function (x) {
      if (!x) return;
      out.push(x.text);
      (x.section || []).forEach(function (y) { out.push(y); });
    });
    return out;
  }
  function setScript(s, quiet) {
    var old = st.script;
    st.script = s;
    var b = $("script");
    b.textContent = "字形：" + SCRIPT_NAMES[s];
    b.setAttribute("aria-label", "字形：" + SCRIPT_NAMES[s] + "（按 s 切换）");
    var texts = resultTexts(st.data).concat(st.ctx ? ctxTexts(st.ctx.p) : []);
    return prepare(texts).then(function () {
      try { localStorage.setItem(SCRIPT_KEY, s); } catch (e) { /* off */ }
      redraw();
      if (!quiet) toast("字形：" + SCRIPT_NAMES[s]);
    }, function (e) {
      // Never leave the old script under a new label: go back, and say why.
      st.script = old;
      b.textContent = "字形：" + SCRIPT_NAMES[old];
      toast("字形转换失败：" + errText(e));
    });
  }
  function redraw() {
    if (!st.data) return;
    var sel = st.sel;
    draw(st.data);
    if (sel >= 0) select(sel);
    if (st.ctx) drawCtx(st.ctx.r, st.ctx.p);
  }

  // --------------------------------------------------------------------------------- recent
  function recent() {
    try {
      var a = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(a) ? a.filter(function (x) { return typeof x === "string"; }) : [];
    } catch (e) { return []; }
  }
  function remember(q) {
    q = (q || "").trim();
    if (!q) return;
    var a = recent().filter(function (x) { return x !== q; });
    a.unshift(q);
    try { localStorage.setItem(RECENT_KEY, JSON.stringify(a.slice(0, MAX_RECENT))); } catch (e) { /* full or off */ }
    drawRecent();
  }
  function drawRecent() {
    var a = recent(), chips = $("chips");
    chips.replaceChildren();
    a.forEach(function (q) {
      var b = el("button", "chip", q);
      b.type = "button";
      b.title = "再次检索：" + q;
      b.addEventListener("click", function () {
        qEl.value = q;
        qEl.focus();
        run(true);
      });
      chips.appendChild(b);
    });
    $("recent").hidden = !a.length;
  }
  $("clear").addEventListener("click", function () {
    try { localStorage.removeItem(RECENT_KEY); } catch (e) { /* ignore */ }
    drawRecent();
    qEl.focus();
    toast("已清除最近检索记录");
  });

  // --------------------------------------------------------------------------------- search
  function schedule() {
    clearTimeout(st.timer);
    st.timer = setTimeout(function () { run(false); }, DEBOUNCE);
  }
  function run(force) {
    clearTimeout(st.timer);
    var q = qEl.value.trim(), doc = docEl.value, type = typeEl.value, year = yearEl.value, sec = secEl.value.trim();
    var key = JSON.stringify([q, doc, type, year, sec]);
    if (!force && key === st.key) return Promise.resolve();
    st.key = key;
    if (st.ctl) st.ctl.abort();
    st.ctl = null;
    if (!q) {
      show(null);
      status("");
      statusEl.dataset.q = "";
      return Promise.resolve();
    }
    var ctl = (st.ctl = new AbortController()), t0 = performance.now();
    var body = { query: q, top_k: TOP_K };
    if (doc) body.document_id = doc;
    if (type) body.doc_type = type;
    if (year) body.year = parseInt(year, 10);
    if (sec) body.section = sec;
    status("检索中…");
    return api("/api/v1/search", body, ctl.signal).then(function (d) {
      if (ctl !== st.ctl) return;
      st.ctl = null;
      show(d);
      statusEl.dataset.q = q;
      var n = d.results.length;
      status(n ? n + " 条结果 · 置信度 " + d.confidence.toFixed(2) + (d.answered ? "" : "（低）") +
        " · " + Math.round(performance.now() - t0) + " ms" : "没有找到相关段落（可调整文件、类型、年份或章节筛选）。");
    }, function (e) {
      if (e.name === "AbortError" || ctl !== st.ctl) return;
      st.ctl = null;
      st.key = "";
      status(errText(e), true);
    });
  }

  function show(d) {
    st.data = d;
    st.ctx = null;
    if (st.script === "orig" || !d) return draw(d);
    draw(d); // the original at once; the converted text as soon as it arrives
    prepare(resultTexts(d)).then(function () { if (st.data === d) redraw(); }, function (e) {
      st.script = "orig";
      $("script").textContent = "字形：" + SCRIPT_NAMES.orig;
      toast("字形转换失败，显示原文：" + errText(e));
    });
  }
  function draw(d) {
    st.sel = -1;
    list.replaceChildren();
    list.removeAttribute("aria-activedescendant");
    var rs = (d && d.results) || [], low = !!d && !d.answered && rs.length > 0;
    $("warn").hidden = !low;
    $("empty").hidden = !!d;
    qEl.setAttribute("aria-expanded", String(rs.length > 0));
    rs.forEach(function (r, i) {
      var c = r.citation, li = el("li", "row");
      li.id = "r" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var h = el("div", "rh");
      h.appendChild(el("span", "rk", String(i + 1)));
      h.appendChild(el("span", "sc", r.score.toFixed(2)));
      h.appendChild(el("span", "dt", "《" + disp(c.title) + "》"));
      var ci = el("span", "ci", where(c));
      ci.title = "《" + disp(c.title) + "》 " + where(c);
      h.appendChild(ci);
      if (c.ocr) h.appendChild(badge("扫描件", "扫描件识别文字，请以原件为准"));
      if (c.superseded_by) h.appendChild(badge("有新版", notes({ superseded_by: c.superseded_by })[0]));
      if (r.pinned) h.appendChild(badge("置顶", "工作人员为这个问题置顶的答案")).classList.add("pinb");
      if (low) h.appendChild(el("span", "low", "低置信"));
      var cp = el("button", "cp", "复制");
      cp.type = "button";
      cp.tabIndex = -1;
      cp.setAttribute("aria-label", "复制第 " + (i + 1) + " 条原文和出处");
      cp.addEventListener("click", function (ev) {
        ev.stopPropagation();
        select(i);
        copy();
      });
      h.appendChild(cp);
      var pn = el("button", "pn", "置顶");
      pn.type = "button";
      pn.tabIndex = -1;
      pn.setAttribute("aria-label", "把第 " + (i + 1) + " 条置顶为这个问题的答案");
      pn.addEventListener("click", function (ev) {
        ev.stopPropagation();
        select(i);
        pin();
      });
      h.appendChild(pn);
      li.appendChild(h);
      li.appendChild(marked(el("p", "tx"), disp(r.text), r.highlights));
      li.addEventListener("click", function () {
        select(i);
        openCtx();
      });
      list.appendChild(li);
      (c.section || []).forEach(function (s) { st.sections[s] = 1; });
    });
    var dl = $("secs");
    dl.replaceChildren();
    Object.keys(st.sections).sort().forEach(function (s) {
      var o = el("option");
      o.value = s;
      dl.appendChild(o);
    });
  }
  function badge(text, full) {
    var b = el("span", "bdg", text);
    b.title = full;
    b.appendChild(el("span", "sr", "：" + full));
    return b;
  }
  function select(i) {
    var rows = list.children;
    if (!rows.length) return;
    i = Math.max(0, Math.min(i, rows.length - 1));
    if (st.sel >= 0 && rows[st.sel]) rows[st.sel].setAttribute("aria-selected", "false");
    st.sel = i;
    rows[i].setAttribute("aria-selected", "true");
    list.setAttribute("aria-activedescendant", rows[i].id);
    qEl.setAttribute("aria-activedescendant", rows[i].id);
    rows[i].scrollIntoView({ block: "nearest" });
  }
  function current() {
    return st.data && st.sel >= 0 ? st.data.results[st.sel] : null;
  }

  // Pin the selected passage as the answer to the question on screen: citizens asking it (or a paraphrase)
  // get this passage first, marked as confirmed by staff.
  function pin() {
    var r = current(), q = statusEl.dataset.q || qEl.value.trim();
    if (!r || !q) return;
    api("/api/v1/staff/pins", { question: q, passage_ids: [r.passage_id] }).then(function () {
      toast("已置顶：以后问“" + q + "”会先显示这一段");
      document.dispatchEvent(new CustomEvent("youju:pins"));
      return run(true);
    }, function (e) {
      toast("未能置顶：" + errText(e));
    });
  }

  // ------------------------------------------------------------------------- context pane
  function openCtx() {
    var r = current();
    if (!r) return;
    remember(qEl.value);
    st.opened = r;
    detail.replaceChildren(el("p", "empty", "正在载入整段…"));
    api("/api/v1/passages/" + encodeURIComponent(r.passage_id)).then(function (p) {
      if (st.opened !== r) return;
      return prepare(ctxTexts(p)).catch(function () { /* shown in the original */ }).then(function () {
        if (st.opened !== r) return;
        st.ctx = { r: r, p: p };
        drawCtx(r, p);
      });
    }, function (e) {
      if (st.opened !== r) return;
      detail.replaceChildren(el("p", "empty", errText(e)));
    });
  }
  function neighbour(frag, label, para) {
    if (!para) return;
    var box = paraBox("nb", label, para);
    box.appendChild(el("p", "", disp(para.text)));
    frag.appendChild(box);
  }

  function paraBox(cls, label, para) {
    var box = el("div", "pp " + cls);
    box.appendChild(el("h3", "", label + " · 第" + para.paragraph + "段" +
      (cls === "cur" ? "" : "（" + (disp((para.section || []).slice(-1)[0]) || "正文") + "）")));
    return box;
  }
  function drawCtx(r, p) {
    var c = r.citation, frag = document.createDocumentFragment(), head = el("div", "dh");
    head.appendChild(el("h2", "", "《" + disp(c.title) + "》"));
    head.appendChild(el("p", "path", where(c) + "（字符 " + c.start + "–" + c.end + "）"));
    notes(c).forEach(function (n) { head.appendChild(el("p", "note", n)); });
    var acts = el("div", "acts"), b = el("button", "", "复制原文＋出处（c）");
    b.type = "button";
    b.addEventListener("click", copy);
    acts.appendChild(b);
    head.appendChild(acts);
    frag.appendChild(head);
    neighbour(frag, "上一段", p.previous);
    var para = p.paragraph, cur = paraBox("cur", "本段", para || { paragraph: c.paragraph }), tx = el("p");
    var a = para && C.around(para.text, r.text, c.start - para.start);
    if (a) {
      // Conversion keeps every character's place, so the converted paragraph splits where the original does.
      var whole = disp(para.text);
      tx.appendChild(document.createTextNode(whole.slice(0, a.before.length)));
      tx.appendChild(marked(el("span", "hit"), disp(r.text), r.highlights));
      tx.appendChild(document.createTextNode(whole.slice(whole.length - a.after.length)));
    } else if (para) tx.textContent = disp(para.text);
    else marked(tx, disp(r.text), r.highlights);
    cur.appendChild(tx);
    frag.appendChild(cur);
    neighbour(frag, "下一段", p.next);
    detail.replaceChildren(frag);
    detail.scrollTop = Math.max(0, cur.offsetTop - head.offsetHeight - 8); // the header stays on top
  }

  // ---------------------------------------------------------------------------------- copy
  function copy() {
    var r = current();
    if (!r) return;
    remember(qEl.value);
    var text = copyText(r), low = st.data && !st.data.answered;
    var done = function () { toast("已复制第 " + (st.sel + 1) + " 条原文和出处" + (low ? "（注意：低置信）" : "")); };
    var back = document.activeElement;
    var fallback = function () {
      var ta = el("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "sr";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ta.remove();
      if (back && back.focus) back.focus();
      if (ok) done();
      else toast("无法访问剪贴板，请手动选择文字复制");
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  // ------------------------------------------------------------------ documents and filters
  function yearOf(doc) {
    var y = String((doc.metadata || {}).year || "").slice(0, 4);
    return /^\d{4}$/.test(y) ? y : "";
  }
  // A select's options after its first ("全部…"): [[value, label], ...]; the choice is kept if still there.
  function fill(sel, items) {
    var keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    items.forEach(function (x) {
      var o = el("option", "", x[1]);
      o.value = x[0];
      sel.appendChild(o);
    });
    sel.value = items.some(function (x) { return x[0] === keep; }) ? keep : "";
  }
  function loadDocs() {
    return api("/api/v1/documents").then(function (d) {
      var docs = d.documents || [], types = {}, years = {};
      st.docs = docs;
      st.byId = {};
      docs.forEach(function (doc) {
        st.byId[doc.document_id] = doc;
        var t = (doc.metadata || {}).doc_type, y = yearOf(doc);
        if (t) types[t] = 1;
        if (y) years[y] = 1;
      });
      fill(docEl, docs.map(function (doc) { return [doc.document_id, doc.title]; }));
      fill(typeEl, Object.keys(types).sort(function (a, b) { return a.localeCompare(b, "zh"); })
        .map(function (t) { return [t, t]; }));
      fill(yearEl, Object.keys(years).sort().reverse().map(function (y) { return [y, y + "年"]; }));
      drawDocs();
    });
  }
  function loadStatus() {
    return api("/api/v1/staff/status").then(function (s) {
      $("idx").textContent = s.index ? " · 索引：" + s.index.documents + " 份文件，" + s.index.passages + " 段" : "";
    }, function () { /* optional */ });
  }
  function cells(tr, values) {
    values.forEach(function (v) { tr.appendChild(v instanceof Node ? v : el("td", "", v == null ? "" : String(v))); });
    return tr;
  }
  function drawDocs() {
    var body = $("doc-table").tBodies[0];
    body.replaceChildren();
    $("docs-n").textContent = "（" + st.docs.length + " 份）";
    st.docs.forEach(function (doc) {
      var m = doc.metadata || {}, newer = m.superseded_by && st.byId[m.superseded_by];
      var title = el("td"), status = el("td"), act = el("td", "act");
      title.appendChild(el("span", "", doc.title));
      title.appendChild(el("span", "sub", doc.path));
      status.textContent = m.status === "superseded" ? "已有更新版本" + (newer ? "《" + newer.title + "》" : "") : "现行";
      if (doc.path.indexOf(UPLOADS) === 0) act.appendChild(deleteButton(doc));
      var tr = cells(el("tr"), [title, doc.format, doc.pages || "—", yearOf(doc) || "—", m.doc_type || "—", status,
        doc.passages, act]);
      if (m.status === "superseded") tr.className = "old";
      body.appendChild(tr);
    });
  }
  var STATUS = { read: "已读取", reused: "沿用（文件未变）", skipped: "已跳过" };
  function loadBuild() {
    return api("/api/v1/staff/build").then(function (b) {
      var i = b.index || {}, files = b.files || [], body = $("build-table").tBodies[0];
      var skipped = files.filter(function (f) { return f.status === "skipped"; }).length;
      $("build-n").textContent = "（版本 " + i.build_id + "，" + when(i.built_at) + "；" + files.length + " 个文件" +
        (skipped ? "，跳过 " + skipped + " 个" : "") + "）";
      body.replaceChildren();
      files.forEach(function (f) {
        var notes = el("td", "nts");
        if (f.error) notes.appendChild(el("p", "why", "跳过原因：" + f.error));
        (f.warnings || []).forEach(function (w) { notes.appendChild(el("p", "", "警告：" + w)); });
        var tr = cells(el("tr"), [f.path, STATUS[f.status] || f.status, f.format || "—", f.pages || "—",
          f.ocr_pages || "—", f.passages, f.status === "read" ? f.seconds.toFixed(1) + " 秒" : "—", notes]);
        tr.className = f.status;
        body.appendChild(tr);
      });
    }, function (e) {
      $("build-n").textContent = "";
      $("build-table").tBodies[0].replaceChildren(cells(el("tr"), [el("td", "why", "无法读取建索引报告：" + errText(e))]));
    });
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? String(iso || "") : d.toLocaleString("zh-CN", { hour12: false });
  }
  // Everything that depends on the live index, after a build went live.
  function refresh() {
    st.sections = {};
    return Promise.all([loadDocs().catch(function () {}), loadBuild(), loadStatus()]).then(function () {
      st.key = "";
      return run(false);
    });
  }

  function openPanel(open, focus) {
    panel.hidden = !open;
    $("main").hidden = open;
    if (open) document.dispatchEvent(new CustomEvent("youju:panel", { detail: "docs" }));
    panelBtn.setAttribute("aria-expanded", String(open));
    if (open) {
      loadDocs().catch(function (e) { outcome("err", "无法读取文件列表：" + errText(e)); });
      loadBuild();
      if (focus !== false) $("docs-h").focus();
    } else if (focus !== false) qEl.focus();
  }
  document.addEventListener("youju:panel", function (e) {
    if (e.detail !== "docs" && !panel.hidden) {
      panel.hidden = true;
      panelBtn.setAttribute("aria-expanded", "false");
    }
  });
  panelBtn.addEventListener("click", function () { openPanel(panel.hidden); });
  $("docs-close").addEventListener("click", function () { openPanel(false); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !e.defaultPrevented) {
      e.preventDefault();
      openPanel(false);
    }
  });

  // ------------------------------------------------------------------------ upload, removal
  var UP_CODES = {
    bad_file_name: "文件名不可用：请改用普通文件名（不含目录和特殊字符，不以“.”开头）。",
    empty_file: "文件是空的。",
    uploads_disabled: "服务器没有设置坐席密钥，不能上传文件。",
    body_too_large: "文件太大，超过了上传上限。",
    too_many_pages: "PDF 页数超过了上限。",
    unsupported_format: "不支持这种文件格式。可上传 PDF、Word（.docx、.doc）、网页（.html）和文本（.txt、.md）。",
    wrong_content: "文件内容与扩展名不符（例如扩展名是 .pdf，内容却是网页），已拒绝。",
    zip_bomb: "Word 文件的压缩结构异常（疑似压缩炸弹），已拒绝。",
    unreadable_document: "文件无法打开（可能已加密或已损坏）。",
    document_not_found: "找不到这个上传的文件，可能已被删除。",
    not_found: "找不到这个任务，可能服务已重启。",
    busy: "等待中的建索引任务太多，请稍后再试。"
  };
  function upErr(e) {
    var by = function (other) { return function (code) { return UP_CODES[code] || other(code); }; };
    return C.errText(e, {
      net: ERRORS.net, wait: ERRORS.wait, auth: ERRORS.auth,
      long: by(function () { return UP_CODES.body_too_large; }),
      bad: by(function (code) { return "文件没有通过检查（" + code + "）。"; }),
      busy: by(function () { return "服务繁忙或正在加载索引，请稍后再试。"; }),
      err: by(function (code) { return "操作失败（" + code + "），请稍后再试。"; })
    });
  }
  // The outcome area of the panel: kind ok|err|busy, a headline, and optional detail lines.
  function outcome(kind, head, details) {
    var out = $("up-out");
    out.className = "up-out " + kind;
    out.replaceChildren(el("p", "oh", head));
    (details || []).forEach(function (d) { if (d) out.appendChild(el("p", "od", d)); });
  }
  // Poll a build job until it is done or failed; progress(job) while it runs.
  function follow(job, progress) {
    return new Promise(function (resolve, reject) {
      var fails = 0;
      (function step(j) {
        if (j.status === "done" || j.status === "failed") return resolve(j);
        progress(j);
        setTimeout(function () {
          api("/api/v1/staff/jobs/" + encodeURIComponent(j.id)).then(function (n) {
            fails = 0;
            step(n);
          }, function (e) {
            if (e.status === 404 || ++fails >= 5) reject(e);
            else step(j);
          });
        }, POLL);
      })(job);
    });
  }
  function running(what, t0) {
    return function (j) {
      outcome("busy", what + (j.status === "queued" ? "：排队等待建索引…" : "：正在建索引…") +
        "（" + Math.round((Date.now() - t0) / 1000) + " 秒）");
    };
  }
  function fileReport(r) {
    if (!r) return [];
    var doc = r.document_id && st.byId[r.document_id], bits = [r.format || "", r.passages + " 段"];
    if (r.pages) bits.push(r.pages + " 页");
    if (r.ocr_pages) bits.push(r.ocr_pages + " 页为扫描件（OCR 识别，请核对原件）");
    bits.push("用时 " + (r.seconds || 0).toFixed(1) + " 秒");
    return [(doc ? "《" + doc.title + "》 " : "") + bits.filter(Boolean).join("，")]
      .concat((r.warnings || []).map(function (w) { return "警告：" + w; }));
  }
  $("up").addEventListener("submit", function (e) {
    e.preventDefault();
    var f = $("file").files[0], btn = $("up-btn"), t0 = Date.now();
    if (!f) {
      outcome("err", "请先选择要上传的文件。");
      $("file").focus();
      return;
    }
    btn.disabled = true;
    outcome("busy", "正在上传 " + f.name + "…");
    api("/api/v1/staff/documents/" + encodeURIComponent(f.name), f, undefined, "PUT").then(function (job) {
      return follow(job, running(f.name, t0)).then(function (j) {
        if (j.status === "failed") {
          outcome("err", f.name + " 未能收录，已撤回（原有文件不受影响）。", ["原因：" + (j.message || "未知")]);
          return loadBuild();
        }
        return refresh().then(function () {
          outcome("ok", f.name + " 已收录，现在可以检索。", fileReport(j.report));
          toast(f.name + " 已收录");
          $("file").value = "";
        });
      }, function (err) {
        outcome("err", "无法查询建索引进度：" + upErr(err));
      });
    }, function (err) {
      outcome("err", f.name + " 未能上传：" + upErr(err), [err.message && err.status ? "服务器说明：" + err.message : ""]);
    }).then(function () { btn.disabled = false; });
  });

  function deleteButton(doc) {
    var name = doc.path.slice(UPLOADS.length), b = el("button", "del", "删除");
    b.type = "button";
    b.setAttribute("aria-label", "删除《" + doc.title + "》");
    b.addEventListener("click", function () {
      var cell = b.parentNode, yes = el("button", "del yes", "确认删除"), no = el("button", "del", "取消");
      yes.type = no.type = "button";
      yes.setAttribute("aria-label", "确认删除《" + doc.title + "》");
      cell.replaceChildren(el("span", "ask", "确定删除？"), yes, no);
      no.addEventListener("click", function () {
        cell.replaceChildren(b);
        b.focus();
      });
      yes.addEventListener("click", function () { remove(doc, name, cell); });
      no.focus();
    });
    return b;
  }
  function remove(doc, name, cell) {
    var t0 = Date.now(), label = "《" + doc.title + "》";
    cell.replaceChildren(el("span", "ask", "删除中…"));
    outcome("busy", "正在删除" + label + "…");
    api("/api/v1/staff/documents/" + encodeURIComponent(name), null, undefined, "DELETE").then(function (job) {
      return follow(job, running("删除" + label, t0)).then(function (j) {
        if (j.status === "failed") outcome("err", label + "未能删除。", ["原因：" + (j.message || "未知")]);
        else {
          outcome("ok", label + "已删除，不再出现在检索结果中。");
          toast(label + "已删除");
        }
        return refresh();
      });
    }).catch(function (err) {
      outcome("err", label + "未能删除：" + upErr(err));
      drawDocs();
    }).then(function () { $("docs-h").focus(); });
  }

  // ------------------------------------------------------------------------------ keyboard
  function typing(t) {
    return t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }
  qEl.addEventListener("input", function () {
    if (!panel.hidden) openPanel(false, false); // typing a question brings the results back
    schedule();
  });
  qEl.addEventListener("keydown", function (e) {
    if (e.isComposing) return; // IME candidate selection uses these keys
    if (e.key === "ArrowDown" && list.children.length) {
      e.preventDefault();
      list.focus();
      select(st.sel < 0 ? 0 : st.sel);
    } else if (e.key === "Enter") {
      e.preventDefault();
      remember(qEl.value);
      run(false);
    } else if (e.key === "Escape" && qEl.value) {
      e.preventDefault();
      qEl.value = "";
      run(false);
    }
  });
  $("f").addEventListener("submit", function (e) { e.preventDefault(); });
  [docEl, typeEl, yearEl].forEach(function (s) { s.addEventListener("change", function () { run(false); }); });
  secEl.addEventListener("input", schedule);
  secEl.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      run(false);
    }
  });
  list.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      select(st.sel + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (st.sel <= 0) qEl.focus();
      else select(st.sel - 1);
    } else if (e.key === "Enter") {
      e.preventDefault();
      openCtx();
    } else if (e.key === "c" || e.key === "C") {
      e.preventDefault();
      copy();
    } else if (e.key === "p" || e.key === "P") {
      e.preventDefault();
      pin();
    } else if (e.key === "Escape") {
      e.preventDefault();
      qEl.focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      select(e.key === "Home" ? 0 : list.children.length - 1);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
    if (e.key === "/") {
      e.preventDefault();
      qEl.focus();
      qEl.select();
    } else if ((e.key === "c" || e.key === "C") && e.target !== list && panel.hidden && current()) {
      e.preventDefault();
      copy();
    } else if ((e.key === "p" || e.key === "P") && e.target !== list && !$("main").hidden && current()) {
      e.preventDefault();
      pin();
    } else if (e.key === "d" || e.key === "D") {
      e.preventDefault();
      openPanel(panel.hidden);
    } else if (e.key === "s" || e.key === "S") {
      e.preventDefault();
      setScript(SCRIPTS[(SCRIPTS.indexOf(st.script) + 1) % SCRIPTS.length]);
    }
  });
  $("script").addEventListener("click", function () {
    setScript(SCRIPTS[(SCRIPTS.indexOf(st.script) + 1) % SCRIPTS.length]);
  });

  // ---------------------------------------------------------------------------------- start
  var saved = "orig";
  try { saved = localStorage.getItem(SCRIPT_KEY) || "orig"; } catch (e) { /* off */ }
  setScript(SCRIPTS.indexOf(saved) >= 0 ? saved : "orig", true);
  drawRecent();
  loadDocs().catch(function () { /* the filters stay at 全部… */ });
  loadStatus();
  qEl.focus();
  if (qEl.value.trim()) run(false);
})(youjuCommon);
