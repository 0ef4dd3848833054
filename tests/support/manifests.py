"""Offline checks of Kubernetes manifests: kustomize folders and their schemas.

Built-in kinds (Deployment, Service, HorizontalPodAutoscaler, ...) are checked against the
Kubernetes OpenAPI schemas that ``kubernetes-validate`` ships; custom resources (Istio, KEDA,
KubeRay, Keycloak, ...) against the schemas kept beside the project in ``../shared/schemas``
(or the folder named by ``CODEFLIX_SCHEMAS_DIR``), converted the way kubeconform's
openapi2jsonschema does so that a misspelt field is refused.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tests.conftest import ROOT

KUBERNETES_VERSION = "1.30"
BUILT_IN_GROUPS = ("v1", "apps/", "autoscaling/", "batch/", "policy/", "networking.k8s.io/")


def schemas_dir() -> Path:
    folder = Path(os.environ.get("CODEFLIX_SCHEMAS_DIR", ROOT.parent / "shared" / "schemas"))
    assert folder.is_dir(), (
        f"the custom-resource schemas are missing at {folder}; "
        "set CODEFLIX_SCHEMAS_DIR to the folder that holds them"
    )
    return folder


def kustomize_documents(folder: Path) -> list[dict[str, Any]]:
    """Every document of every resource file the folder's kustomization lists."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((folder / resource).read_text()) if d)
    return docs


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


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
def custom_resource_schema(api_version: str, kind: str) -> dict[str, Any]:
    group, version = api_version.split("/")
    folder = schemas_dir() / group
    as_json = folder / f"{kind.lower()}_{version}.json"
    if as_json.exists():
        return json.loads(as_json.read_text())  # type: ignore[no-any-return]
    # KubeRay ships CustomResourceDefinitions; libyaml reads them much faster.
    crd = yaml.load((folder / f"{group}_{kind.lower()}s.yaml").read_text(), Loader=yaml.CSafeLoader)
    [found] = [v for v in crd["spec"]["versions"] if v["name"] == version]
    return strict(found["schema"]["openAPIV3Schema"])  # type: ignore[no-any-return]


def validate(doc: dict[str, Any]) -> None:
    """Raise if the document does not match the schema of its kind."""
    if doc["apiVersion"] == "v1" or doc["apiVersion"].startswith(BUILT_IN_GROUPS[1:]):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    else:
        schema = custom_resource_schema(doc["apiVersion"], doc["kind"])
        jsonschema.Draft7Validator(schema).validate(doc)


def document_id(doc: dict[str, Any]) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"
