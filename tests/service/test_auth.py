"""Staff and admin credentials: what is accepted, what is refused, and how."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from service.auth import basic_password, bearer_token, check_admin, check_staff
from service.errors import ApiError

KEY = SecretStr("staff-3f7c9a1e5b2d4c8f")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc" and bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Bearer ") is None and bearer_token("Basic abc") is None and bearer_token(None) is None
    assert basic_password(basic("anyone", "p:w")) == "p:w"
    assert basic_password("Basic !!!") is None
    assert basic_password("Basic " + base64.b64encode(b"nocolon").decode()) is None


def test_staff_key_by_basic_with_any_user_or_bearer() -> None:
    check_staff(basic("hotline-7", KEY.get_secret_value()), KEY)
    check_staff(f"Bearer {KEY.get_secret_value()}", KEY)
    check_staff(None, None)  # no key configured: open
    for wrong in (None, "Bearer nope", basic("x", "nope"), KEY.get_secret_value()):
        with pytest.raises(ApiError) as e:
            check_staff(wrong, KEY)
        assert e.value.status == 401 and e.value.headers["WWW-Authenticate"].startswith("Basic")


def test_admin_is_bearer_only_and_disabled_without_a_key() -> None:
    admin = SecretStr("admin-9b2e6d4a1c7f3e5b")
    check_admin(f"Bearer {admin.get_secret_value()}", admin)
    with pytest.raises(ApiError) as e:
        check_admin(basic("x", admin.get_secret_value()), admin)
    assert e.value.status == 401
    with pytest.raises(ApiError) as e:
        check_admin(f"Bearer {admin.get_secret_value()}", None)
    assert e.value.status == 404
