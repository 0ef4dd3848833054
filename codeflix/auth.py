"""Who is calling: every service checks access tokens itself with the issuer's public keys.

The issuer is Codeflix's identity service (embedded, tests) or Keycloak (deployed); both
publish the same layout, so a service needs only the issuer URL:

- :class:`TokenVerifier` fetches the issuer's JWKS, caches it for five minutes at most
  (``CODEFLIX_OIDC_JWKS_REFRESH_SECONDS``, or the JWKS's shorter ``Cache-Control: max-age``) so
  a key the issuer withdraws stops working, fetches it again sooner when a token names a key it
  does not know (a rotation), and checks the RS256 signature, ``iss``, ``aud``,
  ``exp`` and ``nbf`` with a small leeway;
- :func:`install_auth` gives an app its verifier; the dependencies :data:`CurrentUser` and
  :func:`require_roles` answer 401 (with ``WWW-Authenticate: Bearer``) to a missing or bad
  token and 403 to a missing role::

      @router.get("/api/v1/admin/videos")
      async def list_videos(admin: Annotated[Principal, Depends(require_roles("catalog-admin"))]):
          ...

- :func:`verifier_for` builds the verifier a service needs, embedded or deployed; deployed, it
  may fetch the JWKS at an internal address (``CODEFLIX_OIDC_JWKS_URL``) rather than through
  the public one, while tokens keep naming the public issuer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Protocol

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from codeflix.outgoing_http import http_client
from codeflix.problems import Forbidden, Unauthorized
from codeflix.token_verifier import (
    ADMIN_ROLE,
    ALGORITHM,
    DEFAULT_AUDIENCE,
    DEFAULT_MAX_STALE_SECONDS,
    DEFAULT_REFRESH_SECONDS,
    JWKS_PATH,
    IdentityUnavailable,
    InvalidToken,
    Principal,
    TokenVerifier,
)

if TYPE_CHECKING:
    from codeflix.platform import Platform
    from codeflix.settings import CommonSettings

__all__ = [
    "ADMIN_ROLE",
    "ALGORITHM",
    "DEFAULT_AUDIENCE",
    "JWKS_PATH",
    "CurrentUser",
    "IdentityUnavailable",
    "InvalidToken",
    "OidcSettings",
    "Principal",
    "TokenVerifier",
    "Verifier",
    "current_principal",
    "install_auth",
    "issuer_for",
    "require_roles",
    "verifier_for",
]

REALM_PATH = "/realms/codeflix"


class Verifier(Protocol):
    """What the dependencies need; tests of other services may pass a ``Fake…`` of it."""

    async def verify(self, token: str) -> Principal: ...


def install_auth(app: FastAPI, verifier: Verifier) -> None:
    """Make ``verifier`` the one :data:`CurrentUser` and :func:`require_roles` use in ``app``."""
    app.state.token_verifier = verifier


_bearer = HTTPBearer(auto_error=False)


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="codeflix"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from the ``Authorization: Bearer`` header (401 when absent or invalid)."""
    if credentials is None:
        raise Unauthorized("sign in: this endpoint needs a bearer token", headers=_challenge())
    verifier: Verifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("install_auth(app, verifier) was not called for this app")
    try:
        return await verifier.verify(credentials.credentials)
    except InvalidToken:
        raise Unauthorized(
            "the access token is invalid or expired", headers=_challenge("invalid_token")
        ) from None


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through callers holding every one of ``roles`` (403 otherwise)."""

    async def dependency(user: CurrentUser) -> Principal:
        missing = [role for role in roles if not user.has_role(role)]
        if missing:
            raise Forbidden(f"this needs the role {', '.join(missing)}")
        return user

    return dependency


class OidcSettings(BaseSettings):
    """Where the issuer is, where its keys are fetched and how long they are trusted between
    two fetches: ``CODEFLIX_OIDC_ISSUER``, ``CODEFLIX_OIDC_AUDIENCE``,
    ``CODEFLIX_OIDC_JWKS_URL``, ``CODEFLIX_OIDC_JWKS_REFRESH_SECONDS``."""

    model_config = SettingsConfigDict(env_prefix="CODEFLIX_OIDC_", extra="ignore")

    issuer: str | None = None
    audience: str = DEFAULT_AUDIENCE
    # Where this service fetches the JWKS when that is not the public issuer's address, e.g.
    # the identity Service inside the cluster. Tokens must still carry the public issuer.
    jwks_url: str | None = None
    # The longest a key the issuer withdrew (a leaked one) keeps working in this service.
    jwks_refresh_seconds: float = Field(default=DEFAULT_REFRESH_SECONDS, ge=10)
    # How long the last keys stay usable while the issuer is unreachable.
    jwks_max_stale_seconds: float = Field(default=DEFAULT_MAX_STALE_SECONDS, ge=0)


def issuer_for(settings: CommonSettings) -> str:
    """The issuer URL: ``CODEFLIX_OIDC_ISSUER``, else ``{CODEFLIX_PUBLIC_URL}/realms/codeflix``."""
    configured = getattr(settings, "oidc_issuer", None) or OidcSettings().issuer
    return (configured or f"{settings.public_url.rstrip('/')}{REALM_PATH}").rstrip("/")


def verifier_for(settings: CommonSettings, platform: Platform | None = None) -> TokenVerifier:
    """The verifier of a service: in-process calls to the embedded identity app when there is
    one on the platform, HTTP to the issuer otherwise."""
    issuer = issuer_for(settings)
    oidc = OidcSettings()
    if platform is None:
        return TokenVerifier(
            issuer=issuer,
            audience=oidc.audience,
            jwks_url=oidc.jwks_url,
            refresh_seconds=oidc.jwks_refresh_seconds,
            max_stale_seconds=oidc.jwks_max_stale_seconds,
        )

    def embedded_client() -> httpx.AsyncClient:
        identity_app = platform.identity_app
        if identity_app is None:
            return http_client()
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=identity_app))

    return TokenVerifier(
        issuer=issuer,
        audience=oidc.audience,
        jwks_url=oidc.jwks_url,
        http=embedded_client,
        refresh_seconds=oidc.jwks_refresh_seconds,
        max_stale_seconds=oidc.jwks_max_stale_seconds,
    )
