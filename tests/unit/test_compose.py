"""The images and the composed platform, checked offline: every deployable the manifests run
has a Dockerfile that runs unprivileged with a health check, and the compose ingress routes
what the VirtualServices route."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.support.compose import COMPOSE_FILE, INGRESS_CONF, ingress_config

DEPLOYABLES = [
    entry["name"].removeprefix("codeflix/")
    for entry in yaml.safe_load((ROOT / "manifests" / "images.yaml").read_text())["images"]
]
COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())


def test_the_ingress_routes_what_the_virtual_services_route() -> None:
    assert INGRESS_CONF.read_text() == ingress_config(), (
        "deploy/compose/ingress.conf is stale: .venv/bin/python -m tests.support.compose "
        "> deploy/compose/ingress.conf"
    )


def dockerfile_of(image: str) -> Path | None:
    """The Dockerfile scripts/images.sh builds ``codeflix/<image>`` from, if any."""
    found = subprocess.run(
        [str(ROOT / "scripts" / "images.sh"), "--dockerfile", image],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return ROOT / found if found else None


def final_stage(dockerfile: str) -> tuple[str, str]:
    """The image the last stage of a Dockerfile starts FROM (its ARG default resolved), and the
    instructions of that stage."""
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)", dockerfile, re.MULTILINE))
    *_, stage = re.split(r"^(?=FROM )", dockerfile, flags=re.MULTILINE)
    start = stage.split()[1]
    return re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m[1], m[0]), start), stage


def user_of(name: str) -> str | None:
    """The user ``codeflix/<name>`` runs as: its last stage's USER, else the USER of the image
    of ours that stage starts from (the Python images: codeflix/python-runtime)."""
    built = dockerfile_of(name)
    assert built is not None, f"nothing builds codeflix/{name}"
    start, stage = final_stage(built.read_text())
    users = re.findall(r"^USER (\S+)", stage, re.MULTILINE)
    if users:
        return users[-1]
    parent = start.removeprefix("codeflix/").partition(":")[0]
    return user_of(parent) if start.startswith("codeflix/") and dockerfile_of(parent) else None


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_each_deployable_has_an_unprivileged_image_with_a_health_check(name: str) -> None:
    user = user_of(name)
    assert user and not user.startswith(("0", "root")), f"{name} runs as root"
    built = dockerfile_of(name)
    assert built is not None
    _, stage = final_stage(built.read_text())
    assert re.search(r"^HEALTHCHECK ", stage, re.MULTILINE), f"{name} has no HEALTHCHECK"


@pytest.mark.parametrize("dockerfile", ["api", "gateway", "encoder"])
def test_the_python_images_share_one_runtime(dockerfile: str) -> None:
    # Python, the unprivileged user and the read-only root's settings live in
    # deploy/python-runtime alone; each Python image adds its dependencies and Codeflix.
    start, stage = final_stage((ROOT / "deploy" / dockerfile / "Dockerfile").read_text())
    assert start == "codeflix/python-runtime:bookworm"
    assert not re.search(r"^(RUN|USER|WORKDIR) ", stage, re.MULTILINE), stage
    runtime = (ROOT / "deploy" / "python-runtime" / "Dockerfile").read_text()
    assert re.search(r"^USER 10001:10001$", runtime, re.MULTILINE)
    assert "CODEFLIX_DATA_DIR=/var/lib/codeflix" in runtime


def built_by_default() -> dict[str, Path]:
    """Each image ``scripts/images.sh`` builds when given no names, and its Dockerfile."""
    listed = subprocess.run(
        [str(ROOT / "scripts" / "images.sh"), "--list"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return {image: ROOT / dockerfile for _, image, dockerfile in map(str.split, listed)}


def test_every_image_the_composed_platform_runs_is_built_here() -> None:
    # The e2e test builds with images.sh and then runs compose with --no-build: an image
    # built under another tag than compose.yaml names sends Docker to a registry.
    built = built_by_default()
    for name, service in COMPOSE["services"].items():
        assert service["image"] in built, f"{name} runs {service['image']}, which nothing builds"
        assert built[service["image"]].is_file()


def test_each_service_migrates_its_database_first_and_runs_read_only() -> None:
    services = COMPOSE["services"]
    for name in DEPLOYABLES:
        if name not in services:
            continue
        assert services[name].get("read_only") is True, f"{name} has a writable root filesystem"
        if f"{name}-migrate" in services:
            assert services[f"{name}-migrate"]["command"] == ["codeflix", "migrate", name]
            assert services[name]["depends_on"][f"{name}-migrate"] == {
                "condition": "service_completed_successfully"
            }


def test_the_encoder_worker_is_checked_on_its_own_endpoint() -> None:
    # The image's check is the worker's /readyz (its default command); the Ray nodes run from
    # the same image check the cluster instead.
    encoder = (ROOT / "deploy" / "encoder" / "Dockerfile").read_text()
    port = re.search(r"CODEFLIX_ENCODER_METRICS_PORT=(\d+)", encoder)
    assert port, "the image names no port for the worker's endpoint"
    assert re.search(rf"^EXPOSE {port[1]}$", encoder, re.MULTILINE)
    [check] = re.findall(r"^HEALTHCHECK .*\n.*$", encoder, re.MULTILINE)
    assert "http://127.0.0.1:${CODEFLIX_ENCODER_METRICS_PORT}/readyz" in check
    services = COMPOSE["services"]
    assert "healthcheck" not in services["encoder"]
    for node in ("ray-head", "ray-worker"):
        assert "ray health-check" in " ".join(services[node]["healthcheck"]["test"]), node


def test_the_media_edge_streams_from_the_services_bucket_on_the_s3_server() -> None:
    services = COMPOSE["services"]
    edge = services["media-edge"]["environment"]
    catalog = services["catalog"]["environment"]
    assert edge["CODEFLIX_STORAGE_URL"] == catalog["CODEFLIX_STORAGE_URL"]
    endpoint = json.loads(catalog["CODEFLIX_STORAGE_OPTIONS"])["client_kwargs"]["endpoint_url"]
    assert edge["CODEFLIX_MEDIA_STORE_URL"] == endpoint == "http://media-store:9000"
