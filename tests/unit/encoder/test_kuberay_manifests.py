"""The KubeRay folder holds together and matches its schemas (checked offline)."""

from __future__ import annotations

import copy
import importlib.metadata
from typing import Any

import jsonschema
import pytest
import yaml

from actors.encoder_settings import EncoderSettings
from tests.conftest import ROOT
from tests.support.manifests import container_settings, document_id, of_kind, rendered, validate

HERE = ROOT / "manifests" / "base" / "encoder"
DOCUMENTS = rendered(HERE)


def one(kind: str) -> dict[str, Any]:
    [doc] = of_kind(DOCUMENTS, kind)
    return doc


def test_the_kustomization_names_files_that_exist() -> None:
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    assert all((HERE / r).is_file() for r in kustomization["resources"])


@pytest.mark.parametrize("doc", DOCUMENTS, ids=document_id)
def test_every_resource_matches_the_schema_of_its_kind(doc: dict[str, Any]) -> None:
    validate(doc)


def test_the_schema_check_refuses_a_misspelt_field() -> None:
    cluster = copy.deepcopy(one("RayCluster"))
    cluster["spec"]["workerGroupSpecs"][0]["maxReplica"] = 10
    with pytest.raises(jsonschema.ValidationError):
        validate(cluster)


def test_cluster_runs_the_ray_version_codeflix_is_built_with() -> None:
    assert one("RayCluster")["spec"]["rayVersion"] == importlib.metadata.version("ray")


def test_cpu_workers_autoscale_and_the_head_runs_no_tasks() -> None:
    spec = one("RayCluster")["spec"]
    assert spec["enableInTreeAutoscaling"] is True
    [cpu] = spec["workerGroupSpecs"]
    assert cpu["minReplicas"] < cpu["maxReplicas"]
    assert cpu["minReplicas"] <= cpu["replicas"] <= cpu["maxReplicas"]
    assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"


def worker_env() -> dict[str, Any]:
    container = one("Deployment")["spec"]["template"]["spec"]["containers"][0]
    return container_settings(DOCUMENTS, container)


def test_worker_runs_the_encoder_command_with_settings_it_reads() -> None:
    container = one("Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["codeflix", "worker", "encoder"]
    known = {f"CODEFLIX_{name.upper()}" for name in EncoderSettings.model_fields}
    ours = {name for name in worker_env() if name.startswith("CODEFLIX_")}
    assert ours <= known, ours - known
    EncoderSettings.model_validate(
        {k.removeprefix("CODEFLIX_").lower(): v for k, v in worker_env().items()
         if k.startswith("CODEFLIX_") and isinstance(v, str)} | {"secret_key": "x"} | {
            "typesense_api_key": "y"}
    )  # fmt: skip


def test_worker_drives_the_clusters_head_through_its_gcs_port() -> None:
    cluster = one("RayCluster")
    host, port = worker_env()["CODEFLIX_RAY_ADDRESS"].split(":")
    assert host == f"{cluster['metadata']['name']}-head-svc"  # the service KubeRay creates
    head = cluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert int(port) in [p["containerPort"] for p in head["ports"] if p["name"] == "gcs"]


def test_keda_scales_the_worker_on_the_queue_it_consumes() -> None:
    scaled = one("ScaledObject")["spec"]
    assert scaled["scaleTargetRef"]["name"] == one("Deployment")["metadata"]["name"]
    [trigger] = scaled["triggers"]
    assert trigger["metadata"]["queueName"] == worker_env()["CODEFLIX_ENCODER_QUEUE"]
    assert trigger["authenticationRef"]["name"] == one("TriggerAuthentication")["metadata"]["name"]


def test_worker_serves_its_probes_and_metrics_on_the_port_it_is_given() -> None:
    container = one("Deployment")["spec"]["template"]["spec"]["containers"][0]
    port = int(worker_env()["CODEFLIX_ENCODER_METRICS_PORT"])
    [declared] = [p for p in container["ports"] if p["name"] == "metrics"]
    assert declared["containerPort"] == port
    probes = {name: container[name]["httpGet"] for name in ("livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"] == {"path": "/healthz", "port": "metrics"}
    assert probes["readinessProbe"] == {"path": "/readyz", "port": "metrics"}
    [monitor] = [
        m for m in of_kind(DOCUMENTS, "PodMonitor")
        if m["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "encoder-worker"}
    ]  # fmt: skip
    [endpoint] = monitor["spec"]["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")
    # Prometheus (namespace monitoring) may reach the port.
    [policy] = of_kind(DOCUMENTS, "NetworkPolicy")
    allowed = [
        port_rule["port"]
        for rule in policy["spec"]["ingress"]
        if any(
            s.get("namespaceSelector", {}).get("matchLabels")
            == {"kubernetes.io/metadata.name": "monitoring"}
            for s in rule["from"]
        )
        for port_rule in rule.get("ports", [])
    ]
    assert port in allowed
