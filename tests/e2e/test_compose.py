"""The deployed shape in containers (``deploy/compose.yaml``): every service in its own
container, images built here (``scripts/images.sh``), the journey of a viewer and an admin
through the ingress, and containers killed mid-journey without anything lost.

Run it alone with ``.venv/bin/pytest -m compose``. The images are built first when missing
(cached layers make that quick once they exist); the platform runs under a project name of
its own and is removed at the end, volumes included.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import free_port
from tests.e2e.web_support import PASSWORD, confirmation_link
from tests.support.compose import ComposedPlatform
from tests.support.media import make_clip, parse_master

pytestmark = [pytest.mark.compose, pytest.mark.timeout(2400)]

ADMIN_PASSWORD = "Projectionist 1989 admin"
CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
        "cvc": "123"}  # fmt: skip
TITLE = "The Lighthouse Keeper"


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposedPlatform]:
    """The platform of this run; with ``CODEFLIX_COMPOSE_PROJECT`` set, a running one is used
    as it is (``CODEFLIX_COMPOSE_PORT``, ``CODEFLIX_COMPOSE_MAIL``) and left running."""
    if project := os.environ.get("CODEFLIX_COMPOSE_PROJECT"):
        port, mail = os.environ["CODEFLIX_COMPOSE_PORT"], os.environ["CODEFLIX_COMPOSE_MAIL"]
        yield ComposedPlatform(project, int(port), Path(mail))
        return
    built = subprocess.run(
        [str(ROOT / "scripts" / "images.sh")], capture_output=True, text=True, timeout=2400
    )
    assert built.returncode == 0, built.stdout + built.stderr
    mail = tmp_path_factory.mktemp("compose") / "mail"
    platform = ComposedPlatform(f"codeflix-e2e-{uuid.uuid4().hex[:8]}", free_port(), mail)
    try:
        platform.up()
        yield platform
    finally:
        platform.down()


def until(what: str, check: Callable[[], object], within: float = 120) -> object:
    """``check()`` until it returns something true; transport errors count as not yet."""
    deadline, last = time.monotonic() + within, None
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except httpx.TransportError as e:
            last = e
        time.sleep(1)
    raise AssertionError(f"{what}: not within {within:.0f} s (last error: {last!r})")


def token(base: str, email: str, password: str) -> dict[str, str]:
    answer = httpx.post(
        f"{base}/realms/codeflix/protocol/openid-connect/token",
        data={"grant_type": "password", "client_id": "codeflix-cli", "username": email,
              "password": password, "scope": "openid"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def upload(base: str, admin: dict[str, str], video_id: str, master: Path) -> None:
    """tus: create the upload, then send the master in two PATCHes."""
    data = master.read_bytes()
    tus = {**admin, "Tus-Resumable": "1.0.0"}
    created = httpx.post(
        f"{base}/api/v1/admin/videos/{video_id}/uploads",
        params={"kind": "video"},
        headers={**tus, "Upload-Length": str(len(data))},
    )
    assert created.status_code == 201, created.text
    location = httpx.URL(base).join(created.headers["location"])
    half = len(data) // 2
    for start, end in ((0, half), (half, len(data))):
        sent = httpx.patch(
            location,
            content=data[start:end],
            headers={**tus, "Upload-Offset": str(start),
                     "Content-Type": "application/offset+octet-stream"},
            timeout=60,
        )  # fmt: skip
        assert sent.status_code == 204, sent.text


def media(base: str, admin: dict[str, str], video_id: str) -> dict[str, object]:
    answer = httpx.get(f"{base}/api/v1/admin/videos/{video_id}", headers=admin)
    answer.raise_for_status()
    slot: dict[str, object] = answer.json()["media"]["video"]
    return slot


def play(url: str) -> float:
    """Play a media playlist to its end with FFmpeg's HLS demuxer; the seconds it lasted."""
    played = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", url, "-f", "null", "-"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr[-2000:]
    probed = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return float(probed.stdout.strip())


def test_every_container_is_healthy_behind_the_ingress(composed: ComposedPlatform) -> None:
    states = composed.containers()
    for name in ("identity", "catalog", "search", "subscription", "playback", "gateway",
                 "media-edge", "encoder", "ray-head", "ray-worker", "ingress"):  # fmt: skip
        assert states[name]["Health"]["Status"] == "healthy", name
    for name in ("identity-migrate", "catalog-migrate", "subscription-migrate", "playback-migrate"):
        assert states[name]["Status"] == "exited" and states[name]["ExitCode"] == 0, name
    base = composed.url
    discovery = httpx.get(f"{base}/realms/codeflix/.well-known/openid-configuration").json()
    assert discovery["issuer"] == f"{base}/realms/codeflix"
    assert httpx.get(f"{base}/api/v1/plans").json()["items"]
    assert "<div id=" in httpx.get(f"{base}/").text  # the web app, from the gateway
    # The Ray cluster: the head, the worker and the encoder worker's own node (no CPUs).
    nodes = composed.exec(
        "ray-head", "python3", "-c",
        "import ray; ray.init(address='auto', log_to_driver=False); "
        "print(sum(1 for n in ray.nodes() if n['Alive']), ray.cluster_resources().get('CPU'))",
    ).split()  # fmt: skip
    assert nodes[-2:] == ["3", "2.0"], nodes


