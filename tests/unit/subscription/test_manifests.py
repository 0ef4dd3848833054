"""The deployed-mode manifests of the subscription service hold together and match schemas."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from apis.subscription.app import ROUTE_PREFIXES
from apis.subscription.config import SubscriptionSettings
from tests.conftest import ROOT

HERE = ROOT / "manifests" / "subscription"
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


def test_every_public_prefix_is_routed_to_the_service() -> None:
    [service] = of_kind("Service")
    [route] = of_kind("VirtualService")[0]["spec"]["http"]
    assert route["route"][0]["destination"]["host"] == service["metadata"]["name"]
    routed = {m["uri"]["prefix"].rstrip("/") for m in route["match"]}
    assert routed == set(ROUTE_PREFIXES)
    # Slow charges are never retried, only connections that failed.
    assert set(route["retries"]["retryOn"].split(",")) <= {"connect-failure", "refused-stream"}


def test_every_setting_the_deployment_gives_is_one_the_service_reads() -> None:
    known = {f"CODEFLIX_{name.upper()}" for name in SubscriptionSettings.model_fields}
    known.add("CODEFLIX_SUBSCRIPTION_DATABASE_URL")
    [deployment] = of_kind("Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    given = {e["name"] for e in container["env"]}
    assert given <= known
    # Outside development the service refuses default secrets: the deployment sets them all.
    secrets = {f"CODEFLIX_{n.upper()}" for n in SubscriptionSettings().secret_fields()}
    assert secrets <= given
