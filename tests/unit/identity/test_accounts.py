"""POST /api/v1/accounts: validation, no user enumeration, throttling."""

from __future__ import annotations

import json

import pytest

from tests.support.identity import IdentityHarness
from tests.unit.identity.helpers import PASSWORD, token_request


async def sign_up(identity: IdentityHarness, body: object) -> object:
    async with identity.client() as client:
        return await client.post("/api/v1/accounts", json=body)


async def test_sign_up_then_sign_in(identity: IdentityHarness) -> None:
    response = await sign_up(
        identity, {"email": " Ada@Example.com ", "password": PASSWORD, "name": "Ada"}
    )
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert response.json()["email"] == "ada@example.com"  # type: ignore[attr-defined]
    token = await token_request(
        identity,
        grant_type="password",
        client_id="codeflix-cli",
        username="ADA@example.com",
        password=PASSWORD,
    )
    principal = await identity.verifier.verify(token.json()["access_token"])
    assert principal.roles == {"user"} and principal.name == "Ada"


async def test_a_taken_address_answers_like_a_new_one_and_keeps_its_password(
    identity: IdentityHarness,
) -> None:
    first = await sign_up(identity, {"email": "ada@example.com", "password": PASSWORD})
    again = await sign_up(
        identity, {"email": "ada@example.com", "password": "An0ther long password"}
    )
    assert first.status_code == again.status_code == 201  # type: ignore[attr-defined]
    assert first.json() == again.json()  # type: ignore[attr-defined]
    old = await token_request(
        identity,
        grant_type="password",
        client_id="codeflix-cli",
        username="ada@example.com",
        password=PASSWORD,
    )
    assert old.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "ada", "password": PASSWORD}, "email"),
        ({"email": "ada@localhost", "password": PASSWORD}, "email"),
        ({"email": "a b@example.com", "password": PASSWORD}, "email"),
        ({"email": "x" * 250 + "@example.com", "password": PASSWORD}, "email"),
        ({"email": "ada@example.com", "password": "short"}, "password"),
        ({"email": "ada@example.com", "password": "password123"}, "password"),
        ({"email": "ada@example.com", "password": "aaaaaaaaaaaaaaaa"}, "password"),
        ({"email": "adalovelace@example.com", "password": "adalovelace-2024"}, "password"),
        ({"email": "ada@example.com", "password": "x" * 300}, "password"),
        (
            {"email": "ada@example.com", "password": "Grace Hopper 1906", "name": "Grace Hopper"},
            "password",
        ),
        ({"email": "ada@example.com", "password": PASSWORD, "role": "admin"}, "role"),
        ({"email": "ada@example.com"}, "password"),
        ({"email": 5, "password": PASSWORD}, "email"),
    ],
    ids=[
        "no domain",
        "undotted domain",
        "space",
        "too long email",
        "short password",
        "common password",
        "repetitive",
        "contains the email",
        "too long password",
        "contains the name",
        "extra field",
        "no password",
        "email not a string",
    ],
)
async def test_invalid_sign_ups_say_which_field_is_wrong(
    identity: IdentityHarness, body: dict[str, object], field: str
) -> None:
    response = await sign_up(identity, body)
    assert response.status_code == 422  # type: ignore[attr-defined]
    problem = response.json()  # type: ignore[attr-defined]
    assert problem["status"] == 422
    assert any(error["loc"][-1] == field for error in problem["errors"])


async def test_malformed_json_is_422(identity: IdentityHarness) -> None:
    async with identity.client() as client:
        response = await client.post(
            "/api/v1/accounts", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422


async def test_sign_ups_are_throttled_per_address(identity: IdentityHarness) -> None:
    limit = identity.settings.registrations_per_address
    statuses = [
        (await sign_up(identity, {"email": f"u{n}@example.com", "password": PASSWORD})).status_code  # type: ignore[attr-defined]
        for n in range(limit + 1)
    ]
    assert statuses == [201] * limit + [429]


async def test_passwords_are_stored_only_as_argon2id_hashes(identity: IdentityHarness) -> None:
    from sqlalchemy import select

    from apis.identity.models import User
    from apis.identity.service import authenticate, create_user

    await sign_up(identity, {"email": "ada@example.com", "password": PASSWORD})
    async with identity.app.state.sessions.begin() as session:
        await create_user(
            session=session,
            runtime=identity.app.state.runtime,
            email="root@example.com",
            password="Sturdy kettle 42!",
            name="",
            roles=["admin"],
        )
    # authenticate commits (the attempt counts before the password is checked): no begin().
    async with identity.app.state.sessions() as session:
        hashes = (
            await session.scalars(select(User.password_hash).where(User.email.is_not(None)))
        ).all()
        root = await authenticate(
            session=session,
            runtime=identity.app.state.runtime,
            email="root@example.com",
            password="Sturdy kettle 42!",
            address="test",
        )
    assert len(hashes) == 2
    assert all(h and h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h or "kettle" in h for h in hashes if h)
    assert root.email == "root@example.com"


@pytest.mark.parametrize("field", ["email", "password", "name"])
@pytest.mark.parametrize("text", ["\ud800", "\u0000"])
async def test_text_a_database_cannot_store_is_a_422(
    identity: IdentityHarness, field: str, text: str
) -> None:
    body = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
    async with identity.client() as client:
        response = await client.post(
            "/api/v1/accounts",
            content=json.dumps({**body, field: body[field] + text}),  # "\ud800" escaped
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert response.json()["errors"][0]["loc"] == ["body", field]  # type: ignore[attr-defined]


async def test_nul_in_the_query_of_an_identity_page_is_a_422(identity: IdentityHarness) -> None:
    async with identity.client() as client:
        response = await client.get(
            "/realms/codeflix/protocol/openid-connect/auth?client_id=codeflix-web%00&state=x"
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
