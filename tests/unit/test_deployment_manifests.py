"""Every overlay renders with kustomize, matches the schemas, and holds together."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from actors.encoder_settings import EncoderSettings
from apis.catalog.config import CatalogSettings
from apis.gateway.config import GatewaySettings
from apis.identity.config import IdentitySettings
from apis.playback.config import PlaybackSettings
from apis.playback.service import media_url
from apis.search.config import SearchSettings
from apis.subscription.config import SubscriptionSettings
from tests.support import manifests, media_edge
from tests.support.manifests import MANIFESTS, OVERLAYS, container_settings, of_kind, rendered

WORKLOADS = ("Deployment", "StatefulSet", "Job")

# The settings class each deployable is built from; the container that runs it.
READS: dict[str, tuple[type, set[str]]] = {
    "identity": (IdentitySettings, {"CODEFLIX_IDENTITY_DATABASE_URL"}),
    "catalog": (CatalogSettings, {"CODEFLIX_CATALOG_DATABASE_URL"}),
    "search": (SearchSettings, set()),
    "subscription": (SubscriptionSettings, {"CODEFLIX_SUBSCRIPTION_DATABASE_URL"}),
    "playback": (PlaybackSettings, {"CODEFLIX_PLAYBACK_DATABASE_URL"}),
    "gateway": (GatewaySettings, set()),
    "encoder-worker": (EncoderSettings, set()),
}
# Left unset on purpose: the embedded default is the deployed one too, or it does not apply.
LEFT_UNSET = {
    "CODEFLIX_SERVICE_NAME",  # a constant of each class, not a setting
    "CODEFLIX_DATABASE_URL",  # read as CODEFLIX_<SERVICE>_DATABASE_URL
    "CODEFLIX_REALM_FILE",  # the realm file shipped in the package
    "CODEFLIX_GRANT_ACTIVE_KEY",  # the first key without retired_at
    "CODEFLIX_ENCODER_MAX_WORKERS",  # one chunk task per Ray CPU
    "CODEFLIX_ENCODER_LOCAL_CPUS",  # only without CODEFLIX_RAY_ADDRESS
    "CODEFLIX_RAY_ADDRESS",  # only the encoder drives Ray (set there)
    "CODEFLIX_TYPESENSE_URL",  # only search talks to Typesense (set there)
    "CODEFLIX_AMQP_URL",  # the gateway serves files, it joins no queue
    "CODEFLIX_STORAGE_URL",  # the bucket is only for those that load media-store
    "CODEFLIX_STORAGE_OPTIONS",
    "CODEFLIX_SMTP_HOST",  # only identity sends mail (set there)
    "CODEFLIX_SMTP_PORT",
    "CODEFLIX_SMTP_SECURITY",
    "CODEFLIX_SMTP_USERNAME",
    "CODEFLIX_SMTP_PASSWORD",
    "CODEFLIX_MAIL_FROM",
}
# Objects an operator creates, which the manifests refer to: Services and their ports.
OPERATOR_SERVICES = {"rabbitmq": {"prometheus", "amqp"}, "encoder-head-svc": {"gcs"}}


def docs_of(overlay: str) -> list[dict[str, Any]]:
    return rendered(MANIFESTS / "overlays" / overlay)


def keycloak_pod(keycloak: dict[str, Any]) -> dict[str, Any]:
    """The pod the Keycloak operator makes of a ``Keycloak``: its pod template's labels and
    the server's ports (HTTP where the resource puts it, management on 9000)."""
    template = keycloak["spec"].get("unsupported", {}).get("podTemplate", {})
    ports = [
        {"name": "http", "containerPort": keycloak["spec"]["http"]["httpPort"]},
        {"name": "management", "containerPort": 9000},
    ]
    container = {"name": "keycloak", "image": "operator", "ports": ports}
    labels = {"app": "keycloak", **template.get("metadata", {}).get("labels", {})}
    return {"metadata": {"labels": labels}, "spec": {"containers": [container]}}


