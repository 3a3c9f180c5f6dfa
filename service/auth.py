"""Credentials: the staff key (HTTP Basic with any user name, or Bearer), the admin key and the metrics key
(Bearer), compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hmac

from pydantic import SecretStr

from service.errors import ApiError


def _same(given: str, expected: SecretStr) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.get_secret_value().encode("utf-8"))


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def basic_password(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return password if sep else None


def check_staff(authorization: str | None, staff_key: SecretStr | None) -> None:
    """Staff pages and APIs: HTTP Basic (any user name, password = staff key) or Bearer staff key."""
    if staff_key is None:
        return
    for given in (bearer_token(authorization), basic_password(authorization)):
        if given is not None and _same(given, staff_key):
            return
    raise ApiError(
        401,
        "unauthorized",
        "staff credentials required",
        {"WWW-Authenticate": 'Basic realm="youju staff", charset="UTF-8"'},
    )


def check_admin(authorization: str | None, admin_key: SecretStr | None) -> None:
    if admin_key is None:
        raise ApiError(404, "not_found", "admin endpoints are disabled (YOUJU_ADMIN_KEY is not set)")
    given = bearer_token(authorization)
    if given is None or not _same(given, admin_key):
        raise ApiError(401, "unauthorized", "admin token required", {"WWW-Authenticate": 'Bearer realm="youju admin"'})


def check_metrics(authorization: str | None, metrics_key: SecretStr | None) -> None:
    """/metrics: open when no metrics key is set, else Bearer metrics key (Prometheus ``authorization``)."""
    if metrics_key is None:
        return
    given = bearer_token(authorization)
    if given is None or not _same(given, metrics_key):
        raise ApiError(
            401, "unauthorized", "metrics token required", {"WWW-Authenticate": 'Bearer realm="youju metrics"'}
        )
