"""The standalone worker's /healthz, /readyz and /metrics (in-process; the real port and broker
are tests/integration/encoder/test_encoder_endpoint.py)."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from actors.encoder_endpoint import create_app, ray_check, ray_endpoint
from actors.encoder_runtime import endpoint
from actors.encoder_settings import get_settings
from codeflix.bus import InMemoryBus
from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.storage import ObjectStore
from entrypoints.cli import app as cli
from tests.contracts.bus import Recorder, eventually
from tests.unit.encoder.test_encoder_worker import FakeEncodeRunner, upload, worker


async def ready() -> None:
    pass


async def broker_down() -> None:
    raise ConnectionError("not connected to RabbitMQ")


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://worker")


def sample(metrics: str, name: str) -> float:
    """The value of one sample of a Prometheus text page (0 when it is not there yet)."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    return float(found[1]) if found else 0.0


async def test_alive_and_ready_when_every_check_passes() -> None:
    app = create_app(readiness_checks={"broker": ready, "ray": ready}, jobs_running=lambda: 0)
    async with client(app) as http:
        alive = await http.get("/healthz")
        readiness = await http.get("/readyz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok", "service": "encoder"}
    assert readiness.status_code == 200
    assert readiness.json()["checks"] == {"broker": "ok", "ray": "ok"}


async def test_not_ready_names_the_failing_dependency_and_stays_alive() -> None:
    app = create_app(readiness_checks={"broker": broker_down, "ray": ready}, jobs_running=lambda: 0)
    async with client(app) as http:
        alive = await http.get("/healthz")
        readiness = await http.get("/readyz")
    assert alive.status_code == 200
    assert readiness.status_code == 503
    checks = readiness.json()["checks"]
    assert checks["ray"] == "ok"
    assert checks["broker"] == "error: ConnectionError: not connected to RabbitMQ"


async def test_metrics_count_jobs_started_completed_and_in_flight(
    bus: InMemoryBus, store: ObjectStore
) -> None:
    runner = FakeEncodeRunner()
    runner.gate = threading.Event()
    encoder = worker(bus, store, runner)
    outcomes = Recorder()
    await bus.subscribe("test.encoding", ["video.encoding.completed"], outcomes)
    await encoder.start()
    app = create_app(readiness_checks={}, jobs_running=lambda: encoder.jobs_running)
    async with client(app) as http:
        before = (await http.get("/metrics")).text
        await bus.publish(upload())
        await eventually(lambda: runner.running == 1)
        during = await http.get("/metrics")
        runner.gate.set()
        await eventually(lambda: len(outcomes.seen) == 1)
        after = (await http.get("/metrics")).text
    assert during.status_code == 200
    assert during.headers["content-type"].startswith("text/plain")
    assert sample(during.text, "codeflix_encoder_jobs_running") == 1
    assert sample(after, "codeflix_encoder_jobs_running") == 0
    started = "codeflix_encoder_jobs_started_total"
    completed = 'codeflix_encoder_jobs_total{outcome="completed"}'
    assert sample(after, started) - sample(before, started) == 1
    assert sample(after, completed) - sample(before, completed) == 1


def test_two_apps_in_one_process_each_serve_their_own_worker() -> None:
    # The in-flight gauge is per app: building a second one (tests, a restarted worker in the
    # same process) registers nothing twice.
    create_app(readiness_checks={}, jobs_running=lambda: 1)
    create_app(readiness_checks={}, jobs_running=lambda: 2)


@pytest.mark.parametrize(
    ("address", "endpoint"),
    [
        ("encoder-head-svc:6379", ("encoder-head-svc", 6379)),
        ("ray-head:6379", ("ray-head", 6379)),
        ("ray-head", ("ray-head", 6379)),
        ("ray://ray-head:10001", ("ray-head", 10001)),
        ("ray://ray-head", ("ray-head", 10001)),
        ("[::1]:6380", ("::1", 6380)),
    ],
)
def test_the_ray_address_names_the_head_to_reach(address: str, endpoint: tuple[str, int]) -> None:
    assert ray_endpoint(address) == endpoint


@pytest.mark.parametrize("address", ["ray-head:gcs", ":6379", "ray://"])
async def test_a_ray_address_without_a_host_makes_the_worker_not_ready(address: str) -> None:
    check = ray_check(address)
    assert check is not None
    with pytest.raises(ValueError, match="is not host:port"):
        await check()


@pytest.mark.parametrize("address", [None, "", "local", "auto"])
def test_a_local_ray_has_no_head_to_check(address: str | None) -> None:
    assert ray_check(address) is None


def test_a_port_in_use_is_one_readable_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.create_server(("0.0.0.0", 0)) as taken:
        port = taken.getsockname()[1]
        monkeypatch.setenv("CODEFLIX_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
        monkeypatch.setenv("CODEFLIX_ENCODER_METRICS_PORT", str(port))
        monkeypatch.setenv("CODEFLIX_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("CODEFLIX_LOG_JSON", "false")
        result = CliRunner().invoke(cli, ["worker", "encoder"])
    assert result.exit_code == 1, result.output
    assert f"cannot serve /healthz, /readyz and /metrics on 0.0.0.0:{port}" in result.output
    assert "CODEFLIX_ENCODER_METRICS_PORT" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["-1", "65536", "http"])
def test_a_nonsense_port_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CODEFLIX_ENCODER_METRICS_PORT", value)
    result = CliRunner().invoke(cli, ["worker", "encoder"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_no_port_no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # `codeflix up` and the tests run workers side by side: serving is opt-in per process.
    monkeypatch.delenv("CODEFLIX_ENCODER_METRICS_PORT", raising=False)
    settings = get_settings()
    assert settings.encoder_metrics_port is None
    served = endpoint(settings, RabbitMQBus("amqp://guest:guest@127.0.0.1:5672/"), None)  # type: ignore[arg-type]
    assert isinstance(served, contextlib.nullcontext)
