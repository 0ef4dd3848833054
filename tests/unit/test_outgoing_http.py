"""Outgoing HTTP clients share one TLS set-up instead of building one each."""

from __future__ import annotations

import httpx

from codeflix.outgoing_http import http_client, tls_context
from codeflix.service_tokens import ServiceTokens
from codeflix.token_verifier import TokenVerifier


async def test_clients_share_the_process_tls_settings() -> None:
    async with http_client() as first, http_client(timeout=10) as second:
        assert first._transport._pool._ssl_context is tls_context()  # type: ignore[attr-defined]
        assert second._transport._pool._ssl_context is tls_context()  # type: ignore[attr-defined]
        assert second.timeout == httpx.Timeout(10)


def test_the_token_verifier_and_service_tokens_use_them_by_default() -> None:
    verifier = TokenVerifier(issuer="https://issuer.test/realms/codeflix")
    assert verifier._http is http_client
    tokens = ServiceTokens(token_url="https://issuer.test/token", client_id="a", client_secret="b")
    assert tokens._http is http_client  # type: ignore[attr-defined]
