"""Service-to-service tokens: fetched with client credentials, cached, renewed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from codeflix.service_tokens import ServiceAuthError, ServiceTokens
from tests.support.identity import SERVICES_SECRET, IdentityHarness


def service_tokens(
    identity: IdentityHarness, secret: str = SERVICES_SECRET
) -> tuple[ServiceTokens, list[int]]:
    requests: list[int] = []

    def http() -> Any:
        requests.append(1)
        return identity.client()

    tokens = ServiceTokens(
        token_url=f"{identity.issuer}/protocol/openid-connect/token",
        client_id="codeflix-services",
        client_secret=secret,
        http=http,
        clock=identity.clock.timestamp,
    )
    return tokens, requests


async def test_the_token_is_cached_until_it_nearly_expires(identity: IdentityHarness) -> None:
    tokens, requests = service_tokens(identity)
    first = await tokens.token()
    assert await tokens.token() == first and len(requests) == 1
    identity.clock.advance(identity.settings.access_token_seconds - 10)
    renewed = await tokens.token()
    assert renewed != first and len(requests) == 2
    principal = await identity.verifier.verify(renewed)
    assert principal.client_id == "codeflix-services"


async def test_calls_carry_the_service_token(identity: IdentityHarness, protected: FastAPI) -> None:
    tokens, _ = service_tokens(identity)
    async with identity.client(protected) as client:
        client.auth = tokens.auth()
        response = await client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["roles"] == ["user"]


async def test_a_wrong_secret_is_a_clear_error(identity: IdentityHarness) -> None:
    tokens, _ = service_tokens(identity, secret="wrong")
    with pytest.raises(ServiceAuthError, match="refused client 'codeflix-services' \\(401\\)"):
        await tokens.token()
