/* 有据 youju: helpers of the widget and the console. The console loads it (one global: youjuCommon); the
 * server puts it in /widget.js, inside one function with the widget (no global on host pages). */
var youjuCommon = (function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // Offsets from the server count code points; JS strings count UTF-16 units.
  function units(s) {
    if (!/[\uD800-\uDBFF]/.test(s)) return function (i) { return i; };
    var m = [], i = 0;
    for (var ch of s) { m.push(i); i += ch.length; }
    m.push(i);
    return function (k) { return m[Math.min(Math.max(k, 0), m.length - 1)]; };
  }
  // text as [[piece, highlighted?], ...] from the API's highlights ([{start, end}], code points).
  function segments(text, highlights) {
    var u = units(text), out = [], at = 0;
    (highlights || []).slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (h) {
      var s = Math.max(u(h.start), at), e = Math.min(u(h.end), text.length);
      if (e <= s) return;
      if (s > at) out.push([text.slice(at, s), 0]);
      out.push([text.slice(s, e), 1]);
      at = e;
    });
    if (at < text.length) out.push([text.slice(at), 0]);
    return out;
  }
  // Append them to node (highlighted ones in <mark>), each piece through map if given.
  function appendSegments(node, segs, map) {
    segs.forEach(function (x) {
      var s = map ? map(x[0]) : x[0];
      node.appendChild(x[1] ? el("mark", "", s) : document.createTextNode(s));
    });
    return node;
  }
  // The paragraph's text before and after the passage at code point start, or null if it is not there.
  function around(context, text, start) {
    if (!context) return null;
    var s = units(context)(start || 0);
    if (context.substr(s, text.length) !== text) return null;
    return { before: context.slice(0, s), after: context.slice(s + text.length) };
  }

  // A citation's pages, "" for documents without pages: 第3页, 第3–4页, 第5页（页码3） when the number printed
  // on the page differs, 第5–6页（页码3起） (en: p. 3, pp. 3–4, p. 5 (printed 3), pp. 5–6 (printed from 3)).
  function pageText(c, en) {
    if (!c || c.page == null) return "";
    var a = c.page, b = c.page_end > a ? c.page_end : a, r = a + (b > a ? "–" + b : "");
    var p = c.printed_page != null && String(c.printed_page) !== String(a) ? String(c.printed_page) : "";
    if (en) return (b > a ? "pp. " : "p. ") + r + (p ? " (printed " + (b > a ? "from " : "") + p + ")" : "");
    return "第" + r + "页" + (p ? "（页码" + p + (b > a ? "起" : "") + "）" : "");
  }

  // GET url, or POST body as JSON (a Blob: its bytes, with its type); method: another verb (PUT, DELETE).
  // The JSON answer ({} for 204; fallback, if given, when it is not JSON).
  // Errors: .status, .code, .message from {"error": {code, message}}, .retry (Retry-After); network: no .status.
  // defaults.headers go with every request (the widget and the console name themselves: X-Youju-Channel).
  var defaults = { headers: {} };
  function request(url, body, signal, fallback, method) {
    var opt = { signal: signal, headers: Object.assign({}, defaults.headers),
      method: method || (body != null ? "POST" : "GET") };
    if (body instanceof Blob) {
      opt.headers["Content-Type"] = body.type || "application/octet-stream";
      opt.body = body;
    } else if (body != null) {
      opt.headers["Content-Type"] = "application/json";
      opt.body = JSON.stringify(body);
    }
    return fetch(url, opt).then(function (r) {
      if (r.ok) {
        if (r.status === 204) return {};
        return r.json().catch(function (e) {
          if (fallback === undefined) throw e;
          return fallback;
        });
      }
      return r.json().catch(function () { return {}; }).then(function (j) {
        var err = (j && j.error) || {};
        var e = new Error(err.message || "HTTP " + r.status);
        e.status = r.status;
        e.code = err.code;
        e.retry = parseInt(r.headers.get("Retry-After") || "", 10);
        throw e;
      });
    });
  }
  // The message for a failed request from texts {net, wait, long, bad, busy, auth, err} (default err): a
  // string, or a function of the seconds to wait (wait) or of the error code (the others).
  function errText(e, texts) {
    var s = e && e.status, k;
    if (!s) k = "net";
    else if (s === 429) k = "wait";
    else if (s === 413) k = "long";
    else if (s === 400 || s === 422) k = "bad";
    else if (s === 503) k = "busy";
    else if (s === 401) k = "auth";
    else k = "err";
    var m = texts[k] != null ? texts[k] : texts.err;
    if (typeof m !== "function") return m;
    return m(k === "wait" ? (e.retry > 0 ? e.retry : 30) : e.code || s);
  }

  return {
    el: el, units: units, segments: segments, appendSegments: appendSegments, around: around,
    pageText: pageText, request: request, errText: errText, defaults: defaults
  };
})();
