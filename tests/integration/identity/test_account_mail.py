"""Confirming an address, resetting a password and the parental limit, with the mail read
back from a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from codeflix.mail.server import LocalMailServer
from codeflix.mail.store import StoredMail
from tests.support.clock import FakeClock
from tests.support.identity import IdentityHarness, identity_settings, start_identity
from tests.support.mail import link_in, mails_to
from tests.unit.identity.conftest import claims_of
from tests.unit.identity.helpers import (
    OIDC,
    PASSWORD,
    hidden_fields,
    register,
    signed_in_tokens,
    token_request,
)

ACCOUNTS = "/api/v1/accounts"
NEW_PASSWORD = "A brand new passphrase 7"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def identity(
    database_url: str, tmp_path: Path, mail_server: LocalMailServer
) -> AsyncIterator[IdentityHarness]:
    settings = identity_settings(
        tmp_path,
        database_url=database_url,
        smtp_host=mail_server.host,
        smtp_port=mail_server.port,
        smtp_security="none",
    )
    async for harness in start_identity(settings, FakeClock()):
        yield harness


async def delivered(
    identity: IdentityHarness, server: LocalMailServer, to: str
) -> list[StoredMail]:
    """Send what the outbox holds now, then read the server's store."""
    await identity.app.state.mail_relay.relay_once()
    # The app's own relay may be sending some of them right now: wait until it is done.
    pending = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    for _ in range(200):
        async with identity.app.state.sessions() as session:
            if not await session.scalar(text(pending)):
                break
        await asyncio.sleep(0.02)
    return mails_to(server.store, to)


def token_of(mail: StoredMail, path: str) -> str:
    return parse_qs(urlsplit(link_in(mail, path)).query)["token"][0]


async def password_tokens(identity: IdentityHarness, email: str, password: str) -> Any:
    return await token_request(
        identity, grant_type="password", client_id="codeflix-cli", username=email, password=password
    )


