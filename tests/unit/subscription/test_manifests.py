"""The deployed-mode manifests of the subscription service hold together and match schemas."""

from __future__ import annotations

from typing import Any

import pytest

from apis.subscription.app import ROUTE_PREFIXES
from apis.subscription.config import SubscriptionSettings
from tests.conftest import ROOT
from tests.support import manifests
from tests.support.manifests import rendered

HERE = ROOT / "manifests" / "base" / "subscription"
DOCUMENTS = rendered(HERE)


def of_kind(kind: str) -> list[dict[str, Any]]:
    return manifests.of_kind(DOCUMENTS, kind)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=manifests.document_id)
def test_every_resource_matches_the_schema_of_its_kind(doc: dict[str, Any]) -> None:
    manifests.validate(doc)


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
    known |= manifests.kernel_settings()
    known.add("CODEFLIX_SUBSCRIPTION_DATABASE_URL")
    [deployment] = of_kind("Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    given = set(manifests.container_settings(DOCUMENTS, container))
    assert given <= known
    # Outside development the service refuses default secrets: the deployment sets them all.
    secrets = {f"CODEFLIX_{n.upper()}" for n in SubscriptionSettings().secret_fields()}
    assert secrets <= given
