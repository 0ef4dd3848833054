"""The OpenID Connect endpoints (Keycloak's paths) and the JSON sign-up."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import codes, grants, metrics, pages, recovery, service
from apis.identity.config import REALM
from apis.identity.deps import client_address, runtime_of, unit
from apis.identity.keys import JWKS_MAX_AGE_SECONDS
from apis.identity.logout import logout_with_refresh_token, revoke_token
from apis.identity.schemas import AccountAccepted, AccountCreate, UserInfo
from codeflix.auth import CurrentUser
from codeflix.problems import Unauthorized

OIDC = f"/realms/{REALM}/protocol/openid-connect"
router = APIRouter()
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def client_credentials_of(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    """``client_secret_basic`` or ``client_secret_post`` (or just a public client's id)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
            client_id, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise grants.OAuthError(
                "invalid_client", "malformed Basic credentials", status=401
            ) from None
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret")


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.get(f"/realms/{REALM}/.well-known/openid-configuration")
async def discovery(request: Request) -> dict[str, Any]:
    """The OpenID Connect discovery document."""
    issuer = runtime_of(request).settings.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/protocol/openid-connect/auth",
        "token_endpoint": f"{issuer}/protocol/openid-connect/token",
        "userinfo_endpoint": f"{issuer}/protocol/openid-connect/userinfo",
        "end_session_endpoint": f"{issuer}/protocol/openid-connect/logout",
        "revocation_endpoint": f"{issuer}/protocol/openid-connect/revoke",
        "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
        ],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "scopes_supported": ["openid", "profile", "email"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "email",
            "email_verified",
            "name",
            "preferred_username",
            "max_rating",
        ],
    }


@router.get(f"{OIDC}/certs")
async def certs(request: Request, response: Response) -> dict[str, object]:
    """The JSON Web Key Set: every public key a valid token may be signed with."""
    runtime = runtime_of(request)
    async with unit(request) as session:
        ring = await runtime.keys.ring(session=session, now=runtime.clock.now())
    # Verifiers keep the keys no longer than this, so a withdrawn key stops working soon.
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return ring.jwks()


@router.post(f"{OIDC}/token")
async def token(request: Request) -> JSONResponse:
    """The token endpoint: authorization_code, refresh_token, client_credentials, password."""
    runtime, form = runtime_of(request), await form_of(request)
    client_id, secret = client_credentials_of(request, form)
    grant_type = form.get("grant_type", "")
    async with unit(request) as session:
        client = await grants.authenticate_client(
            session=session, client_id=client_id, client_secret=secret
        )
        body = await _grant(session, runtime, client, grant_type, form, client_address(request))
    metrics.tokens_issued().labels(grant_type).inc()
    return JSONResponse(body, headers=_NO_STORE)


async def _grant(
    session: AsyncSession,
    runtime: service.IdentityRuntime,
    client: Any,
    grant_type: str,
    form: dict[str, str],
    address: str,
) -> dict[str, Any]:
    scope = form.get("scope") or "openid profile email"
    if grant_type == "authorization_code":
        return await codes.exchange_code(
            session=session,
            runtime=runtime,
            client=client,
            code=form.get("code", ""),
            redirect_uri=form.get("redirect_uri", ""),
            code_verifier=form.get("code_verifier"),
        )
    if grant_type == "refresh_token":
        return await grants.refresh(
            session=session,
            runtime=runtime,
            client=client,
            refresh_token=form.get("refresh_token", ""),
        )
    if grant_type == "client_credentials":
        return await grants.client_credentials(
            session=session,
            runtime=runtime,
            client=client,
            scope=form.get("scope") or "profile email",
        )
    if grant_type == "password":
        return await grants.password_grant(
            session=session,
            runtime=runtime,
            client=client,
            username=form.get("username", ""),
            password=form.get("password", ""),
            scope=scope,
            address=address,
        )
    raise grants.OAuthError("unsupported_grant_type", f"unsupported grant_type {grant_type!r}")


# One route per method, so each has an operation id of its own in the OpenAPI document.
@router.get(f"{OIDC}/userinfo", response_model=UserInfo)
@router.post(f"{OIDC}/userinfo", response_model=UserInfo)
async def userinfo(request: Request, user: CurrentUser) -> UserInfo:
    """Claims about the signed-in user (the session must still be open)."""
    async with unit(request) as session:
        if not await service.session_is_open(session=session, claims=user.claims):
            raise Unauthorized(
                "the session has ended",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
    return UserInfo(
        sub=user.subject,
        email=user.email,
        email_verified=bool(user.claims.get("email_verified", False)),
        name=user.name,
        preferred_username=user.username,
        realm_access={"roles": sorted(user.roles)},
    )


@router.post(f"{OIDC}/revoke")
async def revoke(request: Request) -> Response:
    """RFC 7009 revocation: answers 200 whether or not the token was known."""
    form = await form_of(request)
    client_id, secret = client_credentials_of(request, form)
    async with unit(request) as session:
        client = await grants.authenticate_client(
            session=session, client_id=client_id, client_secret=secret
        )
        await revoke_token(
            session=session, runtime=runtime_of(request), client=client, token=form.get("token", "")
        )
    return Response(status_code=200, headers=_NO_STORE)


@router.post(f"{OIDC}/logout", response_model=None)
async def logout(request: Request) -> Response:
    """Log out: with a ``refresh_token`` (API clients) or ``id_token_hint`` (browsers)."""
    form = await form_of(request)
    if "refresh_token" in form:
        client_id, secret = client_credentials_of(request, form)
        async with unit(request) as session:
            client = await grants.authenticate_client(
                session=session, client_id=client_id, client_secret=secret
            )
            await logout_with_refresh_token(
                session=session,
                runtime=runtime_of(request),
                client=client,
                refresh_token=form["refresh_token"],
            )
        return Response(status_code=204)
    return await pages.browser_logout(request, {**dict(request.query_params), **form})


@router.post("/api/v1/accounts", status_code=201, response_model=AccountAccepted)
async def create_account(request: Request, account: AccountCreate) -> AccountAccepted:
    """Sign up with an email address and a password."""
    async with unit(request) as session:
        email = await recovery.sign_up(
            session=session,
            runtime=runtime_of(request),
            email=account.email,
            password=account.password,
            name=account.name,
            address=client_address(request),
        )
    runtime_of(request).wake_mail()
    return AccountAccepted(
        email=email,
        message="If this address is new, its account is ready: sign in, then confirm the "
        "address with the link we sent to it.",
    )
