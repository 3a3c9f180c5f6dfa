/* 有据 console: the analytics panel (key a) for hotline managers: what citizens asked, what was refused,
 * answered with low confidence or marked not helpful, with counts, the period before and a daily chart;
 * JSONL exports for labelling; the pinned answers (list, unpin, import from CSV/Excel).
 * Loaded after console.js; talks to it through document events (youju:panel, youju:pins). */
(function (C) {
  "use strict";
  var el = C.el;
  var $ = function (id) { return document.getElementById(id); };
  var box = $("stats"), btn = $("stats-btn"), daysEl = $("st-days");
  var KINDS = ["top", "refused", "low_confidence", "not_helpful"];

  function api(path, body, method) { return C.request(path, body, undefined, undefined, method); }
  function err(e) {
    return C.errText(e, {
      net: "无法连接服务。", auth: "需要坐席登录，请刷新页面。",
      busy: "服务繁忙或统计暂不可用，请稍后再试。",
      err: function (code) { return "出错了（" + code + "）。"; }
    });
  }
  function day(iso) { return (iso || "").slice(5, 16).replace("T", " "); }
  function trend(now, before) {
    var td = el("td", "", String(before));
    if (now > before) td.appendChild(el("span", "tr-up", " ↑"));
    else if (now < before) td.appendChild(el("span", "tr-down", " ↓"));
    return td;
  }
  function row(tbody, cells) {
    var tr = el("tr");
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : el("td", "", c == null ? "" : String(c))); });
    tbody.appendChild(tr);
    return tr;
  }
  function questions(id, items) {
    var tb = $(id).tBodies[0];
    tb.replaceChildren();
    if (!items.length) row(tb, [el("td", "", "（没有）")]).firstChild.colSpan = 6;
    items.forEach(function (q) {
      row(tb, [q.query, q.count, trend(q.count, q.previous), q.answered + "/" + q.count, q.confidence.toFixed(2),
        day(q.last_seen)]);
    });
  }
  function chart(days) {
    var c = $("st-days-chart"), max = 1;
    c.replaceChildren();
    days.forEach(function (d) { max = Math.max(max, d.total); });
    days.forEach(function (d) {
      var b = el("span", d.refused > d.answered ? "r" : "");
      b.style.height = Math.round((100 * d.total) / max) + "%";
      b.title = d.date + "：" + d.total + " 次提问，" + d.answered + " 次回答，" + d.refused + " 次未能回答";
      c.appendChild(b);
    });
    c.setAttribute("aria-label", "每日提问数：" + days.map(function (d) { return d.date.slice(5) + " " + d.total; }).join("，"));
  }
  function load() {
    var days = daysEl.value;
    KINDS.forEach(function (k) { $("ex-" + k).href = "/api/v1/staff/analytics/export?kind=" + k + "&days=" + days; });
    var stats = api("/api/v1/staff/analytics?days=" + days).then(function (r) {
      var share = r.total ? Math.round((100 * r.answered) / r.total) : 0;
      $("st-sum").textContent = "最近 " + r.days + " 天共 " + r.total + " 次提问：回答 " + r.answered + " 次（" + share +
        "%），未能回答 " + r.refused + " 次，非问题 " + r.not_a_question + " 次，用到置顶答案 " + r.pinned + " 次。" +
        (r.feedback_error ? " 反馈暂不可用：" + r.feedback_error : "");
      chart(r.daily);
      questions("t-top", r.top);
      questions("t-refused", r.refused_questions);
      questions("t-low", r.low_confidence);
      var tb = $("t-nh").tBodies[0];
      tb.replaceChildren();
      if (!r.not_helpful.length) row(tb, [el("td", "", "（没有）")]).firstChild.colSpan = 5;
      r.not_helpful.forEach(function (f) { row(tb, [f.query, f.passage_id, f.count, f.comment || "", day(f.last_seen)]); });
    }, function (e) { $("st-sum").textContent = "统计不可用：" + err(e); });
    return Promise.all([stats, loadPins()]);
  }
  function loadPins() {
    return api("/api/v1/staff/pins").then(function (r) {
      var tb = $("t-pins").tBodies[0];
      tb.replaceChildren();
      $("pins-n").textContent = "（" + r.pins.length + " 条" + (r.missing ? "，其中 " + r.missing + " 条已失效" : "") + "）";
      if (!r.pins.length) row(tb, [el("td", "", "（没有。在检索结果上按 p 或点“置顶”即可置顶。）")]).firstChild.colSpan = 5;
      r.pins.forEach(function (p) {
        var texts = el("td");
        p.passages.forEach(function (x) { texts.appendChild(el("p", "", x.text.slice(0, 80) + (x.found ? "" : "（已不在索引中）"))); });
        var un = el("button", "cp", "取消置顶");
        un.type = "button";
        un.setAttribute("aria-label", "取消置顶：" + p.question);
        un.addEventListener("click", function () {
          api("/api/v1/staff/pins/" + p.id, null, "DELETE").then(loadPins, function (e) { $("pin-out").textContent = err(e); });
        });
        var act = el("td");
        act.appendChild(un);
        var tr = row(tb, [p.question, texts, p.status === "active" ? "有效" : "失效：段落已不在索引中", day(p.updated_at), act]);
        if (p.status !== "active") tr.className = "missing";
      });
    }, function (e) { $("pins-n").textContent = "（不可用：" + err(e) + "）"; });
  }
  function open(show, focus) {
    box.hidden = !show;
    btn.setAttribute("aria-expanded", String(show));
    $("main").hidden = show;
    if (show) {
      document.dispatchEvent(new CustomEvent("youju:panel", { detail: "stats" }));
      load();
      if (focus !== false) $("stats-h").focus();
    } else if (focus !== false) $("q").focus();
  }
  document.addEventListener("youju:panel", function (e) {
    if (e.detail !== "stats" && !box.hidden) {
      box.hidden = true;
      btn.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("youju:pins", function () { if (!box.hidden) loadPins(); });
  btn.addEventListener("click", function () { open(box.hidden); });
  $("stats-close").addEventListener("click", function () { open(false); });
  daysEl.addEventListener("change", load);
  box.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !e.defaultPrevented) {
      e.preventDefault();
      open(false);
    }
  });
  $("q").addEventListener("input", function () { if (!box.hidden) open(false, false); });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    if (e.key === "a" || e.key === "A") {
      e.preventDefault();
      open(box.hidden);
    }
  });
  $("pin-up").addEventListener("submit", function (e) {
    e.preventDefault();
    var f = $("pin-file").files[0], out = $("pin-out");
    if (!f) { out.textContent = "请先选择 CSV 或 Excel 文件。"; return; }
    out.textContent = "正在导入…";
    api("/api/v1/staff/pins/import?filename=" + encodeURIComponent(f.name), f).then(function (r) {
      out.replaceChildren(el("p", "", "导入 " + r.added + " 个问题的置顶答案（共 " + r.rows + " 行）" +
        (r.errors.length ? "，" + r.errors.length + " 行未导入：" : "。")));
      r.errors.forEach(function (x) { out.appendChild(el("p", "", "第 " + x.row + " 行：" + x.message)); });
      return loadPins();
    }, function (e2) { out.textContent = "未能导入：" + err(e2); });
  });

  // ------------------------------------------------------------------ dictionaries (in the documents panel)
  var DICT_CODES = { uploads_disabled: "服务器没有设置坐席密钥，不能修改词典。" };
  function loadDict() {
    return api("/api/v1/staff/dictionaries").then(function (d) {
      d.files.forEach(function (f) { $(f.name === "words" ? "dw" : "ds").value = f.text; });
      var n = d.files.map(function (f) { return (f.name === "words" ? "专有名词 " : "同义词 ") + f.entries + (f.name === "words" ? " 个" : " 组"); });
      $("dict-ver").textContent = "（" + n.join("，") + "；版本 " + d.version +
        (d.live_version === d.version ? "，已生效）" : "，索引仍在用 " + (d.live_version || "—") + "）");
    }, function (e) { $("dict-ver").textContent = "（不可用：" + err(e) + "）"; });
  }
  function follow(job) {
    return new Promise(function (resolve) {
      (function step(j) {
        if (j.status === "done" || j.status === "failed") return resolve(j);
        setTimeout(function () {
          api("/api/v1/staff/jobs/" + encodeURIComponent(j.id)).then(step, function () { resolve(j); });
        }, 500);
      })(job);
    });
  }
  ["words", "synonyms"].forEach(function (name) {
    $("dict-" + name).addEventListener("submit", function (e) {
      e.preventDefault();
      var out = $("dict-out"), text = $(name === "words" ? "dw" : "ds").value;
      out.textContent = "正在保存并重建索引…";
      api("/api/v1/staff/dictionaries/" + name, new Blob([text], { type: "text/plain;charset=utf-8" }), "PUT")
        .then(follow).then(function (j) {
          out.textContent = j.status === "done" ? "词典已保存，索引已重建并生效。" : "重建失败，已恢复原词典：" + (j.message || "");
          return loadDict();
        }, function (e2) { out.textContent = "未能保存：" + (DICT_CODES[e2.code] || e2.message || err(e2)); });
    });
  });
  document.addEventListener("youju:panel", function (e) { if (e.detail === "docs") loadDict(); });
})(youjuCommon);
