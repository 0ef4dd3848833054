"""Checking an authorization request before the login page is shown (and again on submit).

A request naming an unknown client or a redirect URI the client did not register gets an
error page: redirecting there would make Codeflix an open redirector. Other mistakes go back
to the client as ``error`` parameters on its redirect URI, as RFC 6749 §4.1.2.1 says.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.grants import find_client
from apis.identity.realm import ClientConfig

AUTH_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


class InvalidClientRequest(Exception):
    """Unknown client or unregistered redirect URI: show an error page, never redirect."""


@dataclass(frozen=True)
class RedirectError(Exception):
    """An error to send back to the client on its (valid) redirect URI."""

    location: str


@dataclass(frozen=True)
class AuthorizationRequest:
    client: ClientConfig
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None


def with_query(uri: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


async def check_authorization_request(
    *, session: AsyncSession, params: dict[str, str], issuer: str, base_url: str
) -> AuthorizationRequest:
    client = await find_client(session=session, client_id=params.get("client_id", ""))
    if client is None or not client.standard_flow:
        raise InvalidClientRequest("this application is not allowed to sign people in here")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not client.allows_redirect(redirect_uri, base_url=base_url):
        raise InvalidClientRequest("the application's redirect address is not registered")
    state = params.get("state")

    def fail(error: str, description: str) -> RedirectError:
        return RedirectError(
            with_query(
                redirect_uri,
                {"error": error, "error_description": description, "state": state, "iss": issuer},
            )
        )

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "only response_type=code is supported")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or ("plain" if challenge else None)
    if client.public and not challenge:
        raise fail("invalid_request", "PKCE (code_challenge with S256) is required")
    if challenge and method != "S256":
        raise fail("invalid_request", "code_challenge_method must be S256")
    if challenge and not 43 <= len(challenge) <= 128:
        raise fail("invalid_request", "code_challenge must be 43 to 128 characters")
    scope = params.get("scope") or "openid"
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=params.get("nonce") or None,
        code_challenge=challenge,
    )