def pod_templates(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pods = [d["spec"]["template"] for d in docs if d["kind"] in WORKLOADS]
    pods += [keycloak_pod(k) for k in of_kind(docs, "Keycloak")]
    for cluster in of_kind(docs, "RayCluster"):
        spec = cluster["spec"]
        # KubeRay labels every pod it makes with the cluster's name.
        label = {"ray.io/cluster": cluster["metadata"]["name"]}
        for template in [spec["headGroupSpec"]["template"]] + [
            g["template"] for g in spec["workerGroupSpecs"]
        ]:
            metadata = template.get("metadata", {})
            labels = {**metadata.get("labels", {}), **label}
            pods.append({**template, "metadata": {**metadata, "labels": labels}})
    return pods


def containers(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The containers of every pod built from our images (operator-made pods left out)."""
    pods = pod_templates(docs)
    return [c for pod in pods for c in pod["spec"]["containers"] if c["image"] != "operator"]


def selects(selector: dict[str, str], pod: dict[str, Any]) -> bool:
    return selector.items() <= pod["metadata"].get("labels", {}).items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_matches_the_schema_of_its_kind(overlay: str) -> None:
    for doc in docs_of(overlay):
        manifests.validate(doc)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_find_pods(overlay: str) -> None:
    docs = docs_of(overlay)
    pods = pod_templates(docs)
    for doc in docs:
        for wl in WORKLOADS[:2]:
            if doc["kind"] == wl:
                assert selects(doc["spec"]["selector"]["matchLabels"], doc["spec"]["template"])
    for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy", "AuthorizationPolicy"):
        for doc in of_kind(docs, kind):
            spec = doc["spec"]
            selector = spec.get("selector") or spec.get("podSelector") or {}
            labels = selector.get("matchLabels", selector)
            if not labels or labels.get("app.kubernetes.io/name") == "rabbitmq":
                continue  # the whole namespace, or the operator's pods
            assert any(selects(labels, p) for p in pods), manifests.document_id(doc)
    deployments = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")}
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_routes_probes_and_monitors_hit_declared_ports(overlay: str) -> None:
    docs = docs_of(overlay)
    pods = pod_templates(docs)
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    for service in services.values():
        [pod] = [p for p in pods if selects(service["spec"]["selector"], p)][:1]
        names = {p["name"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= names
    for container in containers(docs):
        names = {p["name"] for p in container.get("ports", [])}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe in container:
                assert container[probe]["httpGet"]["port"] in names, container["name"]
    for vs in of_kind(docs, "VirtualService"):
        for route in vs["spec"]["http"]:
            for target in route["route"]:
                service = services[target["destination"]["host"]]
                ports = [p["port"] for p in service["spec"]["ports"]]
                assert target["destination"]["port"]["number"] in ports, route["name"]
    for monitor in of_kind(docs, "ServiceMonitor"):
        name = monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        declared = OPERATOR_SERVICES.get(name) or {
            p["name"] for p in services[name]["spec"]["ports"]
        }
        assert {e["port"] for e in monitor["spec"]["endpoints"]} <= declared
    for monitor in of_kind(docs, "PodMonitor"):
        scraped = [p for p in pods if selects(monitor["spec"]["selector"]["matchLabels"], p)]
        assert scraped, manifests.document_id(monitor)
        for pod in scraped:
            names = {p["name"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
            wanted = {e["port"] for e in monitor["spec"]["podMetricsEndpoints"]}
            assert wanted <= names, manifests.document_id(monitor)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_and_config_map_key_is_defined_or_provided(overlay: str) -> None:
    docs = docs_of(overlay)
    provided = yaml.safe_load((MANIFESTS / "operator-secrets.yaml").read_text())
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in of_kind(docs, "ConfigMap")}
    volumes = [v for p in pod_templates(docs) for v in p["spec"].get("volumes", [])]
    for volume in volumes:
        if "configMap" in volume:
            assert volume["configMap"]["name"] in config_maps
    for container in containers(docs):
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {})
            if "secretKeyRef" in ref:
                name, key = ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"]
                assert key in provided.get(name, {}).get("keys", {}), f"{name}/{key}"
            if "configMapKeyRef" in ref:
                name, key = ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]
                assert key in config_maps[name], f"{name}/{key}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_on_the_image_list(overlay: str) -> None:
    listed = yaml.safe_load((MANIFESTS / "images.yaml").read_text())
    ours = {i["name"] for i in listed["images"]}
    images = {c["image"] for c in containers(docs_of(overlay))}
    images |= {c["spec"]["imageName"] for c in of_kind(docs_of(overlay), "Cluster")}
    images |= {f["spec"]["image"] for f in of_kind(docs_of(overlay), "FluentBit")}
    for image in images:
        name, _, tag = image.rpartition(":")
        assert (name in ours and tag) or image in listed["third_party"], image
    # Every deployable built here runs somewhere (identity's image not when Keycloak serves).
    if of_kind(docs_of(overlay), "Keycloak"):
        ours -= {"codeflix/identity"}
    assert {i.rpartition(":")[0] for i in images} >= ours


@pytest.mark.parametrize(
    ("overlay", "deployable"),
    [
        (overlay, deployable)
        for overlay in OVERLAYS
        for deployable in READS
        if not (overlay == "production-keycloak" and deployable == "identity")  # Keycloak's
    ],
)
def test_every_setting_a_service_reads_is_set(overlay: str, deployable: str) -> None:
    docs = docs_of(overlay)
    settings, extra = READS[deployable]
    reads = {f"CODEFLIX_{n.upper()}" for n in settings.model_fields} | extra
    if deployable != "encoder-worker":
        reads |= {n for n in manifests.kernel_settings() if n.startswith("CODEFLIX_OIDC_")}
    [deployment] = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == deployable]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    given = container_settings(docs, container)
    missing = reads - set(given) - LEFT_UNSET
    assert not missing, missing
    assert given["CODEFLIX_ENVIRONMENT"] == "production"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_pod_mounts_no_service(overlay: str, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = docs_of(overlay)
    [deployment] = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == "gateway"]
    given = container_settings(docs, deployment["spec"]["template"]["spec"]["containers"][0])
    monkeypatch.setenv("CODEFLIX_GATEWAY_SERVICES", given["CODEFLIX_GATEWAY_SERVICES"])
    assert GatewaySettings(environment="development").gateway_services == []


# The services that check tokens with the issuer's keys (identity checks its own in-process).
VERIFIERS = ("catalog", "search", "subscription", "playback")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_fetch_the_signing_keys_inside_the_cluster(overlay: str) -> None:
    docs = docs_of(overlay)
    [identity] = [s for s in of_kind(docs, "Service") if s["metadata"]["name"] == "identity"]
    identity_port = identity["spec"]["ports"][0]["port"]
    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind(docs, "NetworkPolicy")}
    callers = [
        value
        for rule in policies["identity"]["ingress"]
        for source in rule["from"]
        for expression in source.get("podSelector", {}).get("matchExpressions", [])
        for value in expression["values"]
    ]
    for name in VERIFIERS:
        [deployment] = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == name]
        given = container_settings(docs, deployment["spec"]["template"]["spec"]["containers"][0])
        issuer_path = given["CODEFLIX_OIDC_ISSUER"].split("://", 1)[1].partition("/")[2]
        expected = (
            f"http://identity.{identity['metadata']['namespace']}.svc:{identity_port}"
            f"/{issuer_path}/protocol/openid-connect/certs"
        )
        assert given["CODEFLIX_OIDC_JWKS_URL"] == expected, name
        # Its policy lets it reach identity's pods, and identity's lets it in.
        assert any(
            to.get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/name": "identity"}
            and {"protocol": "TCP", "port": identity_port} in rule["ports"]
            for rule in policies[name]["egress"]
            for to in rule["to"]
        ), name
        assert name in callers, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grants_point_at_the_public_media_edge(overlay: str) -> None:
    docs = docs_of(overlay)
    [deployment] = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == "playback"]
    given = container_settings(docs, deployment["spec"]["template"]["spec"]["containers"][0])
    url = media_url(given["CODEFLIX_MEDIA_BASE_URL"], "grant", "videos/v/hls/master.m3u8")
    # The service adds the edge's path itself: a base ending in /media would double it.
    assert (
        url == f"{given['CODEFLIX_PUBLIC_URL'].rstrip('/')}/media/g/grant/videos/v/hls/master.m3u8"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_points_the_media_edge_at_its_own_object_store(overlay: str) -> None:
    docs = docs_of(overlay)
    [deployment] = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == "media-edge"]
    given = container_settings(docs, deployment["spec"]["template"]["spec"]["containers"][0])
    store = given.get("CODEFLIX_MEDIA_STORE_URL")
    assert store, f"{overlay} does not say where the media edge's bucket is"
    # Production reaches its bucket over TLS.
    assert store.startswith(
        "https://" if overlay.startswith("production") else ("http://", "https://")
    )
    # The bucket is the services' own (the same ConfigMap), and the container can start with
    # both: its start script renders nginx's configuration from them.
    [playback] = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == "playback"]
    services = container_settings(docs, playback["spec"]["template"]["spec"]["containers"][0])
    assert given["CODEFLIX_STORAGE_URL"] == services["CODEFLIX_STORAGE_URL"]
    conf = media_edge.rendered(store, given["CODEFLIX_STORAGE_URL"])
    host = store.split("://", 1)[1].rstrip("/")
    assert f"proxy_set_header Host {host};" in conf


def test_the_base_leaves_the_media_edges_object_store_to_the_overlays() -> None:
    # An overlay that forgot it would otherwise run with another environment's bucket.
    docs = rendered(MANIFESTS / "base" / "playback")
    [config] = [
        d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"] == "media-edge-config"
    ]
    assert "CODEFLIX_MEDIA_STORE_URL" not in config["data"]
