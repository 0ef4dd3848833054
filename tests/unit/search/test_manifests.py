"""The deployed-mode manifests of search and its Typesense cluster hold together."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from apis.search.app import ROUTE_PREFIXES
from apis.search.config import SearchSettings
from tests.conftest import ROOT
from tests.support import manifests
from tests.support.manifests import rendered

HERE = ROOT / "manifests" / "base" / "search"
DOCUMENTS = rendered(HERE)


def of_kind(kind: str) -> list[dict[str, Any]]:
    return manifests.of_kind(DOCUMENTS, kind)


def named(kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in of_kind(kind) if d["metadata"]["name"] == name]
    return doc


@pytest.mark.parametrize("doc", DOCUMENTS, ids=manifests.document_id)
def test_every_resource_matches_the_schema_of_its_kind(doc: dict[str, Any]) -> None:
    manifests.validate(doc)


def test_every_public_prefix_is_routed_to_the_service() -> None:
    [route] = of_kind("VirtualService")[0]["spec"]["http"]
    assert (
        route["route"][0]["destination"]["host"] == named("Service", "search")["metadata"]["name"]
    )
    assert {m["uri"]["prefix"] for m in route["match"]} == set(ROUTE_PREFIXES)


def test_typesense_is_a_three_node_raft_cluster_on_persistent_volumes() -> None:
    [statefulset] = of_kind("StatefulSet")
    spec = statefulset["spec"]
    assert spec["replicas"] == 3 and spec["podManagementPolicy"] == "Parallel"
    peers = named("Service", "typesense-peers")
    assert spec["serviceName"] == peers["metadata"]["name"]
    assert peers["spec"]["clusterIP"] == "None" and peers["spec"]["publishNotReadyAddresses"]
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"].endswith(":0.24.1")  # the server `codeflix up` runs
    args = dict(a.removeprefix("--").split("=", 1) for a in container["args"])
    [claim] = spec["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert args["data-dir"] == mounts[claim["metadata"]["name"]]
    # The nodes file names each pod by its stable DNS name, peering and API ports included.
    nodes = named("ConfigMap", "typesense-nodes")["data"]["nodes"].split(",")
    namespace = yaml.safe_load((HERE / "kustomization.yaml").read_text())["namespace"]
    assert nodes == [
        f"typesense-{i}.typesense-peers.{namespace}.svc.cluster.local:"
        f"{args['peering-port']}:{args['api-port']}"
        for i in range(3)
    ]
    assert args["nodes"].startswith(mounts["nodes"])
    assert named("PodDisruptionBudget", "typesense")["spec"]["maxUnavailable"] == 1


def test_the_search_deployment_reaches_typesense_and_sets_every_secret() -> None:
    known = {f"CODEFLIX_{name.upper()}" for name in SearchSettings.model_fields}
    known |= manifests.kernel_settings()
    [deployment] = of_kind("Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = manifests.container_settings(DOCUMENTS, container)
    assert set(env) <= known
    secrets = {f"CODEFLIX_{n.upper()}" for n in SearchSettings().secret_fields()}
    assert secrets <= set(env)
    typesense = named("Service", "typesense")
    port = typesense["spec"]["ports"][0]["port"]
    assert env["CODEFLIX_TYPESENSE_URL"] == f"http://typesense:{port}"
    # The same key on both sides.
    ts_env = {e["name"]: e for e in of_kind("StatefulSet")[0]["spec"]["template"]["spec"][
        "containers"][0]["env"]}  # fmt: skip
    assert ts_env["TYPESENSE_API_KEY"]["valueFrom"] == env["CODEFLIX_TYPESENSE_API_KEY"]
    assert of_kind("HorizontalPodAutoscaler")[0]["spec"]["scaleTargetRef"]["name"] == "search"