async def test_sign_up_mails_a_single_use_link_that_confirms_the_address(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    before = (await password_tokens(identity, "ada@example.com", PASSWORD)).json()
    assert claims_of(before["access_token"])["email_verified"] is False

    [mail] = await delivered(identity, mail_server, "ada@example.com")
    assert mail.subject == "Confirm your email address"
    assert "Confirm my address" in mail.body("html") and "48 hours" in mail.body()
    link = urlsplit(link_in(mail, "/login-actions/verify-email"))
    assert link.netloc == "identity.test"
    async with identity.client() as browser:
        page = await browser.get(f"{link.path}?{link.query}")
        assert page.status_code == 200 and "ada@example.com is confirmed" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        again = await browser.get(f"{link.path}?{link.query}")
        assert again.status_code == 400 and "not valid" in again.text

    after = (await password_tokens(identity, "ada@example.com", PASSWORD)).json()
    assert claims_of(after["access_token"])["email_verified"] is True
    assert claims_of(after["id_token"])["email_verified"] is True
    async with identity.client() as client:
        me = await client.get(
            f"{ACCOUNTS}/me", headers={"Authorization": f"Bearer {after['access_token']}"}
        )
    assert me.json() == {
        "id": claims_of(after["access_token"])["sub"],
        "email": "ada@example.com",
        "name": "Ada",
        "email_verified": True,
        "max_rating": None,
    }


async def test_refreshing_after_confirmation_carries_the_new_claim(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    tokens = await signed_in_tokens(identity, "ada@example.com")
    [mail] = await delivered(identity, mail_server, "ada@example.com")
    async with identity.client() as client:
        confirmed = await client.post(
            f"{ACCOUNTS}/email-verification/confirm",
            json={"token": token_of(mail, "/verify-email")},
        )
    assert confirmed.json() == {"email": "ada@example.com", "email_verified": True}
    refreshed = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=tokens["refresh_token"],
    )
    assert claims_of(refreshed.json()["access_token"])["email_verified"] is True


async def test_neither_flow_tells_whether_an_address_has_an_account(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    await delivered(identity, mail_server, "ada@example.com")
    async with identity.client() as client:
        body = {"email": "ada@example.com", "password": PASSWORD, "name": "Eve"}
        taken = await client.post(ACCOUNTS, json=body)
        fresh = await client.post(ACCOUNTS, json={**body, "email": "new@example.com"})
        known = await client.post(f"{ACCOUNTS}/password-reset", json={"email": "ADA@example.com"})
        unknown = await client.post(f"{ACCOUNTS}/password-reset", json={"email": "no@example.com"})
        resend_known = await client.post(
            f"{ACCOUNTS}/email-verification", json={"email": "new@example.com"}
        )
        resend_unknown = await client.post(
            f"{ACCOUNTS}/email-verification", json={"email": "nobody@example.com"}
        )
    assert taken.status_code == fresh.status_code == 201
    assert taken.json()["message"] == fresh.json()["message"]
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    assert resend_known.json() == resend_unknown.json()

    ada = [m.subject for m in await delivered(identity, mail_server, "ada@example.com")]
    assert sorted(ada) == [
        "Confirm your email address",  # from the first sign-up
        "Reset your Codeflix password",
        "You already have a Codeflix account",  # only the owner of the address learns it
    ]
    assert [m.subject for m in mails_to(mail_server.store, "new@example.com")] == [
        "Confirm your email address",
        "Confirm your email address",
    ]
    assert mails_to(mail_server.store, "no@example.com") == []
    assert mails_to(mail_server.store, "nobody@example.com") == []


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    web = await signed_in_tokens(identity, "ada@example.com")
    cli = (await password_tokens(identity, "ada@example.com", PASSWORD)).json()
    async with identity.client() as client:
        await client.post(f"{ACCOUNTS}/password-reset", json={"email": "ada@example.com"})
    [mail] = [
        m
        for m in await delivered(identity, mail_server, "ada@example.com")
        if m.subject == "Reset your Codeflix password"
    ]
    assert "30 minutes" in mail.body()
    token = token_of(mail, "/reset-password")
    async with identity.client() as client:
        weak = await client.post(
            f"{ACCOUNTS}/password-reset/confirm", json={"token": token, "password": "short"}
        )
        assert weak.status_code == 422 and weak.json()["errors"][0]["loc"] == ["body", "password"]
        done = await client.post(
            f"{ACCOUNTS}/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert done.status_code == 204, done.text
        replay = await client.post(
            f"{ACCOUNTS}/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert replay.status_code == 400 and "not valid" in replay.json()["detail"]
        old_access = await client.get(
            f"{OIDC}/userinfo", headers={"Authorization": f"Bearer {web['access_token']}"}
        )
        assert old_access.status_code == 401
    for refresh_token, client_id in ((web["refresh_token"], "codeflix-web"),
                                     (cli["refresh_token"], "codeflix-cli")):  # fmt: skip
        refused = await token_request(
            identity, grant_type="refresh_token", client_id=client_id, refresh_token=refresh_token
        )
        assert refused.json()["error"] == "invalid_grant"
    assert (await password_tokens(identity, "ada@example.com", PASSWORD)).status_code == 401
    fresh = await password_tokens(identity, "ada@example.com", NEW_PASSWORD)
    assert fresh.status_code == 200
    assert claims_of(fresh.json()["access_token"])["email_verified"] is True  # mailbox proven
    subjects = [m.subject for m in await delivered(identity, mail_server, "ada@example.com")]
    assert "Your Codeflix password was changed" in subjects


async def test_a_reset_link_dies_after_30_minutes_and_when_a_newer_one_is_sent(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    async with identity.client() as client:
        for _ in range(2):
            await client.post(f"{ACCOUNTS}/password-reset", json={"email": "ada@example.com"})
            await delivered(identity, mail_server, "ada@example.com")
            identity.clock.advance(2)  # the Date headers tell the two messages apart
        first, second = [
            token_of(m, "/reset-password")
            for m in mails_to(mail_server.store, "ada@example.com")
            if m.subject.startswith("Reset")
        ]
        confirm = f"{ACCOUNTS}/password-reset/confirm"
        stale = await client.post(confirm, json={"token": first, "password": NEW_PASSWORD})
        assert stale.status_code == 400
        identity.clock.advance(31 * 60)
        expired = await client.post(confirm, json={"token": second, "password": NEW_PASSWORD})
        assert expired.status_code == 400
    assert (await password_tokens(identity, "ada@example.com", PASSWORD)).status_code == 200


async def test_forged_altered_and_misused_tokens_are_refused_then_throttled(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    [mail] = await delivered(identity, mail_server, "ada@example.com")
    verify = token_of(mail, "/verify-email")
    nonce, _, signature = verify.partition(".")
    hostile = [
        f"{nonce}.{signature[:-2]}AA",  # altered signature
        f"{nonce[:-1]}x.{signature}",  # altered nonce
        nonce,  # no signature
        "." + signature,
        "' OR 1=1 --",
        "x" * 199,
    ]
    confirm = f"{ACCOUNTS}/password-reset/confirm"
    async with identity.client() as client:
        for token in hostile:
            response = await client.post(confirm, json={"token": token, "password": NEW_PASSWORD})
            assert response.status_code == 400, token
        # A confirmation link is not a reset link, even though it is genuine.
        misused = await client.post(confirm, json={"token": verify, "password": NEW_PASSWORD})
        assert misused.status_code == 400
        too_long = await client.post(confirm, json={"token": "x" * 5000, "password": "p"})
        assert too_long.status_code == 422
        statuses = []
        for i in range(20):
            guess = {"token": f"guess{i}.sig", "password": "p"}
            statuses.append((await client.post(confirm, json=guess)).status_code)
        assert statuses[-1] == 429 and set(statuses) == {400, 429}
        # The genuine confirmation link still works for its own purpose.
        ok = await client.post(f"{ACCOUNTS}/email-verification/confirm", json={"token": verify})
        assert ok.status_code in (200, 429)
    assert (await password_tokens(identity, "ada@example.com", PASSWORD)).status_code == 200


async def test_link_requests_are_rate_limited_per_account_and_per_address(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    async with identity.client() as client:
        answers = [
            await client.post(f"{ACCOUNTS}/password-reset", json={"email": "ada@example.com"})
            for _ in range(6)
        ]
        assert [a.status_code for a in answers] == [202] * 6
        resets = [
            m
            for m in await delivered(identity, mail_server, "ada@example.com")
            if m.subject.startswith("Reset")
        ]
        assert len(resets) == 3  # the account's limit; the answers do not change
        more = [
            await client.post(f"{ACCOUNTS}/password-reset", json={"email": f"u{i}@example.com"})
            for i in range(6)
        ]
        assert [a.status_code for a in more][:4] == [202] * 4
        assert more[-1].status_code == 429
        assert more[-1].headers["content-type"] == "application/problem+json"


async def test_the_forgot_and_reset_pages(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    async with identity.client() as browser:
        login = await browser.get(f"{OIDC}/auth", params={"client_id": "codeflix-web"})
        assert "Forgot your password?" in login.text or login.status_code == 400
        page = await browser.get("/realms/codeflix/login-actions/reset-credentials")
        assert page.status_code == 200 and 'name="email"' in page.text
        forged = await browser.post(
            "/realms/codeflix/login-actions/reset-credentials",
            data={"email": "ada@example.com", "csrf": "forged"},
        )
        assert forged.status_code == 400
        sent = await browser.post(
            "/realms/codeflix/login-actions/reset-credentials",
            data={**hidden_fields(page.text), "email": "ada@example.com"},
        )
        assert sent.status_code == 200 and "If an account uses this address" in sent.text
        [mail] = [
            m
            for m in await delivered(identity, mail_server, "ada@example.com")
            if m.subject.startswith("Reset")
        ]
        link = urlsplit(link_in(mail, "/reset-password"))
        form_page = await browser.get(f"{link.path}?{link.query}")
        assert form_page.status_code == 200 and 'name="password"' in form_page.text
        fields = hidden_fields(form_page.text)
        weak = await browser.post(link.path, data={**fields, "password": "short"})
        assert weak.status_code == 422
        done = await browser.post(link.path, data={**fields, "password": NEW_PASSWORD})
        assert done.status_code == 200 and "Password changed" in done.text
    assert (await password_tokens(identity, "ada@example.com", NEW_PASSWORD)).status_code == 200


async def test_the_parental_limit_needs_the_password_and_travels_in_tokens(
    identity: IdentityHarness, mail_server: LocalMailServer
) -> None:
    await register(identity, "ada@example.com")
    tokens = await signed_in_tokens(identity, "ada@example.com")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    limit = f"{ACCOUNTS}/me/parental-limit"
    async with identity.client() as client:
        guess = {"max_rating": "12", "password": "guess"}
        wrong = await client.put(limit, json=guess, headers=bearer)
        assert wrong.status_code == 403 and wrong.json()["detail"] == "the password is incorrect"
        missing = await client.put(limit, json={"max_rating": "12"}, headers=bearer)
        assert missing.status_code == 422
        for bad in ("21", "PG-13", 12, "", "12; DROP TABLE users"):
            response = await client.put(
                limit, json={"max_rating": bad, "password": PASSWORD}, headers=bearer
            )
            assert response.status_code == 422, bad
        anonymous = await client.put(limit, json={"max_rating": "12", "password": PASSWORD})
        assert anonymous.status_code == 401
        done = await client.put(
            limit, json={"max_rating": "12", "password": PASSWORD}, headers=bearer
        )
        assert done.status_code == 200 and done.json()["max_rating"] == "12"
    refreshed = await token_request(
        identity,
        grant_type="refresh_token",
        client_id="codeflix-web",
        refresh_token=tokens["refresh_token"],
    )
    assert claims_of(refreshed.json()["access_token"])["max_rating"] == "12"
    async with identity.client() as client:
        lifted = await client.put(
            limit, json={"max_rating": None, "password": PASSWORD}, headers=bearer
        )
    assert lifted.json()["max_rating"] is None
    fresh = (await password_tokens(identity, "ada@example.com", PASSWORD)).json()
    assert "max_rating" not in claims_of(fresh["access_token"])


async def test_guessing_the_password_at_the_parental_limit_is_throttled(
    identity: IdentityHarness,
) -> None:
    await register(identity, "ada@example.com")
    tokens = await signed_in_tokens(identity, "ada@example.com")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    limit = f"{ACCOUNTS}/me/parental-limit"
    async with identity.client() as client:
        for attempt in range(identity.settings.login_failures_per_account):
            guess = {"max_rating": None, "password": f"guess number {attempt}"}
            assert (await client.put(limit, json=guess, headers=bearer)).status_code == 403
        right = {"max_rating": None, "password": PASSWORD}
        throttled = await client.put(limit, json=right, headers=bearer)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
