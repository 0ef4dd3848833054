"""The login and sign-up pages: careless requests, forged forms, no open redirects."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.identity import IdentityHarness
from tests.unit.identity.helpers import (
    OIDC,
    PASSWORD,
    auth_params,
    hidden_fields,
    register,
)

LOGIN = "/realms/codeflix/login-actions/authenticate"
SIGN_UP = "/realms/codeflix/login-actions/registration"


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "nope"},
        {"client_id": "codeflix-cli"},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": "http://127.0.0.1:8000.evil.example/"},
        {"redirect_uri": ""},
    ],
    ids=["unknown client", "client without browser flow", "foreign redirect", "lookalike", "none"],
)
async def test_a_bad_client_or_redirect_gets_an_error_page_not_a_redirect(
    identity: IdentityHarness, change: dict[str, str]
) -> None:
    async with identity.client() as browser:
        response = await browser.get(f"{OIDC}/auth", params=auth_params(**change))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert 'role="alert"' in response.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
    ids=["no PKCE", "plain PKCE", "short challenge", "implicit"],
)
async def test_a_bad_authorization_request_goes_back_to_the_client_with_an_error(
    identity: IdentityHarness, change: dict[str, str], error: str
) -> None:
    async with identity.client() as browser:
        response = await browser.get(f"{OIDC}/auth", params=auth_params(**change))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == [error] and query["state"] == ["st4te"]


async def test_the_login_page_is_accessible_and_cannot_be_framed(identity: IdentityHarness) -> None:
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert '<label for="username">' in html and 'autocomplete="current-password"' in html
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


async def test_a_login_form_without_its_browser_cookie_is_refused(
    identity: IdentityHarness,
) -> None:
    await register(identity, "ada@example.com")
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
        form = {**hidden_fields(page.text), "username": "ada@example.com", "password": PASSWORD}
    async with identity.client() as other_browser:
        response = await other_browser.post(LOGIN, data=form)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_a_login_form_with_a_swapped_redirect_is_refused(identity: IdentityHarness) -> None:
    await register(identity, "ada@example.com")
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
        form = {**hidden_fields(page.text), "username": "ada@example.com", "password": PASSWORD}
        form["redirect_uri"] = "https://evil.example/steal"
        response = await browser.post(LOGIN, data=form)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_wrong_and_unknown_accounts_read_the_same(identity: IdentityHarness) -> None:
    await register(identity, "ada@example.com")
    answers = []
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
        for email in ("ada@example.com", "nobody@example.com"):
            form = {**hidden_fields(page.text), "username": email, "password": "not the password"}
            response = await browser.post(LOGIN, data=form)
            answers.append((response.status_code, response.text.replace(email, "EMAIL")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
    assert "The email address or password is incorrect".lower() in answers[0][1].lower()


async def test_login_is_throttled_per_account_even_with_the_right_password(
    identity: IdentityHarness,
) -> None:
    await register(identity, "ada@example.com")
    limit = identity.settings.login_failures_per_account
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
        hidden = hidden_fields(page.text)
        for _ in range(limit):
            wrong = {**hidden, "username": "ada@example.com", "password": "guess-guess-guess"}
            assert (await browser.post(LOGIN, data=wrong)).status_code == 401
        right = {**hidden, "username": "ada@example.com", "password": PASSWORD}
        throttled = await browser.post(LOGIN, data=right)
        assert throttled.status_code == 429
        identity.clock.advance(identity.settings.login_failure_window_seconds + 1)
        assert (await browser.post(LOGIN, data=right)).status_code == 303


async def test_parallel_guesses_on_the_login_page_get_exactly_the_limit(
    identity: IdentityHarness,
) -> None:
    await register(identity, "ada@example.com")
    limit = identity.settings.login_failures_per_account
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
        wrong = {**hidden_fields(page.text), "username": "ada@example.com", "password": "guess-1"}
        responses = await asyncio.gather(*(browser.post(LOGIN, data=wrong) for _ in range(12)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [401] * limit + [429] * (12 - limit)


async def test_parallel_sign_ups_on_the_page_get_exactly_the_limit(
    identity: IdentityHarness,
) -> None:
    limit = identity.settings.registrations_per_address
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/registrations", params=auth_params())
        hidden = hidden_fields(page.text)
        forms = [
            {**hidden, "email": f"u{n}@example.com", "password": PASSWORD, "name": "Ada"}
            for n in range(limit + 5)
        ]
        responses = await asyncio.gather(*(browser.post(SIGN_UP, data=form) for form in forms))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [303] * limit + [429] * 5


async def test_login_is_throttled_per_address_across_accounts(identity: IdentityHarness) -> None:
    limit = identity.settings.login_failures_per_address
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params())
        hidden = hidden_fields(page.text)
        statuses = []
        for attempt in range(limit + 1):
            form = {**hidden, "username": f"user{attempt}@example.com", "password": "guess-guess"}
            statuses.append((await browser.post(LOGIN, data=form)).status_code)
    assert statuses[:limit] == [401] * limit
    assert statuses[limit] == 429


async def test_signing_up_through_the_page_leads_back_to_the_login(
    identity: IdentityHarness,
) -> None:
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/registrations", params=auth_params())
        assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
        hidden = hidden_fields(page.text)
        weak = await browser.post(
            SIGN_UP, data={**hidden, "email": "not-an-email", "password": "short", "name": "Ada"}
        )
        assert weak.status_code == 422
        assert 'aria-invalid="true"' in weak.text and "valid email address" in weak.text
        created = await browser.post(
            SIGN_UP,
            data={**hidden, "email": "ada@example.com", "password": PASSWORD, "name": "Ada"},
        )
        assert created.status_code == 303
        login = await browser.get(created.headers["location"])
    assert login.status_code == 200 and "Your account is ready" in login.text
    assert hidden_fields(login.text)["client_id"] == "codeflix-web"


async def test_html_in_user_input_is_escaped(identity: IdentityHarness) -> None:
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/registrations", params=auth_params())
        response = await browser.post(
            SIGN_UP,
            data={**hidden_fields(page.text), "email": "<script>x</script>", "password": "x"},
        )
    assert "<script>x</script>" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_prompt_create_opens_the_sign_up_page_for_the_same_application(
    identity: IdentityHarness,
) -> None:
    async with identity.client() as browser:
        page = await browser.get(f"{OIDC}/auth", params=auth_params(prompt="create"))
        assert page.status_code == 200 and "Create your account" in page.text
        hidden = hidden_fields(page.text)
        assert hidden["client_id"] == "codeflix-web" and "prompt" not in hidden
        created = await browser.post(
            SIGN_UP,
            data={**hidden, "email": "grace@example.com", "password": PASSWORD, "name": "Grace"},
        )
        assert created.status_code == 303
        login = await browser.get(created.headers["location"])
    assert "Your account is ready" in login.text
    # A bad application still gets the error page, never the form.
    async with identity.client() as browser:
        bad = await browser.get(
            f"{OIDC}/auth", params=auth_params(prompt="create", redirect_uri="http://evil.test/")
        )
    assert bad.status_code == 400
