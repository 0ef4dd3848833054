"""The deployed-mode manifests of the catalog hold together and match their schemas."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from apis.catalog.app import ROUTE_PREFIXES
from apis.catalog.config import CatalogSettings
from tests.conftest import ROOT

HERE = ROOT / "manifests" / "catalog"
SCHEMAS = Path(os.environ.get("CODEFLIX_SCHEMAS_DIR", ROOT.parent / "shared" / "schemas"))


def documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    docs = []
    for resource in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((HERE / resource).read_text()) if d)
    return docs


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in documents() if d["kind"] == kind]


@pytest.mark.parametrize(
    "doc",
    [d for d in documents() if d["apiVersion"].startswith("networking.istio.io")],
    ids=lambda d: f"{d['kind']}/{d['metadata']['name']}",
)
def test_istio_resources_match_their_schemas(doc: dict[str, Any]) -> None:
    group, version = doc["apiVersion"].split("/")
    schema = json.loads((SCHEMAS / group / f"{doc['kind'].lower()}_{version}.json").read_text())
    jsonschema.validate(doc, schema)


def test_routes_reach_the_service_and_uploads_are_never_cut_or_replayed() -> None:
    [service] = of_kind("Service")
    uploads, api = of_kind("VirtualService")[0]["spec"]["http"]
    for route in (uploads, api):
        assert route["route"][0]["destination"]["host"] == service["metadata"]["name"]
    assert {m["uri"]["prefix"] for m in api["match"]} == set(ROUTE_PREFIXES)
    pattern = re.compile(uploads["match"][0]["uri"]["regex"])
    assert pattern.match("/api/v1/admin/videos/123/uploads/456")
    assert not pattern.match("/api/v1/admin/videos/123")
    assert uploads["timeout"] == "0s" and uploads["retries"]["attempts"] == 0
    assert set(api["retries"]["retryOn"].split(",")) <= {"connect-failure", "refused-stream"}


def test_every_setting_given_is_one_the_service_reads() -> None:
    known = {f"CODEFLIX_{name.upper()}" for name in CatalogSettings.model_fields}
    known.add("CODEFLIX_CATALOG_DATABASE_URL")
    secrets = {f"CODEFLIX_{n.upper()}" for n in CatalogSettings().secret_fields()}
    [deployment] = of_kind("Deployment")
    [job] = of_kind("Job")
    for workload in (deployment, job):
        container = workload["spec"]["template"]["spec"]["containers"][0]
        given = {e["name"] for e in container["env"]}
        assert given <= known
        assert secrets <= given  # production refuses the development secrets
    # Replicas do not race to migrate: the Job does it once per rollout.
    env = {
        e["name"]: e.get("value")
        for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["CODEFLIX_MIGRATE_ON_START"] == "false"
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "codeflix",
        "catalog",
        "migrate",
    ]
