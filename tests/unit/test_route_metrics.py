"""Request metrics name the route template, method and status, embedded and deployed."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from apis.gateway.app import create_app as create_gateway
from apis.gateway.config import get_settings as gateway_settings
from tests.support.metrics import sample

AN_ID = str(uuid.uuid4())
# A request each service answers without a token, a database or Typesense (401, or 503 from
# search without its index), and the route it took.
REQUESTS = {
    "identity": ("GET", "/realms/codeflix/protocol/openid-connect/userinfo",
                 "/realms/codeflix/protocol/openid-connect/userinfo"),
    "catalog": ("GET", f"/api/v1/videos/{AN_ID}", "/api/v1/videos/{video_id}"),
    "subscription": ("POST", f"/api/v1/admin/subscriptions/{AN_ID}/cancel",
                     "/api/v1/admin/subscriptions/{subscription_id}/cancel"),
    "playback": ("POST", f"/api/v1/playback/{AN_ID}", "/api/v1/playback/{video_id}"),
    "search": ("DELETE", "/api/v1/admin/search/synonyms/s1",
               "/api/v1/admin/search/synonyms/{synonym_id}"),
}  # fmt: skip


def deployed(service: str, data_dir: Path) -> FastAPI:
    config = importlib.import_module(f"apis.{service}.config")
    module = importlib.import_module(f"apis.{service}.app")
    return module.create_app(config.get_settings(data_dir=data_dir))  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", sorted(REQUESTS))
def test_a_service_alone_counts_requests_by_route(service: str, tmp_path: Path) -> None:
    method, path, template = REQUESTS[service]
    client = TestClient(deployed(service, tmp_path))
    statuses = {client.request(method, path).status_code for _ in range(2)}
    assert len(statuses) == 1 and statuses <= {401, 503}
    status = str(statuses.pop())
    assert sample(client.get("/metrics").text, service, template, method, status) == 2


def test_the_gateway_counts_every_mounted_route(tmp_path: Path) -> None:
    client = TestClient(create_gateway(gateway_settings(data_dir=tmp_path)))
    statuses = {}
    for service, (method, path, _) in REQUESTS.items():
        statuses[service] = str(client.request(method, path).status_code)
    assert client.get("/api/v1/videos/not-an-id").status_code == 401  # the same route again
    metrics = client.get("/metrics").text
    for service, (method, _, template) in REQUESTS.items():
        expected = 2 if service == "catalog" else 1
        assert sample(metrics, service, template, method, statuses[service]) == expected, service
    assert 'handler="none"' not in metrics
