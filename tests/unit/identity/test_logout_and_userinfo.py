"""Userinfo, logout and revocation refuse what they should and never leak other sessions."""

from __future__ import annotations

from tests.support.identity import IdentityHarness
from tests.unit.identity.conftest import claims_of
from tests.unit.identity.helpers import OIDC, register, signed_in_tokens, token_request


async def test_userinfo_needs_a_valid_bearer_token(identity: IdentityHarness) -> None:
    async with identity.client() as client:
        missing = await client.get(f"{OIDC}/userinfo")
        garbage = await client.get(f"{OIDC}/userinfo", headers={"Authorization": "Bearer x.y.z"})
    assert missing.status_code == garbage.status_code == 401


async def test_userinfo_answers_for_service_tokens_without_a_session(
    identity: IdentityHarness,
) -> None:
    async with identity.client() as client:
        response = await client.post(f"{OIDC}/userinfo", headers=identity.headers(roles=["user"]))
    assert response.status_code == 200 and response.json()["realm_access"] == {"roles": ["user"]}


async def test_logout_with_someone_elses_or_a_made_up_refresh_token_fails(
    identity: IdentityHarness,
) -> None:
    await register(identity, "ada@example.com")
    tokens = await signed_in_tokens(identity, "ada@example.com")
    async with identity.client() as client:
        made_up = await client.post(
            f"{OIDC}/logout", data={"client_id": "codeflix-web", "refresh_token": "made-up"}
        )
        other_client = await client.post(
            f"{OIDC}/logout",
            data={"client_id": "codeflix-cli", "refresh_token": tokens["refresh_token"]},
        )
        userinfo = await client.get(
            f"{OIDC}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    assert made_up.status_code == other_client.status_code == 400
    assert made_up.json()["error"] == "invalid_grant"
    assert userinfo.status_code == 200, "a failed logout must not end the session"


async def test_a_forged_id_token_hint_does_not_log_anyone_out(identity: IdentityHarness) -> None:
    await register(identity, "ada@example.com")
    tokens = await signed_in_tokens(identity, "ada@example.com")
    header, payload, signature = tokens["id_token"].split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    access_token_as_hint = tokens["access_token"]
    async with identity.client() as browser:
        for hint in (forged, access_token_as_hint, "nonsense"):
            response = await browser.get(f"{OIDC}/logout", params={"id_token_hint": hint})
            assert response.status_code == 400
    refreshed = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=tokens["refresh_token"],
    )
    assert refreshed.status_code == 200


async def test_logout_without_a_hint_only_shows_a_page(identity: IdentityHarness) -> None:
    async with identity.client() as browser:
        response = await browser.get(f"{OIDC}/logout")
        sneaky = await browser.get(
            f"{OIDC}/logout", params={"post_logout_redirect_uri": "http://127.0.0.1:8000/x"}
        )
    assert response.status_code == 200 and "signed out" in response.text
    assert sneaky.status_code == 400, "no redirect without a proven session"


async def test_a_client_cannot_revoke_another_clients_tokens(identity: IdentityHarness) -> None:
    await register(identity, "ada@example.com")
    tokens = await signed_in_tokens(identity, "ada@example.com")
    async with identity.client() as client:
        response = await client.post(
            f"{OIDC}/revoke", data={"client_id": "codeflix-cli", "token": tokens["refresh_token"]}
        )
    assert response.status_code == 200
    refreshed = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=tokens["refresh_token"],
    )
    assert refreshed.status_code == 200
    assert (
        claims_of(refreshed.json()["access_token"])["sid"]
        == claims_of(tokens["access_token"])["sid"]
    )
