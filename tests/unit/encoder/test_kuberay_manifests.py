"""The KubeRay folder holds together and matches its schemas (checked offline)."""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from actors.encoder_settings import EncoderSettings
from tests.conftest import ROOT

HERE = ROOT / "kuberay"
SCHEMAS = Path(os.environ.get("CODEFLIX_SCHEMAS_DIR", ROOT.parent / "shared" / "schemas"))
KUBERNETES_VERSION = "1.30"


def documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((HERE / resource).read_text()) if d)
    return docs


def one(kind: str) -> dict[str, Any]:
    [doc] = [d for d in documents() if d["kind"] == kind]
    return doc


def strict(schema: Any) -> Any:
    """openapi2jsonschema's conversion: objects with properties refuse unknown fields."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {k: strict(v) for k, v in schema.items()}
    if (
        "properties" in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
        and "additionalProperties" not in schema
    ):
        converted["additionalProperties"] = False
    return converted


@functools.cache
def crd_schema(kind: str, version: str) -> dict[str, Any]:
    # The CRDs are large: libyaml's loader reads them in a fraction of the pure-Python time.
    text = (SCHEMAS / "ray.io" / f"ray.io_{kind.lower()}s.yaml").read_text()
    crd = yaml.load(text, Loader=yaml.CSafeLoader)
    [found] = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return strict(found["schema"]["openAPIV3Schema"])  # type: ignore[no-any-return]


def validate_crd(doc: dict[str, Any]) -> None:
    """Validate a KubeRay resource (a validator without ``validate``'s slow self-check)."""
    schema = crd_schema(doc["kind"], doc["apiVersion"].split("/")[1])
    jsonschema.Draft7Validator(schema).validate(doc)


def test_the_kustomization_names_files_that_exist() -> None:
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    assert all((HERE / r).is_file() for r in kustomization["resources"])


def test_raycluster_matches_the_kuberay_crd() -> None:
    validate_crd(one("RayCluster"))


def test_the_schema_check_refuses_a_misspelt_field() -> None:
    cluster = copy.deepcopy(one("RayCluster"))
    cluster["spec"]["workerGroupSpecs"][0]["maxReplica"] = 10
    with pytest.raises(jsonschema.ValidationError):
        validate_crd(cluster)


def test_cluster_runs_the_ray_version_codeflix_is_built_with() -> None:
    assert one("RayCluster")["spec"]["rayVersion"] == importlib.metadata.version("ray")


def test_cpu_workers_autoscale_and_the_head_runs_no_tasks() -> None:
    spec = one("RayCluster")["spec"]
    assert spec["enableInTreeAutoscaling"] is True
    [cpu] = spec["workerGroupSpecs"]
    assert cpu["minReplicas"] < cpu["maxReplicas"]
    assert cpu["minReplicas"] <= cpu["replicas"] <= cpu["maxReplicas"]
    assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"


def test_deployment_matches_the_kubernetes_schema() -> None:
    kubernetes_validate.validate(one("Deployment"), KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("kind", ["ScaledObject", "TriggerAuthentication"])
def test_keda_resources_match_their_schemas(kind: str) -> None:
    doc = one(kind)
    group, version = doc["apiVersion"].split("/")
    schema = json.loads((SCHEMAS / group / f"{kind.lower()}_{version}.json").read_text())
    jsonschema.validate(doc, schema)


def worker_env() -> dict[str, Any]:
    container = one("Deployment")["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


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
