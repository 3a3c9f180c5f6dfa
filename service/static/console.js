/* 有据 youju hotline staff console: instant search of the reports' own text, keyboard-driven, with
 * one-key copy of "passage + citation" for reading out or pasting into a ticket. No framework.
 * Loaded after /static/common.js (youjuCommon: the helpers it shares with the citizen widget). */
(function (C) {
  "use strict";
  var el = C.el;
  var $ = function (id) { return document.getElementById(id); };
  var qEl = $("q"), docEl = $("doc"), secEl = $("sec"), list = $("list"), detail = $("detail"), statusEl = $("status");
  var RECENT_KEY = "youju.console.recent", MAX_RECENT = 8, TOP_K = 10, DEBOUNCE = 250;
  var st = { data: null, sel: -1, key: "", ctl: null, timer: 0, sections: {}, opened: null };

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

  function api(path, body, signal) {
    return C.request(path, body, signal);
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
  function where(c) {
    var sec = (c.section || []).join(" › ");
    return (sec ? sec + " " : "") + "第" + c.paragraph + "段";
  }
  function copyText(r) {
    var c = r.citation;
    return "「" + r.text + "」\n——《" + c.title + "》 " + where(c) + "（字符 " + c.start + "–" + c.end + "）";
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
    var q = qEl.value.trim(), doc = docEl.value, sec = secEl.value.trim();
    var key = JSON.stringify([q, doc, sec]);
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
    if (sec) body.section = sec;
    status("检索中…");
    return api("/api/v1/search", body, ctl.signal).then(function (d) {
      if (ctl !== st.ctl) return;
      st.ctl = null;
      show(d);
      statusEl.dataset.q = q;
      var n = d.results.length;
      status(n ? n + " 条结果 · 置信度 " + d.confidence.toFixed(2) + (d.answered ? "" : "（低）") +
        " · " + Math.round(performance.now() - t0) + " ms" : "没有找到相关段落（可调整文件或章节筛选）。");
    }, function (e) {
      if (e.name === "AbortError" || ctl !== st.ctl) return;
      st.ctl = null;
      st.key = "";
      status(errText(e), true);
    });
  }

  function show(d) {
    st.data = d;
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
      var ci = el("span", "ci", where(c));
      ci.title = "《" + c.title + "》 " + where(c);
      h.appendChild(ci);
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
      li.appendChild(h);
      li.appendChild(marked(el("p", "tx"), r.text, r.highlights));
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

  // ------------------------------------------------------------------------- context pane
  function openCtx() {
    var r = current();
    if (!r) return;
    remember(qEl.value);
    st.opened = r;
    detail.replaceChildren(el("p", "empty", "正在载入整段…"));
    api("/api/v1/passages/" + encodeURIComponent(r.passage_id)).then(function (p) {
      if (st.opened !== r) return;
      drawCtx(r, p);
    }, function (e) {
      if (st.opened !== r) return;
      detail.replaceChildren(el("p", "empty", errText(e)));
    });
  }
  function neighbour(frag, label, para) {
    if (!para) return;
    var box = paraBox("nb", label, para);
    box.appendChild(el("p", "", para.text));
    frag.appendChild(box);
  }

  function paraBox(cls, label, para) {
    var box = el("div", "pp " + cls);
    box.appendChild(el("h3", "", label + " · 第" + para.paragraph + "段" +
      (cls === "cur" ? "" : "（" + ((para.section || []).slice(-1)[0] || "正文") + "）")));
    return box;
  }
  function drawCtx(r, p) {
    var c = r.citation, frag = document.createDocumentFragment(), head = el("div", "dh");
    head.appendChild(el("h2", "", "《" + c.title + "》"));
    head.appendChild(el("p", "path", where(c) + "（字符 " + c.start + "–" + c.end + "）"));
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
      tx.appendChild(document.createTextNode(a.before));
      tx.appendChild(marked(el("span", "hit"), r.text, r.highlights));
      tx.appendChild(document.createTextNode(a.after));
    } else if (para) tx.textContent = para.text;
    else marked(tx, r.text, r.highlights);
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

  // ------------------------------------------------------------------------------ keyboard
  function typing(t) {
    return t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }
  qEl.addEventListener("input", schedule);
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
  docEl.addEventListener("change", function () { run(false); });
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
    } else if ((e.key === "c" || e.key === "C") && e.target !== list && current()) {
      e.preventDefault();
      copy();
    }
  });

  // ---------------------------------------------------------------------------------- start
  drawRecent();
  api("/api/v1/documents").then(function (d) {
    (d.documents || []).forEach(function (doc) {
      var o = el("option", "", doc.title);
      o.value = doc.document_id;
      docEl.appendChild(o);
    });
  }, function () { /* the filter stays at 全部文件 */ });
  api("/api/v1/staff/status").then(function (s) {
    if (s.index) $("keys").appendChild(el("span", "", " · 索引：" + s.index.documents + " 份文件，" + s.index.passages + " 段"));
  }, function () { /* optional */ });
  qEl.focus();
  if (qEl.value.trim()) run(false);
})(youjuCommon);
