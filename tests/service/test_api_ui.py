"""Pages and assets, staff authentication, CORS and security headers."""

from __future__ import annotations

import base64

import httpx
import pytest

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
    assert client.get("/console").status_code == 200  # open when no staff key is set


def test_security_headers_without_cors(client: httpx.Client) -> None:
    for path in ("/", "/widget.js", "/console", "/static/demo.css"):
        r = client.get(path)
        assert r.headers["content-security-policy"] == "frame-ancestors 'self'"
        assert r.headers["x-content-type-options"] == "nosniff"
    api = client.post("/api/v1/search", json={"query": "森林"})
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert api.headers["cache-control"] == "no-store"
    err = client.get("/nowhere")
    assert err.headers["x-content-type-options"] == "nosniff"
    # Same origin only: no CORS headers, and a preflight is just a method the API does not have.
    r = client.post("/api/v1/search", json={"query": "森林"}, headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options("/api/v1/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert_error(pre, 405, "method_not_allowed")
    assert "access-control-allow-origin" not in pre.headers


def test_cors_and_frame_ancestors_for_allowed_origins(serve: ServeFn) -> None:
    live = serve(cors_origins=[ORIGIN, "http://localhost:5173"])
    with live.client() as c:
        page = c.get("/")
        assert page.headers["content-security-policy"] == f"frame-ancestors 'self' {ORIGIN} http://localhost:5173"
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
    routes = {"demo.html": "/", "widget.js": "/widget.js", "console.html": "/console"}
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