def test_the_journey_survives_killed_containers(composed: ComposedPlatform, tmp_path: Path) -> None:
    base = composed.url
    master = make_clip(tmp_path / "master.mp4", seconds=32, size="640x360", rate="24")

    # An admin, made the way an operator makes the first one, in the identity container.
    admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    composed.exec("identity", "codeflix", "users", "create", "--email", admin_email,
                  "--password", ADMIN_PASSWORD, "--role", "admin")  # fmt: skip
    admin = token(base, admin_email, ADMIN_PASSWORD)

    # A viewer signs up, confirms the address from the mail and subscribes.
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = httpx.post(f"{base}/api/v1/accounts",
                           json={"email": email, "password": PASSWORD, "name": "Vera"})  # fmt: skip
    assert signed_up.status_code == 201, signed_up.text
    link = confirmation_link(composed.mail, email)
    assert link.startswith(base)
    assert httpx.get(link).status_code == 200
    viewer = token(base, email, PASSWORD)
    plan = next(p for p in httpx.get(f"{base}/api/v1/plans").json()["items"])
    subscribed = httpx.post(
        f"{base}/api/v1/subscriptions",
        json={"plan_id": plan["id"], "payment_method": CARD},
        headers={**viewer, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert subscribed.status_code == 201, subscribed.text

    # The admin creates a title and uploads its master through tus.
    created = httpx.post(
        f"{base}/api/v1/admin/videos",
        json={"title": TITLE, "description": "A keeper and the sea.", "launch_year": 2024,
              "duration": 1, "rating": "L", "published": True, "opened": True},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    video_id = created.json()["id"]
    upload(base, admin, video_id, master)

    # The encoder worker is killed in the middle of the encode (the front of the stream is
    # out, the rest is not), then the catalog while the encode finishes: the upload goes back
    # to the queue for the next worker, the encoder's events wait in RabbitMQ for the catalog.
    status = until(
        "the encode is under way",
        lambda: (s := media(base, admin, video_id)["status"]) in ("playable", "ready") and s,
        within=600,
    )
    assert status == "playable", "the encode ended before the kill: no middle to test"
    composed.kill("encoder")
    composed.kill("catalog")
    composed.start("encoder")
    time.sleep(10)
    composed.start("catalog")

    ready = until(
        "the title is ready",
        lambda: (slot := media(base, admin, video_id))["status"] in ("ready", "failed") and slot,
        within=900,
    )
    assert ready["status"] == "ready", ready  # type: ignore[index]

    # Search finds it; the viewer's subscription still stands.
    def found() -> bool:
        answer = httpx.get(f"{base}/api/v1/search", params={"q": "lighthouse"}, headers=viewer)
        return any(hit["id"] == video_id for hit in answer.json()["items"])

    until("search finds the title", found)
    mine = httpx.get(f"{base}/api/v1/subscriptions/me", headers=viewer).json()
    assert mine["status"] == "active", mine

    # A grant, then every rendition played to its end through the media edge.
    granted = until(
        "a grant",
        lambda: (
            (r := httpx.post(f"{base}/api/v1/playback/{video_id}", headers=viewer)).is_success
            and r.json()
        ),
    )
    manifest_url = granted["manifest_url"]  # type: ignore[index]
    assert manifest_url.startswith(f"{base}/media/g/")
    master_playlist = httpx.get(manifest_url)
    assert master_playlist.status_code == 200, master_playlist.text
    renditions = parse_master(master_playlist.text)
    assert len(renditions) >= 2, master_playlist.text
    folder = manifest_url.rsplit("/", 1)[0]
    for rendition in renditions:
        assert play(f"{folder}/{rendition['uri']}") == pytest.approx(32, abs=1.5), rendition

    # The encoder worker that finished the job counts it on its own /metrics (port 9090).
    metrics = composed.exec(
        "encoder", "python3", "-c",
        "import urllib.request; print(urllib.request.urlopen("
        "'http://127.0.0.1:9090/metrics', timeout=5).read().decode())",
    )  # fmt: skip
    completed = re.search(
        r'^codeflix_encoder_jobs_total\{outcome="completed"\} (\S+)$', metrics, re.M
    )
    assert completed and float(completed[1]) >= 1, metrics[-3000:]
    assert re.search(r"^codeflix_encoder_jobs_running 0\.0$", metrics, re.M), metrics[-3000:]

    # Nothing was dead-lettered on the way.
    queues = composed.exec("rabbitmq", "rabbitmqctl", "-q", "list_queues", "name", "messages")
    dead = [line for line in queues.splitlines() if re.match(r"\S+\.dlq\s+[1-9]", line)]
    assert dead == [], queues
