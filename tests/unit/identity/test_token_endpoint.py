"""The token endpoint refuses careless and hostile requests with RFC 6749 errors."""

from __future__ import annotations

import pytest
from authlib.common.security import generate_token

from tests.support.identity import SERVICES_SECRET, IdentityHarness
from tests.unit.identity.helpers import (
    CALLBACK,
    PASSWORD,
    authorization_code,
    register,
    signed_in_tokens,
    token_request,
)


@pytest.fixture
async def ada(identity: IdentityHarness) -> str:
    await register(identity, "ada@example.com")
    return "ada@example.com"


def oauth_error(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert body["error_description"]
    return str(body["error"])


async def test_a_code_works_once_and_a_replay_ends_the_session(
    identity: IdentityHarness, ada: str
) -> None:
    verifier = generate_token(48)
    code = await authorization_code(identity, ada, code_verifier=verifier)
    form = {
        "grant_type": "authorization_code",
        "client_id": "codeflix-web",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    first = await token_request(identity, **form)
    replay = await token_request(identity, **form)
    assert first.status_code == 200 and replay.status_code == 400
    assert oauth_error(replay) == "invalid_grant"
    refresh = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=first.json()["refresh_token"],
    )
    assert refresh.status_code == 400, "tokens of a replayed code must stop working"


@pytest.mark.parametrize(
    "change",
    [
        {"code_verifier": "x" * 50},
        {"code_verifier": ""},
        {"redirect_uri": "http://127.0.0.1:8000/elsewhere"},
        {"client_id": "codeflix-cli"},
        {"code": "made-up"},
    ],
    ids=["wrong verifier", "no verifier", "other redirect", "other client", "unknown code"],
)
async def test_a_code_exchange_that_does_not_match_is_refused(
    identity: IdentityHarness, ada: str, change: dict[str, str]
) -> None:
    verifier = generate_token(48)
    code = await authorization_code(identity, ada, code_verifier=verifier)
    form = {
        "grant_type": "authorization_code",
        "client_id": "codeflix-web",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        **change,
    }
    response = await token_request(identity, **{k: v for k, v in form.items() if v})
    assert response.status_code == 400
    assert oauth_error(response) == "invalid_grant"


async def test_an_expired_code_is_refused(identity: IdentityHarness, ada: str) -> None:
    verifier = generate_token(48)
    code = await authorization_code(identity, ada, code_verifier=verifier)
    identity.clock.advance(identity.settings.authorization_code_seconds + 1)
    response = await token_request(
        identity,
        grant_type="authorization_code",
        client_id="codeflix-web",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    assert oauth_error(response) == "invalid_grant"


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(
    identity: IdentityHarness, ada: str
) -> None:
    tokens = await signed_in_tokens(identity, ada)

    async def refresh(token: str) -> object:
        return await token_request(
            identity, grant_type="refresh_token", client_id="codeflix-web", refresh_token=token
        )

    second = await refresh(tokens["refresh_token"])
    assert second.status_code == 200  # type: ignore[attr-defined]
    stolen_reuse = await refresh(tokens["refresh_token"])
    assert oauth_error(stolen_reuse) == "invalid_grant"
    legitimate = await refresh(second.json()["refresh_token"])  # type: ignore[attr-defined]
    assert oauth_error(legitimate) == "invalid_grant", "reuse must revoke the whole family"


async def test_an_expired_refresh_token_is_refused(identity: IdentityHarness, ada: str) -> None:
    tokens = await signed_in_tokens(identity, ada)
    identity.clock.advance(identity.settings.refresh_token_seconds + 1)
    response = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=tokens["refresh_token"],
    )
    assert oauth_error(response) == "invalid_grant"


async def test_another_client_cannot_use_a_refresh_token(
    identity: IdentityHarness, ada: str
) -> None:
    tokens = await signed_in_tokens(identity, ada)
    response = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-cli",
        refresh_token=tokens["refresh_token"],
    )
    assert oauth_error(response) == "invalid_grant"


