"""The images and the composed platform, checked offline: every deployable the manifests run
has a Dockerfile that runs unprivileged with a health check, and the compose ingress routes
what the VirtualServices route."""

from __future__ import annotations

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


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_each_deployable_has_an_unprivileged_image_with_a_health_check(name: str) -> None:
    built = dockerfile_of(name)
    assert built is not None, f"nothing builds codeflix/{name}"
    dockerfile = built.read_text()
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and not users[-1].startswith(("0", "root")), f"{name} runs as root"
    assert re.search(r"^HEALTHCHECK ", dockerfile, re.MULTILINE), f"{name} has no HEALTHCHECK"


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
