"""The deployed-mode manifests of playback hold together and match their schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from apis.playback.config import PlaybackSettings
from tests.conftest import ROOT
from tests.support import manifests
from tests.support.manifests import rendered

HERE = ROOT / "manifests" / "base" / "playback"
DOCUMENTS = rendered(HERE)


def of_kind(kind: str) -> list[dict[str, Any]]:
    return manifests.of_kind(DOCUMENTS, kind)


def test_the_kustomization_names_files_that_exist() -> None:
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (HERE / resource).is_file(), resource
    for generator in kustomization["configMapGenerator"]:
        for file in generator["files"]:
            assert (HERE / file).is_file(), file


@pytest.mark.parametrize("doc", DOCUMENTS, ids=manifests.document_id)
def test_every_resource_matches_the_schema_of_its_kind(doc: dict[str, Any]) -> None:
    manifests.validate(doc)


def test_routes_point_at_services_and_ports_that_exist() -> None:
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    for vs in of_kind("VirtualService"):
        for route in vs["spec"]["http"]:
            for target in route["route"]:
                service = services[target["destination"]["host"]]
                ports = [p["port"] for p in service["spec"]["ports"]]
                assert target["destination"]["port"]["number"] in ports
    paths = [m["uri"].get("prefix") or m["uri"]["exact"] for vs in of_kind("VirtualService")
             for r in vs["spec"]["http"] for m in r["match"]]  # fmt: skip
    assert {"/api/v1/playback/", "/api/v1/me/continue-watching", "/media/"} <= set(paths)


def test_services_select_pods_and_named_ports() -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    for service in of_kind("Service"):
        pod = deployments[service["metadata"]["name"]]["spec"]["template"]
        assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
        names = {p["name"] for c in pod["spec"]["containers"] for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= names


def test_every_setting_the_deployments_give_is_one_playback_reads() -> None:
    known = {f"CODEFLIX_{name.upper()}" for name in PlaybackSettings.model_fields}
    known |= manifests.kernel_settings()
    known.add("CODEFLIX_PLAYBACK_DATABASE_URL")
    playback = of_kind("Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    assert set(manifests.container_settings(DOCUMENTS, playback)) <= known


def test_the_edge_and_the_service_share_the_grant_keys() -> None:
    def key_source(name: str) -> Any:
        deployment = next(d for d in of_kind("Deployment") if d["metadata"]["name"] == name)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        return manifests.container_settings(DOCUMENTS, container)

    service, edge = key_source("playback"), key_source("media-edge")
    for name in ("CODEFLIX_GRANT_SIGNING_KEYS", "CODEFLIX_GRANT_TTL_SECONDS"):
        assert service[name] == edge[name]
        conf = (HERE / "media-edge" / "nginx.conf.template").read_text()
        assert re.search(rf"^env {name};", conf, re.MULTILINE)  # nginx passes it to grant.js
        assert f"process.env.{name}" in (HERE / "media-edge" / "grant.js").read_text()
