"""``codeflix worker encoder`` answers /healthz, /readyz and /metrics on its own port, against the
real broker; ready only while the Ray head's address answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.contracts.bus import eventually
from tests.integration.bus_support import Names, wait_for_consumer
from tests.integration.conftest import free_port

CODEFLIX = str(Path(sys.executable).parent / "codeflix")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [CODEFLIX, "worker", "encoder"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5)
    except httpx.TransportError:
        return None


async def test_the_worker_serves_health_readiness_and_metrics(
    amqp_url: str, names: Names, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Stands in for the Ray head's GCS port: the worker joins Ray only with its first upload,
    # so until then readiness asks no more of Ray than a TCP connection.
    ray_head = socket.create_server(("127.0.0.1", 0))
    env = {
        **os.environ,
        "CODEFLIX_AMQP_URL": amqp_url,
        "CODEFLIX_AMQP_EXCHANGE": names.exchange,
        "CODEFLIX_AMQP_DEAD_LETTER_EXCHANGE": names.dead_letter_exchange,
        "CODEFLIX_ENCODER_QUEUE": names.queue("encoder"),
        "CODEFLIX_ENCODER_SUBTITLES_QUEUE": names.queue("subtitles"),
        "CODEFLIX_ENCODER_METRICS_PORT": str(port),
        "CODEFLIX_RAY_ADDRESS": f"127.0.0.1:{ray_head.getsockname()[1]}",
        "CODEFLIX_STORAGE_URL": f"file://{tmp_path / 'media'}",
        "CODEFLIX_DATA_DIR": str(tmp_path / "var"),
    }
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        await wait_for_consumer(amqp_url, env["CODEFLIX_ENCODER_QUEUE"])
        alive = get(f"{base}/healthz")
        assert alive is not None and alive.status_code == 200, log.read_text()[-3000:]
        assert alive.json() == {"status": "ok", "service": "encoder"}

        ready = get(f"{base}/readyz")
        assert ready is not None and ready.status_code == 200, ready and ready.text
        assert ready.json()["checks"] == {"broker": "ok", "ray": "ok"}

        metrics = get(f"{base}/metrics")
        assert metrics is not None and metrics.status_code == 200
        assert "\ncodeflix_encoder_jobs_running 0.0\n" in metrics.text
        assert "# TYPE codeflix_encoder_jobs_started_total counter" in metrics.text
        assert "# TYPE codeflix_encoder_jobs_total counter" in metrics.text

        # The head goes away: still alive, no longer ready, and /readyz says why.
        ray_head.close()
        gone = get(f"{base}/readyz")
        assert gone is not None and gone.status_code == 503
        assert gone.json()["checks"]["broker"] == "ok"
        assert gone.json()["checks"]["ray"].startswith("error: ")
        alive = get(f"{base}/healthz")
        assert alive is not None and alive.status_code == 200

        # SIGTERM stops the worker and its endpoint with it.
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, log.read_text()[-3000:]
        await eventually(lambda: get(f"{base}/healthz") is None, 10)
    finally:
        ray_head.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait(30)
