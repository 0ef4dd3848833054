"""The deployed-mode manifests of the catalog hold together and match their schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest

from apis.catalog.app import ROUTE_PREFIXES
from apis.catalog.config import CatalogSettings
from tests.conftest import ROOT
from tests.support import manifests
from tests.support.manifests import rendered

HERE = ROOT / "manifests" / "base" / "catalog"
DOCUMENTS = rendered(HERE)


def of_kind(kind: str) -> list[dict[str, Any]]:
    return manifests.of_kind(DOCUMENTS, kind)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=manifests.document_id)
def test_every_resource_matches_the_schema_of_its_kind(doc: dict[str, Any]) -> None:
    manifests.validate(doc)


def test_routes_reach_the_service_and_uploads_and_streams_are_never_cut_or_replayed() -> None:
    [service] = of_kind("Service")
    uploads, api = of_kind("VirtualService")[0]["spec"]["http"]
    for route in (uploads, api):
        assert route["route"][0]["destination"]["host"] == service["metadata"]["name"]
    assert {m["uri"]["prefix"] for m in api["match"]} == set(ROUTE_PREFIXES)
    pattern = re.compile(uploads["match"][0]["uri"]["regex"])
    assert pattern.match("/api/v1/admin/videos/123/uploads/456")
    assert not pattern.match("/api/v1/admin/videos/123")
    assert {"exact": "/api/v1/admin/videos/events"} in [m["uri"] for m in uploads["match"]]
    assert uploads["timeout"] == "0s" and uploads["retries"]["attempts"] == 0
    assert set(api["retries"]["retryOn"].split(",")) <= {"connect-failure", "refused-stream"}


def test_every_setting_given_is_one_the_service_reads() -> None:
    known = {f"CODEFLIX_{name.upper()}" for name in CatalogSettings.model_fields}
    known |= manifests.kernel_settings()
    known.add("CODEFLIX_CATALOG_DATABASE_URL")
    secrets = {f"CODEFLIX_{n.upper()}" for n in CatalogSettings().secret_fields()}
    [deployment] = of_kind("Deployment")
    [job] = of_kind("Job")
    for workload in (deployment, job):
        container = workload["spec"]["template"]["spec"]["containers"][0]
        given = set(manifests.container_settings(DOCUMENTS, container))
        assert given <= known
        assert secrets <= given  # production refuses the development secrets
    # Replicas do not race to migrate: the Job does it once per rollout.
    env = manifests.container_settings(
        DOCUMENTS, deployment["spec"]["template"]["spec"]["containers"][0]
    )
    assert env["CODEFLIX_MIGRATE_ON_START"] == "false"
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "codeflix",
        "migrate",
        "catalog",
    ]
