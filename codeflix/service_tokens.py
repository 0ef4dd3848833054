"""Service-to-service calls: a client-credentials token, fetched once and reused until expiry.

tokens = service_tokens_for(settings, platform)
async with httpx.AsyncClient(auth=tokens.auth(), ...) as client:
    await client.get(...)   # carries ``Authorization: Bearer <service token>``
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from codeflix.auth import issuer_for
from codeflix.outgoing_http import http_client
from codeflix.settings import DEFAULT_SECRET

if TYPE_CHECKING:
    from codeflix.platform import Platform
    from codeflix.settings import CommonSettings

SERVICES_CLIENT_ID = "codeflix-services"


class ServiceAuthError(Exception):
    """The issuer refused the service's credentials or could not be reached."""


class ServiceClientSettings(BaseSettings):
    """``CODEFLIX_SERVICES_CLIENT_ID`` / ``CODEFLIX_SERVICES_CLIENT_SECRET``."""

    model_config = SettingsConfigDict(env_prefix="CODEFLIX_SERVICES_", extra="ignore")

    client_id: str = SERVICES_CLIENT_ID
    client_secret: str = DEFAULT_SECRET


class ServiceTokens:
    """Client-credentials tokens for one client, cached until shortly before they expire."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        http: Callable[[], httpx.AsyncClient] = http_client,
        clock: Callable[[], float] = time.time,
        margin_seconds: float = 30,
    ) -> None:
        self.token_url = token_url
        self._credentials = (client_id, client_secret)
        self._http = http
        self._clock = clock
        self._margin = margin_seconds
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A valid access token, fetched only when the cached one is (nearly) expired."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin:
                await self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        self._token = None

    async def _fetch(self) -> None:
        try:
            async with self._http() as client:
                response = await client.post(
                    self.token_url,
                    data={"grant_type": "client_credentials"},
                    auth=httpx.BasicAuth(*self._credentials),
                )
        except httpx.HTTPError as e:
            raise ServiceAuthError(f"cannot reach the token endpoint {self.token_url}: {e}") from e
        if response.status_code != 200:
            raise ServiceAuthError(
                f"the token endpoint refused client {self._credentials[0]!r} "
                f"({response.status_code}): {response.text[:200]}"
            )
        body = response.json()
        self._token = str(body["access_token"])
        self._expires_at = self._clock() + float(body.get("expires_in", 60))

    def auth(self) -> httpx.Auth:
        """An ``httpx`` auth that adds the token and retries once with a new one after a 401."""
        return _ServiceBearerAuth(self)


class _ServiceBearerAuth(httpx.Auth):
    def __init__(self, tokens: ServiceTokens) -> None:
        self.tokens = tokens

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self.tokens.token()}"
        response = yield request
        if response.status_code == 401:
            # The issuer may have rotated keys or revoked the token: try once with a new one.
            self.tokens.invalidate()
            request.headers["Authorization"] = f"Bearer {await self.tokens.token()}"
            yield request


def service_tokens_for(settings: CommonSettings, platform: Platform | None = None) -> ServiceTokens:
    """The service-token source of a service, embedded (in-process identity) or deployed."""
    client = ServiceClientSettings()
    token_url = f"{issuer_for(settings)}/protocol/openid-connect/token"

    def http() -> httpx.AsyncClient:
        identity_app = platform.identity_app if platform else None
        if identity_app is None:
            return http_client(timeout=10)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=identity_app))

    return ServiceTokens(
        token_url=token_url,
        client_id=client.client_id,
        client_secret=client.client_secret,
        http=http,
    )
