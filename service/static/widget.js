/*! 有据 youju widget: answers questions about a report with cited passages of its own text, never
 * generated text. Embed: <script src="https://HOST/widget.js" async></script>
 * Options (data-*): api (base URL, default this script's origin), lang (zh|en), question (prefilled),
 * open (true: open at load), title, suggestions ("问题一|问题二": suggested questions).
 * Bind it to documents (data-*, sent as search filters; all given must hold): documents="id1,id2" (any of
 * these ids), document="id", type="预算" (document type), year="2024", issuer="万里街道" (issuer or region).
 * URL ?youju_q=... opens and asks. JS: window.youju.open(q?), .close().
 * Any element with data-youju-question="..." opens the widget with that question when clicked.
 * The server puts common.js (C: helpers shared with the console) and this file in one function. */
(function (C) {
  "use strict";
  if (window.youju && window.youju.version) return;
  var el = C.el;
  var S = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var D = (S && S.dataset) || {};
  var API = (D.api || (S && S.src ? new URL(S.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var T = {
    zh: {
      launch: "问问报告", launchL: "打开有据：用报告原文回答您的问题", title: "有据 · 问问这份报告",
      intro: "我只摘录报告原文来回答，并注明出处。", tryQ: "可以试试：", ph: "输入您的问题", qL: "您的问题",
      send: "发送", close: "关闭", scriptL: "字形", langB: "EN", langL: "Switch to English",
      you: "您问：", asF: function (q) { return "按“" + q + "”查找："; }, load: "正在报告中查找…", found: function (n) { return "找到 " + n + " 处报告原文："; },
      para: function (n) { return "第" + n + "段"; }, more: "查看整段", less: "收起整段",
      ocr: "扫描件识别文字，请以原件为准", old: "该文件已有更新版本", pinned: "工作人员确认的答案",
      yes: "有帮助", no: "没帮助", thanks: "谢谢您的反馈", fbL: "这条出处对您有帮助吗？",
      none: "这份报告没有回答这个问题。",
      nq: "我只能用报告原文回答关于报告内容的问题，请直接输入您想问的事，例如“森林覆盖率多少”。", hot1: "如需帮助，请拨打 ", hot2: " 市民服务热线。",
      wait: function (s) { return "提问太频繁了，请等 " + s + " 秒后再试。"; },
      net: "无法连接到服务，请检查网络后再试。",
      convF: "简体转换暂时不可用，以下显示报告原文（繁体）。", cut: "问题超过 500 字，只按前 500 字查找。", busy: "服务暂时繁忙，请稍后再试。",
      long: "问题太长了，请精简后再试。", bad: "无法处理这个问题，请换个说法再试。", err: "出错了，请稍后再试。",
      foot: "答案均为报告原文摘录，不是 AI 生成的文字。"
    },
    en: {
      launch: "Ask the report", launchL: "Open youju: answers quoted from the report", title: "youju · Ask this report",
      intro: "I answer only with quoted passages of the report, with their source.", tryQ: " Try:",
      ph: "Type your question",
      qL: "Your question", send: "Send", close: "Close", scriptL: "Script", langB: "中文", langL: "切换到中文",
      you: "You asked: ", asF: function (q) { return "Searched for \u201c" + q + "\u201d:"; }, load: "Searching the report…",
      found: function (n) { return n + " passage" + (n > 1 ? "s" : "") + " from the report:"; },
      para: function (n) { return "paragraph " + n; }, more: "Show whole paragraph", less: "Hide paragraph",
      ocr: "Read from a scan: check the original", old: "A newer edition of this document exists",
      pinned: "Answer confirmed by staff",
      yes: "Helpful", no: "Not helpful", thanks: "Thank you for your feedback", fbL: "Was this passage helpful?",
      none: "This report does not answer that question.",
      nq: "I can only answer questions about the report, with its own words. Please type what you want to know, e.g. \"What is the forest coverage?\"", hot1: "For help, call the ", hot2: " citizen hotline.",
      wait: function (s) { return "Too many questions at once. Please wait " + s + " seconds and try again."; },
      net: "The service cannot be reached. Check your connection and try again.",
      convF: "Simplified script is unavailable right now; the report's original (Traditional) text is shown.",
      cut: "The question is longer than 500 characters; only the first 500 were searched.", busy: "The service is busy. Please try again shortly.",
      long: "The question is too long. Please shorten it.", bad: "That question could not be processed. Please rephrase it.",
      err: "Something went wrong. Please try again later.",
      foot: "Answers are quoted from the report, never generated."
    }
  };
  // The search filters the script tag binds the widget to.
  var F = {}, yr = parseInt(D.year, 10);
  var ids = (D.documents || "").split(/[,，]/).map(function (x) { return x.trim(); }).filter(Boolean);
  if (ids.length) F.document_ids = ids;
  if (D.document) F.document_id = D.document.trim();
  if (D.type) F.doc_type = D.type.trim();
  if (D.issuer) F.issuer = D.issuer.trim();
  if (yr >= 1900 && yr <= 2100) F.year = yr;
  // Suggested questions: the shipped report's, unless the tag gives its own or binds other documents.
  var SUGGEST = D.suggestions != null ? D.suggestions.split("|").map(function (x) { return x.trim(); }).filter(Boolean)
    : Object.keys(F).length ? [] : ["怀柔森林覆盖率多少", "12345热线满意率怎么样", "精简了多少个议事协调机构", "2025年有哪些安排"];
  var nl = (navigator.language || "").toLowerCase();
  var st = {
    lang: D.lang === "en" ? "en" : "zh",
    script: /^zh-(tw|hk|mo|hant)/.test(nl) ? "hant" : "hans",
    items: [], busy: false, open: false
  };
  var cache = {}; // original (Traditional) text -> Simplified

  var CSS =
    ":host{all:initial!important}" +
    "*{box-sizing:border-box}" +
    ".w{font:15px/1.6 system-ui,-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#1b1b1b;-webkit-text-size-adjust:100%}" +
    "button,input{font:inherit;color:inherit}" +
    ":focus-visible{outline:3px solid #0b57d0;outline-offset:2px}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    ".launch{position:fixed;right:20px;bottom:20px;z-index:2147483646;display:flex;align-items:center;gap:6px;padding:12px 18px;border:0;border-radius:28px;background:#a4161a;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3)}" +
    ".launch:hover{background:#85121a}" +
    ".launch svg{width:20px;height:20px;fill:currentColor}" +
    ".p{position:fixed;right:20px;bottom:84px;z-index:2147483647;width:400px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 104px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.3);overflow:hidden}" +
    ".p[hidden]{display:none}" +
    "header{display:flex;align-items:center;gap:6px;padding:10px 12px;background:#a4161a;color:#fff}" +
    "header :focus-visible{outline-color:#fff}" +
    "h2{flex:1;margin:0;font-size:16px;line-height:1.3}" +
    ".tb{border:1px solid rgba(255,255,255,.75);background:transparent;color:#fff;border-radius:6px;padding:2px 8px;cursor:pointer;font-size:13px;min-height:30px}" +
    ".seg{display:flex}.seg .tb{border-radius:0}.seg .tb:first-child{border-radius:6px 0 0 6px}.seg .tb:last-child{border-radius:0 6px 6px 0;border-left:0}" +
    ".tb[aria-pressed=true]{background:#fff;color:#a4161a;font-weight:600}" +
    ".x{font-size:20px;line-height:1;padding:2px 10px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;overflow-wrap:anywhere;overscroll-behavior:contain}" +
    ".log p{margin:0 0 8px}" +
    ".sg{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:12px}" +
    ".sg button{border:1px solid #a4161a;background:#fff;color:#a4161a;border-radius:16px;padding:4px 12px;cursor:pointer;font-size:14px}" +
    ".sg button:hover{background:#fdf0f0}" +
    ".log .q{margin:14px 0 8px auto;max-width:85%;width:fit-content;background:#eef3fb;border-radius:12px 12px 2px 12px;padding:6px 12px}" +
    ".m{color:#4a4a4a;font-size:14px}" +
    ".c{border:1px solid #d6d6d6;border-left:4px solid #a4161a;border-radius:6px;padding:10px 12px;margin:0 0 10px}" +
    "blockquote{margin:0}" +
    "mark{background:#ffe58a;color:#1b1b1b;padding:0 1px;border-radius:2px}" +
    ".ci{font-size:13px;color:#4a4a4a;margin:6px 0 0!important}" +
    ".pg{white-space:nowrap}.nt{display:inline-block;font-size:13px;line-height:1.4;color:#6b3d00;background:#fff4e5;border:1px solid #f0c27b;border-radius:4px;padding:1px 6px;margin:6px 6px 0 0}" +
    ".nt.pin{color:#0b4a2e;background:#e6f4ea;border-color:#8cc7a1}" +
    ".ctx{margin-top:8px;padding:8px;background:#f6f6f6;border-radius:4px;font-size:14px;color:#333}" +
    ".ctx b{font-weight:inherit;background:#fff6d6}" +
    ".ac{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px;align-items:center}" +
    ".ac button{border:1px solid #8a8a8a;background:#fff;border-radius:6px;padding:2px 10px;cursor:pointer;font-size:13px;min-height:30px}" +
    ".ac button:hover{background:#f2f2f2}" +
    ".ac .ty{font-size:13px;color:#2e6b30}.fb{display:flex;gap:6px}" +
    ".n,.e{border-radius:6px;padding:10px 12px;margin:0 0 10px}" +
    ".n{background:#fff8e1;border:1px solid #e0c36a}.e{background:#fdecea;border:1px solid #e3a29c}" +
    ".n a{color:#0b57d0;font-weight:700}" +
    "form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e3e3e3}" +
    "input{flex:1;min-width:0;border:1px solid #767676;border-radius:8px;padding:8px 10px;font-size:16px}" +
    ".s{border:0;border-radius:8px;background:#a4161a;color:#fff;padding:8px 16px;cursor:pointer;font-weight:600}" +
    ".s:disabled{background:#6f6f6f;cursor:wait}" +
    ".f{margin:0;padding:0 12px 8px;font-size:12px;color:#555}" +
    "@keyframes b{50%{opacity:.35}}.ld{animation:b 1.2s infinite}" +
    "@media (prefers-reduced-motion:reduce){.ld{animation:none}}" +
    "@media (max-width:480px){.p{inset:0;width:100%;max-width:100%;height:100%;max-height:100%;border-radius:0}.o .launch{display:none}.launch{right:12px;bottom:12px}}";

  var host = document.createElement("youju-widget");
  var root = host.attachShadow({ mode: "open" });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }
  var w = el("div", "w");
  w.setAttribute("lang", "zh-CN");
  w.innerHTML =
    '<button class="launch" type="button" aria-expanded="false" aria-controls="p">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 5v2h10V8zm0 4v2h7v-2z"/></svg>' +
    '<span class="lt"></span></button>' +
    '<div class="p" id="p" role="dialog" aria-labelledby="t" hidden>' +
    '<header><h2 id="t"></h2><div class="seg" role="group"><button type="button" class="tb" data-s="hans">简体</button>' +
    '<button type="button" class="tb" data-s="hant">繁體</button></div>' +
    '<button type="button" class="tb lg"></button><button type="button" class="tb x">×</button></header>' +
    '<div class="log" role="log" aria-live="polite"><div class="in"><p class="m it"></p><div class="sg"></div></div></div>' +
    '<form novalidate><label class="sr" for="q"></label><input id="q" type="text" autocomplete="off" enterkeyhint="send">' +
    '<button class="s" type="submit"></button></form><p class="f"></p></div>';
  root.appendChild(w);
  var $ = function (s) { return w.querySelector(s); };
  var launch = $(".launch"), panel = $(".p"), log = $(".log"), form = $("form"), input = $("#q"), sendB = $(".s");

  function t(k) { return T[st.lang][k]; }
  function show(s) { return st.script === "hans" && cache[s] != null ? cache[s] : s; }

  function labels() {
    w.setAttribute("lang", st.lang === "en" ? "en" : st.script === "hant" ? "zh-Hant" : "zh-CN");
    $(".lt").textContent = t("launch");
    launch.setAttribute("aria-label", t("launchL"));
    $("#t").textContent = D.title || t("title");
    $(".seg").setAttribute("aria-label", t("scriptL"));
    var lg = $(".lg");
    lg.textContent = t("langB");
    lg.setAttribute("aria-label", t("langL"));
    lg.setAttribute("lang", st.lang === "en" ? "zh-CN" : "en");
    $(".x").setAttribute("aria-label", t("close"));
    $(".it").textContent = t("intro") + (SUGGEST.length ? t("tryQ") : "");
    $("label").textContent = t("qL");
    input.placeholder = t("ph");
    sendB.textContent = t("send");
    $(".f").textContent = t("foot");
    w.querySelectorAll(".seg .tb").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.s === st.script));
    });
  }
  var sg = $(".sg");
  SUGGEST.forEach(function (q) {
    var b = el("button", "", q);
    b.type = "button";
    b.addEventListener("click", function () { ask(q); });
    sg.appendChild(b);
  });

  // The passage as [[text, highlighted?], ...], and its paragraph as before/after around it.
  function parts(r) {
    var a = C.around(r.context, r.text, r.context_start);
    return { segs: C.segments(r.text, r.highlights), before: a && a.before, after: a && a.after };
  }
  function strings(r) {
    var p = parts(r), c = r.citation || {};
    var a = p.segs.map(function (x) { return x[0]; }).concat(c.section || [], [c.title || ""]);
    if (p.before != null) a.push(p.before, p.after);
    return a;
  }
  function shownResults(it) {
    return it.d && it.d.answered ? (it.d.results || []).slice(0, 3) : [];
  }
  // Convert every shown string to Simplified once (segment by segment, so highlight spans stay valid).
  function ensure(list) {
    if (st.script !== "hans") return Promise.resolve();
    var need = [];
    list.forEach(function (s) { if (s && cache[s] == null && need.indexOf(s) < 0) need.push(s); });
    var batches = [], cur = [], size = 0;
    need.forEach(function (s) { // the API takes at most 50 texts and 20000 characters a call
      if (cur.length >= 50 || size + s.length > 8000) { batches.push(cur); cur = []; size = 0; }
      cur.push(s);
      size += s.length;
    });
    if (cur.length) batches.push(cur);
    return Promise.all(batches.map(function (b) {
      return call("/api/v1/convert", { texts: b, to: "hans" }).then(function (d) {
        b.forEach(function (s, i) { cache[s] = d.texts && typeof d.texts[i] === "string" ? d.texts[i] : s; });
      });
    })).then(function () { return true; }, function () {
      // Never Traditional text under a selected 简体: show the original script and say why.
      st.script = "hant";
      st.convNote = true;
      labels();
      return false;
    });
  }

  C.defaults.headers["X-Youju-Channel"] = "widget"; // counted as a citizen's question in the query log
  function call(path, body) {
    return C.request(API + path, body, undefined, {});
  }
  function errText(e) {
    return C.errText(e, T[st.lang]);
  }

  function card(it, r, i) {
    var p = parts(r), c = r.citation || {}, box = el("article", "c");
    box.setAttribute("aria-label", (st.lang === "en" ? "Passage " : "出处 ") + (i + 1));
    var q = el("blockquote"), para = el("p"), zh = st.script === "hant" ? "zh-Hant" : "zh-CN";
    q.setAttribute("lang", zh);
    function fill(node) {
      C.appendSegments(node, p.segs, show);
    }
    fill(para);
    q.appendChild(para);
    box.appendChild(q);
    // 《title》 section › section · page (or paragraph); then short notes: OCR'd text, a newer edition.
    // (A heading that repeats the title, as a PDF's first heading often does, is left out.)
    var sec = (c.section || []).filter(function (x, i) { return i || x !== c.title; }).map(show).join(" › ");
    var ci = el("p", "ci");
    ci.appendChild(el("span", "", "《" + show(c.title || "") + "》" + (sec ? " " + sec : ""))).setAttribute("lang", zh);
    ci.appendChild(document.createTextNode(" · "));
    ci.appendChild(el("span", "pg", C.pageText(c, st.lang === "en") || t("para")(c.paragraph)));
    box.appendChild(ci);
    if (r.pinned) box.appendChild(el("span", "nt pin", t("pinned")));
    if (c.ocr) box.appendChild(el("span", "nt", t("ocr")));
    if (c.superseded_by) box.appendChild(el("span", "nt", t("old")));
    var ac = el("div", "ac"), key = r.passage_id, ctx = null;
    if (p.before != null && (p.before || p.after)) {
      var open = !!(it.ex && it.ex[key]), tg = el("button", "", t(open ? "less" : "more"));
      ctx = el("div", "ctx");
      ctx.setAttribute("lang", zh);
      tg.type = "button";
      tg.setAttribute("aria-expanded", String(open));
      ctx.id = "x" + it.n + "_" + i;
      tg.setAttribute("aria-controls", ctx.id);
      ctx.hidden = !open;
      ctx.appendChild(document.createTextNode(show(p.before)));
      var b = el("b");
      fill(b);
      ctx.appendChild(b);
      ctx.appendChild(document.createTextNode(show(p.after)));
      tg.addEventListener("click", function () {
        it.ex = it.ex || {};
        it.ex[key] = ctx.hidden;
        ctx.hidden = !ctx.hidden;
        tg.setAttribute("aria-expanded", String(!ctx.hidden));
        tg.textContent = t(ctx.hidden ? "more" : "less");
      });
      ac.appendChild(tg);
    }
    var fb = el("span", "fb");
    fb.setAttribute("role", "group");
    fb.setAttribute("aria-label", t("fbL"));
    if (it.fb && it.fb[key] != null) fb.appendChild(el("span", "ty", t("thanks")));
    else [["yes", true], ["no", false]].forEach(function (x) {
      var fbtn = el("button", "", t(x[0]));
      fbtn.type = "button";
      fbtn.addEventListener("click", function () {
        it.fb = it.fb || {};
        it.fb[key] = x[1];
        call("/api/v1/feedback", { query: it.q, passage_id: key, helpful: x[1] }).catch(function () {});
        var ty = el("span", "ty", t("thanks"));
        ty.tabIndex = -1;
        fb.replaceChildren(ty);
        ty.focus();
      });
      fb.appendChild(fbtn);
    });
    ac.appendChild(fb);
    box.appendChild(ac);
    if (ctx) box.appendChild(ctx);
    return box;
  }

  function draw(it) {
    var node = it.el;
    node.replaceChildren();
    var q = el("p", "q");
    q.appendChild(el("span", "sr", t("you")));
    q.appendChild(document.createTextNode(it.q));
    node.appendChild(q);
    if (it.d && it.d.query && it.d.query !== it.q) node.appendChild(el("p", "m", t("asF")(it.d.query)));
    if (it.convFailed) node.appendChild(el("p", "m", t("convF")));
    if (it.cut) node.appendChild(el("p", "m", t("cut")));
    if (it.st === "load") {
      node.appendChild(el("p", "m ld", t("load")));
      return;
    }
    if (it.st === "err") {
      var e = el("p", "e", errText(it.e));
      e.setAttribute("role", "alert");
      node.appendChild(e);
      if (!(it.e && it.e.status)) node.appendChild(hotline()); // the service cannot be reached at all
      return;
    }
    var rs = shownResults(it);
    if (!rs.length) {
      var n = el("div", "n");
      n.appendChild(el("p", "", t(it.d && it.d.reason === "not_a_question" ? "nq" : "none")));
      n.appendChild(hotline());
      node.appendChild(n);
      return;
    }
    node.appendChild(el("p", "m", t("found")(rs.length)));
    rs.forEach(function (r, i) { node.appendChild(card(it, r, i)); });
  }
  function hotline() {
    var h = el("p", "");
    h.appendChild(document.createTextNode(t("hot1")));
    var a = el("a", "", "12345");
    a.href = "tel:12345";
    h.appendChild(a);
    h.appendChild(document.createTextNode(t("hot2")));
    return h;
  }
  // Re-draw everything already shown (script or language change) without re-announcing it.
  function redraw() {
    labels();
    log.setAttribute("aria-live", "off");
    st.items.forEach(draw);
    setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 50);
  }

  var seq = 0, retryOf = null, MAX_Q = 500;
  function ask(q) {
    q = String(q || "").trim();
    if (!q || st.busy) return;
    if (!st.open) open();
    // The question before (as searched), so that 那2025年呢 is read as a follow-up by the service.
    var last = st.items.length ? st.items[st.items.length - 1] : null;
    var prev = last && last.st === "ok" && last.d ? last.d.query : null;
    // The service takes 500 characters: a longer question is cut, and the answer says so.
    var cut = q.length > MAX_Q;
    if (cut) q = q.slice(0, MAX_Q);
    var it = { q: q, st: "load", n: ++seq, el: el("section", "ex"), retried: !!retryOf, cut: cut };
    retryOf = null;
    st.items.push(it);
    if (st.items.length > 8) st.items.shift().el.remove();
    log.appendChild(it.el);
    draw(it);
    input.value = "";
    busy(true);
    call("/api/v1/search", Object.assign({ query: q, top_k: 3 }, prev ? { previous: prev } : {}, F))
      .then(function (d) {
        it.d = d;
        var all = [];
        shownResults(it).forEach(function (r) { all = all.concat(strings(r)); });
        return ensure(all);
      })
      .then(function (converted) { it.st = "ok"; it.convFailed = converted === false; }, function (e) {
        it.st = "err";
        it.e = e;
        if (!input.value) input.value = q; // an error never loses the question
        // Too many questions at once: ask again by itself once the service says it may.
        if (e && e.status === 429 && !it.retried) {
          var wait = (e.retry > 0 ? e.retry : 30) * 1000;
          setTimeout(function () {
            if (input.value === q && !st.busy) { input.value = ""; retryOf = it; ask(q); }
          }, wait);
        }
      })
      .then(function () {
        busy(false);
        draw(it);
        log.scrollTop = it.el.offsetTop - log.offsetTop - 8;
      });
  }
  function busy(b) {
    st.busy = b;
    sendB.disabled = b;
    log.setAttribute("aria-busy", String(b));
  }
  function setScript(s) {
    if (s === st.script) return;
    st.script = s;
    var all = [];
    st.items.forEach(function (it) { shownResults(it).forEach(function (r) { all = all.concat(strings(r)); }); });
    ensure(all).then(redraw);
    labels();
  }

  function open(q, quiet) {
    st.open = true;
    panel.hidden = false;
    w.classList.add("o");
    launch.setAttribute("aria-expanded", "true");
    if (!quiet) input.focus();
    if (q) ask(q);
  }
  function close() {
    if (!st.open) return;
    st.open = false;
    panel.hidden = true;
    w.classList.remove("o");
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }

  launch.addEventListener("click", function () { st.open ? close() : open(); });
  $(".x").addEventListener("click", close);
  $(".lg").addEventListener("click", function () { st.lang = st.lang === "en" ? "zh" : "en"; redraw(); });
  w.querySelectorAll(".seg .tb").forEach(function (b) {
    b.addEventListener("click", function () { setScript(b.dataset.s); });
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    ask(input.value);
  });
  // The answers sit above the question box, so in document order Tab from the send button would leave the
  // widget. After an answer, Tab from the send button moves forward into the newest answer's controls (show
  // more, helpful, 12345…); Tab from its last control comes back to the question box, which follows the log.
  function newestControls() {
    var items = log.querySelectorAll("section.ex");
    if (!items.length) return [];
    return Array.prototype.filter.call(
      items[items.length - 1].querySelectorAll("button, a[href], [tabindex='0']"),
      function (x) { return !x.disabled && x.getClientRects().length; }
    );
  }
  w.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && st.open) {
      e.stopPropagation();
      close();
      return;
    }
    if (e.key === "Tab" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && root.activeElement === sendB) {
      var c = newestControls();
      if (c.length) {
        e.preventDefault();
        c[0].focus();
      }
    }
  });
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest && e.target.closest("[data-youju-question]");
    if (!a) return;
    e.preventDefault();
    open(a.getAttribute("data-youju-question"));
  });

  labels();
  if (D.question) input.value = D.question;
  (document.body || document.documentElement).appendChild(host);
  window.youju = { version: "1", open: function (q) { open(q); }, close: close };
  var urlQ = new URLSearchParams(location.search).get("youju_q");
  if (urlQ) open(urlQ.slice(0, 500), true); // at page load: do not steal focus
  else if (D.open === "true") open(null, true);
})(youjuCommon);
