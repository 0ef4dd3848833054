import io
import json
import logging
import sys

import pytest
from fastapi.testclient import TestClient

from codeflix.observability import (
    JsonFormatter,
    configure_logging,
    domain_counter,
    get_correlation_id,
)
from codeflix.web import service_app


def make_app(ready: bool = True):
    async def database() -> None:
        if not ready:
            raise ConnectionError("database is down")

    app = service_app("demo", title="demo", readiness_checks={"database": database})
    seen: list[str | None] = []

    @app.get("/work")
    def work() -> dict:
        seen.append(get_correlation_id())
        logging.getLogger("demo").info("did work", extra={"video_id": "v1"})
        return {}

    return app, seen


def test_healthz_and_readyz():
    app, _ = make_app()
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok", "service": "demo"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}


def test_readyz_reports_a_failed_dependency_with_503():
    app, _ = make_app(ready=False)
    r = TestClient(app).get("/readyz")
    assert r.status_code == 503
    assert "database is down" in r.json()["checks"]["database"]


def test_correlation_id_is_carried_from_request_to_logs_and_response():
    app, seen = make_app()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("demo").addHandler(handler)
    logging.getLogger("demo").setLevel(logging.INFO)
    try:
        r = TestClient(app).get("/work", headers={"X-Correlation-ID": "abc-123"})
    finally:
        logging.getLogger("demo").removeHandler(handler)
    assert r.headers["x-correlation-id"] == "abc-123"
    assert seen == ["abc-123"]
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["correlation_id"] == "abc-123"
    assert line["message"] == "did work" and line["video_id"] == "v1"


def test_a_request_without_correlation_id_gets_one():
    app, _ = make_app()
    r = TestClient(app).get("/work")
    assert len(r.headers["x-correlation-id"]) == 32


def test_metrics_expose_http_and_domain_metrics():
    counter = domain_counter("unit_test_events_total", "events seen by a unit test", ("kind",))
    counter.labels(kind="demo").inc()
    assert domain_counter("unit_test_events_total", "again") is counter
    app, _ = make_app()
    client = TestClient(app)
    client.get("/work")
    body = client.get("/metrics").text
    assert "codeflix_unit_test_events_total" in body
    assert "codeflix_demo_http_requests_total" in body


def test_two_apps_of_one_service_in_one_process_do_not_clash():
    first, _ = make_app()
    second, _ = make_app()
    assert TestClient(first).get("/metrics").status_code == 200
    assert TestClient(second).get("/metrics").status_code == 200


def test_logs_follow_stdout_when_it_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run in-process (CliRunner) swaps stdout and closes it; logging must not break."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # put back when the test ends
    monkeypatch.setattr(root, "level", root.level)
    first = io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    configure_logging("INFO", json_lines=False)
    logging.getLogger("codeflix.test").info("to the first")
    assert "to the first" in first.getvalue()
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stdout", second)
    logging.getLogger("codeflix.test").info("to the second")
    assert "to the second" in second.getvalue()
