"""Schemathesis over every operation of the OpenAPI schema (public, staff, admin, Dify), against a running
service with every credential configured: no 5xx, every status documented, every body matching its schema.

A bounded run (``MAX_EXAMPLES`` per operation, seeded) so that it fits in CI; the mutating operations
(uploads, dictionaries, pins, reload) run against a private copy of the corpus and index.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from tests.helpers import REPORT_DIR, build_hash_index
from tests.service.helpers import STAFF_KEY, LiveServer, hash_factory, make_settings

ADMIN_KEY = "admin-key-for-the-schema-run-0123456789"
DIFY_KEY = "dify-key-for-the-schema-run-0123456789"
MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("schema")
    shutil.copytree(REPORT_DIR, root / "corpus")
    build_hash_index(root / "corpus", root / "index")
    s = make_settings(
        root,
        root / "index",
        corpus_dir=root / "corpus",
        staff_key=STAFF_KEY,
        admin_key=ADMIN_KEY,
        dify_api_key=DIFY_KEY,
    )
    server = LiveServer(create_app(s, hash_factory)).start()
    server.wait_ready()
    yield server
    server.stop()


def credentials(path: str) -> dict[str, str]:
    if path.startswith("/api/v1/admin"):
        return {"Authorization": f"Bearer {ADMIN_KEY}"}
    if path.startswith("/api/v1/dify"):
        return {"Authorization": f"Bearer {DIFY_KEY}"}
    return {"Authorization": f"Bearer {STAFF_KEY}"}  # staff routes need it; public ones ignore its limits


def fuzz(op: Any, base_url: str, calls: dict[str, int]) -> Callable[[], None]:
    """A Hypothesis test of one operation: generated requests, the checks on every answer."""
    label = f"{op.method.upper()} {op.path}"

    @given(case=op.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        calls[label] = calls.get(label, 0) + 1
        case.call_and_validate(base_url=base_url, headers=credentials(case.path), checks=CHECKS, timeout=30)

    return run


def test_every_operation_answers_as_documented(live: LiveServer) -> None:
    api = schemathesis.openapi.from_url(live.url + "/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 25
    failures: list[str] = []
    calls: dict[str, int] = {}
    for op in operations:
        try:
            fuzz(op, live.url, calls)()
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - every operation is tried; failures listed together
            failures.append(f"{op.method.upper()} {op.path}: {type(e).__name__}: {str(e)[:700]}")
    assert not failures, "\n\n".join(failures)
    assert sum(calls.values()) >= 5 * len(operations)
