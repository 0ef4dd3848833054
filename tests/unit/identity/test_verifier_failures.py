"""When the issuer's keys cannot be fetched, services answer 503, not 401 or a crash."""

from __future__ import annotations

import httpx

from codeflix.auth import CurrentUser, TokenVerifier, install_auth
from codeflix.web import service_app
from tests.support.identity import IdentityHarness


async def test_an_unreachable_issuer_is_a_503_problem(identity: IdentityHarness) -> None:
    calls = []

    def broken_issuer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(502, text="bad gateway")

    verifier = TokenVerifier(
        issuer=identity.issuer,
        http=lambda: httpx.AsyncClient(transport=httpx.MockTransport(broken_issuer)),
    )
    app = service_app("videos", title="videos")
    install_auth(app, verifier)

    @app.get("/api/v1/things")
    async def things(user: CurrentUser) -> dict[str, str]:
        return {"sub": user.subject}

    async with identity.client(app) as client:
        first = await client.get("/api/v1/things", headers=identity.headers())
        second = await client.get("/api/v1/things", headers=identity.headers())
    assert first.status_code == second.status_code == 503
    assert first.json()["type"].endswith("identity-unavailable")
    assert calls == ["/realms/codeflix/protocol/openid-connect/certs"] * 2, "retry when no keys"


async def test_a_jwks_that_is_not_a_key_set_is_a_503(identity: IdentityHarness) -> None:
    verifier = TokenVerifier(
        issuer=identity.issuer,
        http=lambda: httpx.AsyncClient(
            transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"keys": 5}))
        ),
    )
    app = service_app("videos", title="videos")
    install_auth(app, verifier)

    @app.get("/api/v1/things")
    async def things(user: CurrentUser) -> dict[str, str]:
        return {"sub": user.subject}

    async with identity.client(app) as client:
        response = await client.get("/api/v1/things", headers=identity.headers())
    assert response.status_code == 503
