"""Helpers for the identity tests: a protected endpoint of another service, token surgery."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI

from codeflix.auth import CurrentUser, Principal, install_auth, require_roles
from codeflix.web import service_app
from tests.support.identity import IdentityHarness


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def header_of(token: str) -> dict[str, Any]:
    header = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    )
    return decoded


def protected_app(identity: IdentityHarness) -> FastAPI:
    """A stand-in service with one endpoint for any user and one for catalog admins."""
    app = service_app("protected", title="A protected service")
    install_auth(app, identity.verifier)

    @app.get("/api/v1/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        return {"sub": user.subject, "roles": sorted(user.roles)}

    @app.get("/api/v1/admin/things")
    async def admin_things(
        user: Annotated[Principal, Depends(require_roles("catalog-admin"))],
    ) -> dict[str, str]:
        return {"sub": user.subject}

    return app


@pytest.fixture
def protected(identity: IdentityHarness) -> FastAPI:
    return protected_app(identity)
