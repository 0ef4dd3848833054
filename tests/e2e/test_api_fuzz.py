"""Fuzz every operation of the gateway's merged OpenAPI against a running ``codeflix up``.

schemathesis generates requests from each operation's schema (valid and invalid ones) and
sends them as a signed-in admin. Whatever it sends, no answer is a 5xx, and every error of the
public API is an RFC 9457 problem document.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.e2e.conftest import Platform, free_port
from tests.e2e.test_identity_up import PASSWORD, codeflix

EXAMPLES_PER_OPERATION = 25
PROTOCOL_REFUSAL = b"Invalid HTTP request received."


@pytest.fixture(scope="module")
def fuzzed_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    platform = Platform(tmp_path_factory.mktemp("fuzz"), free_port())
    platform.start()
    try:
        yield platform
    finally:
        code, out = platform.stop()
        assert code == 0, out[-3000:]


@pytest.fixture(scope="module")
def admin_headers(
    fuzzed_platform: Platform, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], dict[str, str]]:
    """Headers of a signed-in admin; the token is renewed before its 5 minutes are up."""
    config = tmp_path_factory.mktemp("config")
    created = codeflix(
        fuzzed_platform, config, "users", "create", "--email", "fuzz@example.com",
        "--password", PASSWORD, "--role", "admin",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    token_url = f"{fuzzed_platform.url}/realms/codeflix/protocol/openid-connect/token"
    current: dict[str, object] = {"token": "", "at": 0.0}

    def headers() -> dict[str, str]:
        if time.monotonic() - float(current["at"]) > 120:  # type: ignore[arg-type]
            answer = httpx.post(
                token_url,
                data={
                    "grant_type": "password",
                    "client_id": "codeflix-cli",
                    "username": "fuzz@example.com",
                    "password": PASSWORD,
                },
            )
            answer.raise_for_status()
            current.update(token=answer.json()["access_token"], at=time.monotonic())
        return {"Authorization": f"Bearer {current['token']}"}

    return headers


def test_the_merged_document_lists_every_service(fuzzed_platform: Platform) -> None:
    paths = httpx.get(f"{fuzzed_platform.url}/openapi.json").json()["paths"]
    for path in ("/api/v1/videos", "/api/v1/plans", "/api/v1/accounts", "/api/v1/search"):
        assert path in paths


def is_event_stream(operation: dict[str, Any]) -> bool:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return "text/event-stream" in content


def check_answer(case: schemathesis.Case, response: Any) -> str | None:
    """What is wrong with the answer to ``case``, or None."""
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    if response.status_code >= 500:
        return f"{where}: {response.text[:300]}"
    if response.status_code == 400 and response.content == PROTOCOL_REFUSAL:
        # The HTTP server refused a request line that is not HTTP (raw non-ASCII bytes in the
        # path) before any application saw it; there is no API answer to check.
        return None
    if response.status_code >= 400 and case.formatted_path.startswith("/api/") and response.content:
        content_type = (response.headers.get("content-type") or [""])[0]
        if not content_type.startswith("application/problem+json"):
            return f"{where}: {content_type} is not a problem document"
        problem = response.json()
        if problem.get("status") != response.status_code or not problem.get("title"):
            return f"{where}: malformed problem {problem}"
    return None


def test_no_request_gets_a_server_error_and_every_error_is_a_problem(
    fuzzed_platform: Platform, admin_headers: Callable[[], dict[str, str]]
) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_platform.url}/openapi.json")
    # A Server-Sent Events stream answers a valid request with a response that never ends
    # (a keep-alive every 15 s outlives any read timeout); its careless and hostile requests
    # are tested in tests/integration/catalog/test_live_events.py.
    operations = [
        op for op in (result.ok() for result in schema.get_all_operations())
        if not is_event_stream(op.definition.raw)
    ]  # fmt: skip
    assert len(operations) >= 30
    failures: list[str] = []
    calls = 0
    for operation in operations:
        strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
        with contextlib.suppress(Exception):  # some operations have no invalid form
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=st.one_of(*strategies))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=fuzzed_platform.url, headers=admin_headers(), timeout=60)
            problem = check_answer(case, response)
            if problem is not None:
                failures.append(problem)

        fuzz()
    print(f"fuzzed {len(operations)} operations with {calls} requests: {len(failures)} failures")
    assert failures == [], "\n".join(failures)
