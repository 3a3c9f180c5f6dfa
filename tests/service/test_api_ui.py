"""Pages and assets, staff authentication, CORS and security headers."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from service.middleware import CSP
from service.ui import STATIC_DIR
from tests.service.helpers import STAFF_KEY, LiveServer, ServeFn, assert_error

ORIGIN = "https://www.example.gov.cn"


def basic(password: str, user: str = "anyone") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_pages_and_assets(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "有据 demo" in page.text
    js = client.get("/widget.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("application/javascript")
    assert "max-age" in js.headers["cache-control"] and "public" in js.headers["cache-control"]
    assert js.headers.get("etag") or js.headers.get("last-modified")
    assert client.head("/widget.js").status_code == 200
    css = client.get("/static/demo.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_error(client.get("/static/nothing.js"), 404, "not_found")
    for sneaky in ("/static/..%2F..%2Fpyproject.toml", "/static/%2e%2e/secret", "/static/.hidden"):
        assert client.get(sneaky).status_code == 404
    for odd in ("/static/%00", "/static/demo.css%00.js", "/static/%01x"):  # a NUL byte was a 500
        assert_error(client.get(odd), 404, "not_found")
    assert client.get("/console").status_code == 200  # open when no staff key is set


def test_security_headers_without_cors(client: httpx.Client) -> None:
    for path in ("/", "/widget.js", "/console", "/static/demo.css", "/docs"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert csp.startswith(CSP + "; frame-ancestors "), path
        assert "script-src 'self';" in csp and "'unsafe-eval'" not in csp and "default-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
    for path in ("/", "/widget.js", "/console", "/static/demo.css"):
        assert client.get(path).headers["content-security-policy"].endswith("frame-ancestors 'self'"), path
    assert client.get("/docs").headers["content-security-policy"].endswith("frame-ancestors 'none'")
    api = client.post("/api/v1/search", json={"query": "森林"})
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["content-security-policy"] == CSP + "; frame-ancestors 'none'"
    assert api.headers["cache-control"] == "no-store"
    err = client.get("/nowhere")
    assert err.headers["x-content-type-options"] == "nosniff"
    # Same origin only: no CORS headers, and a preflight is just a method the API does not have.
    r = client.post("/api/v1/search", json={"query": "森林"}, headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options("/api/v1/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert_error(pre, 405, "method_not_allowed")
    assert "access-control-allow-origin" not in pre.headers


def test_console_is_framed_only_by_staff_origins(serve: ServeFn) -> None:
    crm = "https://crm.12345.example.gov.cn"
    with serve(cors_origins=[ORIGIN], staff_origins=[crm]).client() as c:
        assert c.get("/console").headers["content-security-policy"] == f"{CSP}; frame-ancestors 'self' {crm}"
        assert c.get("/").headers["content-security-policy"] == f"{CSP}; frame-ancestors 'self' {ORIGIN}"


def test_api_docs_are_served_from_this_origin(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN, no absolute URL
    assert "<script>" not in page.text  # scripts come from files (CSP script-src 'self')
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "start.js"):
        r = client.get(f"/docs/assets/{asset}")
        assert r.status_code == 200 and len(r.content) > 50, asset
    assert_error(client.get("/docs/assets/index.html"), 404, "not_found")
    assert_error(client.get("/docs/assets/..%2F..%2F__init__.py"), 404, "not_found")
    assert client.get("/redoc").status_code == 404


def test_cors_and_frame_ancestors_for_allowed_origins(serve: ServeFn) -> None:
    live = serve(cors_origins=[ORIGIN, "http://localhost:5173"])
    with live.client() as c:
        page = c.get("/")
        widget_frame = f"frame-ancestors 'self' {ORIGIN} http://localhost:5173"
        assert page.headers["content-security-policy"] == f"{CSP}; {widget_frame}"
        # The citizens' sites may frame the widget, never the staff console.
        for staff_page in ("/console", "/static/console.js"):
            assert c.get(staff_page).headers["content-security-policy"] == f"{CSP}; frame-ancestors 'self'"
        pre = c.options(
            "/api/v1/search",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in pre.headers["access-control-allow-methods"]
        r = c.post("/api/v1/search", json={"query": "森林"}, headers={"Origin": ORIGIN})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
        # Errors carry CORS headers too, so the widget can read them.
        e = c.post("/api/v1/search", json={"query": ""}, headers={"Origin": ORIGIN})
        assert_error(e, 400, "invalid_query")
        assert e.headers["access-control-allow-origin"] == ORIGIN
        evil = "https://evil.example.com"
        r = c.post("/api/v1/search", json={"query": "森林"}, headers={"Origin": evil})
        assert "access-control-allow-origin" not in r.headers
        bad = c.options("/api/v1/search", headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
        assert_error(bad, 400, "cors_rejected")


@pytest.fixture
def staff_live(serve: ServeFn) -> LiveServer:
    return serve(staff_key=STAFF_KEY)


@pytest.mark.parametrize("path", ["/console", "/static/console.js", "/api/v1/staff/status", "/api/v1/staff/feedback"])
def test_staff_auth(staff_live: LiveServer, path: str) -> None:
    with staff_live.client() as c:
        r = c.get(path)
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"].startswith("Basic")
        assert_error(c.get(path, headers=basic("wrong-password-123456")), 401, "unauthorized")
        assert_error(c.get(path, headers={"Authorization": "Bearer wrong-password-123456"}), 401, "unauthorized")
        assert_error(c.get(path, headers={"Authorization": "Basic !!!notbase64"}), 401, "unauthorized")
        assert c.get(path, headers=basic(STAFF_KEY)).status_code == 200
        assert c.get(path, headers=basic(STAFF_KEY, user="")).status_code == 200
        assert c.get(path, headers={"Authorization": f"Bearer {STAFF_KEY}"}).status_code == 200


def test_citizen_endpoints_stay_public_with_a_staff_key(staff_live: LiveServer) -> None:
    with staff_live.client() as c:
        assert c.get("/").status_code == 200
        assert c.get("/widget.js").status_code == 200
        assert c.get("/static/demo.css").status_code == 200
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200
        assert c.get("/api/v1/documents").status_code == 200
        assert c.post("/api/v1/convert", json={"texts": ["森林"], "to": "hant"}).status_code == 200
        status = c.get("/api/v1/staff/status", headers=basic(STAFF_KEY)).json()
        assert status["ready"] is True and status["index"]["passages"] > 0


@pytest.mark.skipif(not STATIC_DIR.is_dir(), reason="service/static not written yet")
def test_shipped_static_files_are_served(serve: ServeFn) -> None:
    live = serve(static=STATIC_DIR, ready=False)
    routes = {"demo.html": "/", "console.html": "/console"}  # /widget.js: test_widget_js_includes_common_js_once
    with live.client() as c:
        for f in sorted(STATIC_DIR.iterdir()):
            if not f.is_file() or f.name.startswith("."):
                continue
            for path in (routes.get(f.name), f"/static/{f.name}"):
                if path is None:
                    continue
                r = c.get(path)
                assert r.status_code == 200, path
                assert r.content == f.read_bytes()
                if f.suffix == ".js":
                    assert r.headers["content-type"].startswith("application/javascript")


# ------------------------------------------------------------------ common.js, shared by widget and console


def test_widget_js_includes_common_js_once(serve: ServeFn) -> None:
    """/widget.js is common.js and widget.js in one function: one script tag, the helpers in scope."""
    common = (STATIC_DIR / "common.js").read_text(encoding="utf-8")
    widget = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    banner, body = widget.split("*/", 1)
    live = serve(static=STATIC_DIR, ready=False, staff_key=STAFF_KEY)
    with live.client() as c:
        r = c.get("/widget.js")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/javascript; charset=utf-8"
        assert r.headers["cache-control"] == "public, max-age=600, stale-while-revalidate=86400"
        assert r.headers["etag"] and r.headers["last-modified"]
        text = r.text
        assert text.count(common) == 1 and text.count(body.strip()) == 1
        assert text.count("var youjuCommon = (function") == 1  # defined once, by common.js only
        assert "function units(" not in widget and "function el(" not in widget  # no second copy
        # The widget's banner first, then everything inside one function (no global but window.youju).
        assert text.startswith(banner + "*/\n(function () {\n" + common)
        assert text.endswith("})(youjuCommon);\n})();\n")
        again = c.get("/widget.js")
        assert again.content == r.content and again.headers["etag"] == r.headers["etag"]
        head = c.head("/widget.js")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(r.content)) and head.headers["etag"] == r.headers["etag"]


def test_common_js_is_public_while_console_assets_need_the_staff_key(serve: ServeFn) -> None:
    live = serve(static=STATIC_DIR, ready=False, staff_key=STAFF_KEY)
    with live.client() as c:
        r = c.get("/static/common.js")  # the widget's helpers: public, cached like the widget
        assert r.status_code == 200 and r.content == (STATIC_DIR / "common.js").read_bytes()
        assert r.headers["content-type"].startswith("application/javascript")
        assert "public" in r.headers["cache-control"]
        assert_error(c.get("/static/console.js"), 401, "unauthorized")
        page = c.get("/console", headers=basic(STAFF_KEY)).text
        # The console loads the shared helpers first (deferred scripts run in document order).
        assert 0 < page.index('src="/static/common.js"') < page.index('src="/static/console.js"')


def test_widget_js_without_common_js_is_widget_js_alone(client: httpx.Client, static_dir: Path) -> None:
    assert not (static_dir / "common.js").exists()
    assert client.get("/widget.js").content == (static_dir / "widget.js").read_bytes()


def test_widget_js_is_built_once_per_app_from_its_own_folder(serve: ServeFn, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for d, name in ((one, "one"), (two, "two")):
        d.mkdir()
        (d / "common.js").write_text(f"var youjuCommon = {{{name}: 1}};\n", encoding="utf-8")
        (d / "widget.js").write_text(f"/*! widget {name} */\n(function (C) {{ window.youju = C; }})(youjuCommon);\n")
    first, second = serve(static=one, ready=False), serve(static=two, ready=False)
    with first.client() as c1, second.client() as c2:
        expected = "/*! widget one */\n(function () {\nvar youjuCommon = {one: 1};\n\n"
        expected += "(function (C) { window.youju = C; })(youjuCommon);\n})();\n"
        assert c1.get("/widget.js").text == expected
        assert "{two: 1}" in c2.get("/widget.js").text
        (one / "widget.js").write_text("/* changed */", encoding="utf-8")
        assert c1.get("/widget.js").text == expected  # built at the first request, then kept in memory