async def test_the_password_grant_is_only_for_the_cli_client(
    identity: IdentityHarness, ada: str
) -> None:
    form = {"grant_type": "password", "username": ada, "password": PASSWORD}
    web = await token_request(identity, client_id="codeflix-web", **form)
    cli = await token_request(identity, client_id="codeflix-cli", **form)
    assert web.status_code == 400 and oauth_error(web) == "unauthorized_client"
    assert cli.status_code == 200
    assert (await identity.verifier.verify(cli.json()["access_token"])).email == ada


async def test_a_wrong_password_through_the_cli_grant_is_401_without_detail(
    identity: IdentityHarness, ada: str
) -> None:
    wrong = await token_request(
        identity,
        grant_type="password",
        client_id="codeflix-cli",
        username=ada,
        password="nope-nope-nope",
    )
    unknown = await token_request(
        identity,
        grant_type="password",
        client_id="codeflix-cli",
        username="nobody@example.com",
        password="nope-nope-nope",
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "codeflix-web"},
            400,
            "unauthorized_client",
        ),
        ({"grant_type": "client_credentials", "client_id": "nope"}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials", "client_id": "codeflix-services"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "implicit", "client_id": "codeflix-web"}, 400, "unsupported_grant_type"),
        ({"client_id": "codeflix-web"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
    ],
    ids=["public client", "unknown client", "no secret", "implicit", "no grant", "no client"],
)
async def test_careless_token_requests_get_oauth_errors(
    identity: IdentityHarness, form: dict[str, str], status: int, error: str
) -> None:
    response = await token_request(identity, **form)
    assert response.status_code == status
    assert oauth_error(response) == error


async def test_malformed_basic_credentials_are_refused(identity: IdentityHarness) -> None:
    async with identity.client() as client:
        response = await client.post(
            "/realms/codeflix/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic %%%not-base64"},
        )
    assert response.status_code == 401 and oauth_error(response) == "invalid_client"


async def test_client_secret_post_works_too(identity: IdentityHarness) -> None:
    response = await token_request(
        identity,
        grant_type="client_credentials",
        client_id="codeflix-services",
        client_secret=SERVICES_SECRET,
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


async def test_revocation_answers_200_and_revokes_refresh_tokens(
    identity: IdentityHarness, ada: str
) -> None:
    tokens = await signed_in_tokens(identity, ada)
    async with identity.client() as client:
        revoke = "/realms/codeflix/protocol/openid-connect/revoke"
        unknown = await client.post(revoke, data={"client_id": "codeflix-web", "token": "junk"})
        known = await client.post(
            revoke, data={"client_id": "codeflix-web", "token": tokens["refresh_token"]}
        )
    assert unknown.status_code == known.status_code == 200
    response = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=tokens["refresh_token"],
    )
    assert oauth_error(response) == "invalid_grant"


async def test_operators_see_sign_ins_tokens_and_reuse_in_the_metrics(
    identity: IdentityHarness, ada: str
) -> None:
    async def metric(line_start: str) -> float:
        async with identity.client() as client:
            text = (await client.get("/metrics")).text
        lines = [line for line in text.splitlines() if line.startswith(line_start)]
        return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0

    reuse = 'codeflix_identity_token_reuse_total{kind="refresh_token"}'
    refreshes = 'codeflix_identity_tokens_issued_total{grant="refresh_token"}'
    before = (await metric(reuse), await metric(refreshes))
    tokens = await signed_in_tokens(identity, ada)
    form = {"grant_type": "refresh_token", "client_id": "codeflix-web"}
    await token_request(identity, **form, refresh_token=tokens["refresh_token"])
    await token_request(identity, **form, refresh_token=tokens["refresh_token"])
    assert await metric(reuse) == before[0] + 1
    assert await metric(refreshes) == before[1] + 1


async def test_a_failed_exchange_burns_the_code(identity: IdentityHarness, ada: str) -> None:
    verifier = generate_token(48)
    code = await authorization_code(identity, ada, code_verifier=verifier)
    form = {
        "grant_type": "authorization_code",
        "client_id": "codeflix-web",
        "code": code,
        "redirect_uri": CALLBACK,
    }
    wrong = await token_request(identity, **form, code_verifier="w" * 43)
    right = await token_request(identity, **form, code_verifier=verifier)
    assert wrong.status_code == right.status_code == 400
    assert right.json()["error_description"] == "the authorization code was already used"
