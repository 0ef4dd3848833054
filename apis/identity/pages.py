"""The server-rendered pages: sign in, sign up, signed out."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from apis.identity import codes, grants, recovery, service, sessions
from apis.identity.authorize import (
    AUTH_PARAMETERS,
    InvalidClientRequest,
    RedirectError,
    check_authorization_request,
    with_query,
)
from apis.identity.config import REALM
from apis.identity.deps import client_address, runtime_of, unit
from apis.identity.logout import id_token_claims_of
from codeflix.problems import Problem, UnprocessableContent

OIDC = f"/realms/{REALM}/protocol/openid-connect"
LOGIN_ACTION = f"/realms/{REALM}/login-actions/authenticate"
REGISTER_ACTION = f"/realms/{REALM}/login-actions/registration"
CSRF_COOKIE = "codeflix_login_csrf"
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def _auth_params(source: Any) -> dict[str, str]:
    return {k: str(source[k]) for k in AUTH_PARAMETERS if source.get(k)}


def _render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    # The form's anti-forgery token is tied to a cookie of the same browser (double submit).
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    context = {"title": "Sign in", **context}
    context["hidden"] = {**context.get("hidden", {}), "csrf": token}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=f"/realms/{REALM}",
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _error_page(request: Request, message: str, status: int = 400) -> HTMLResponse:
    context = {"title": "Cannot continue", "message": message, "alert": True}
    return templates.TemplateResponse(request, "message.html", context, status_code=status)


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, form.get("csrf", ""))


def _login_page(request: Request, params: dict[str, str], **context: Any) -> HTMLResponse:
    status = context.pop("status", 200)
    register_url = f"{OIDC}/registrations?{urlencode(params)}"
    page = {
        "action": LOGIN_ACTION,
        "hidden": params,
        "register_url": register_url,
        "forgot_url": f"/realms/{REALM}/login-actions/reset-credentials",
        "username": "",
    }
    return _render(request, "login.html", {**page, **context}, status=status)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.get(f"{OIDC}/auth", response_model=None)
async def authorization_page(request: Request) -> Response:
    """The authorization endpoint: checks the request and shows the sign-in form."""
    params = _auth_params(request.query_params)
    async with unit(request) as session:
        try:
            await check_authorization_request(
                session=session,
                params=params,
                issuer=runtime_of(request).settings.issuer,
                base_url=runtime_of(request).redirect_base(str(request.base_url)),
            )
        except InvalidClientRequest as e:
            return _error_page(request, str(e))
        except RedirectError as e:
            return RedirectResponse(e.location, status_code=302)
    if request.query_params.get("prompt") == "create":
        # OpenID Connect's "initiating user registration": the app's Sign up button lands here.
        return _register_page(request, params, email="", name="", errors={})
    notice = (
        "Your account is ready: sign in. We sent you a link to confirm your email address."
        if request.query_params.get("registered")
        else None
    )
    return _login_page(request, params, notice=notice)


@router.post(LOGIN_ACTION, response_model=None)
async def sign_in(request: Request) -> Response:
    """The sign-in form's submission: on success, back to the client with a code."""
    form = await _form(request)
    params, runtime = _auth_params(form), runtime_of(request)
    username = form.get("username", "")[:320]
    async with unit(request) as session:
        try:
            auth = await check_authorization_request(
                session=session,
                params=params,
                issuer=runtime.settings.issuer,
                base_url=runtime.redirect_base(str(request.base_url)),
            )
        except InvalidClientRequest as e:
            return _error_page(request, str(e))
        except RedirectError as e:
            return RedirectResponse(e.location, status_code=303)
        if not _csrf_ok(request, form):
            return _login_page(
                request,
                params,
                username=username,
                status=400,
                error="This form has expired; please sign in again.",
            )
        try:
            user = await service.authenticate(
                session=session,
                runtime=runtime,
                email=username,
                password=form.get("password", ""),
                address=client_address(request),
            )
        except Problem as e:
            return _login_page(request, params, username=username, error=e.detail, status=e.status)
        code = await codes.create_authorization_code(
            session=session,
            runtime=runtime,
            client=auth.client,
            user=user,
            redirect_uri=auth.redirect_uri,
            scope=auth.scope,
            nonce=auth.nonce,
            code_challenge=auth.code_challenge,
        )
    location = with_query(
        auth.redirect_uri, {"code": code, "state": auth.state, "iss": runtime.settings.issuer}
    )
    return RedirectResponse(location, status_code=303)


@router.get(f"{OIDC}/registrations", response_model=None)
async def registration_page(request: Request) -> Response:
    """The sign-up page; afterwards the person signs in for the same application."""
    params = _auth_params(request.query_params)
    return _register_page(request, params, email="", name="", errors={})


def _register_page(request: Request, params: dict[str, str], **context: Any) -> HTMLResponse:
    status = context.pop("status", 200)
    page = {
        "title": "Create your account",
        "action": REGISTER_ACTION,
        "hidden": params,
        "login_url": f"{OIDC}/auth?{urlencode(params)}",
    }
    return _render(request, "register.html", {**page, **context}, status=status)


@router.post(REGISTER_ACTION, response_model=None)
async def register(request: Request) -> Response:
    """The sign-up form's submission."""
    form = await _form(request)
    params = _auth_params(form)
    email, name = form.get("email", "")[:320], form.get("name", "")[:255]
    if not _csrf_ok(request, form):
        return _register_page(
            request,
            params,
            email=email,
            name=name,
            errors={},
            status=400,
            error="This form has expired; please try again.",
        )
    try:
        async with unit(request) as session:
            await recovery.sign_up(
                session=session,
                runtime=runtime_of(request),
                email=email,
                password=form.get("password", ""),
                name=name,
                address=client_address(request),
            )
    except UnprocessableContent as e:
        errors = {str(err["loc"][-1]): err["msg"] for err in e.errors}
        return _register_page(
            request,
            params,
            email=email,
            name=name,
            errors=errors,
            status=422,
            error="Please correct the highlighted fields.",
        )
    except Problem as e:
        return _register_page(
            request, params, email=email, name=name, errors={}, error=e.detail, status=e.status
        )
    runtime_of(request).wake_mail()
    return RedirectResponse(
        f"{OIDC}/auth?{urlencode({**params, 'registered': '1'})}", status_code=303
    )


@router.get(f"{OIDC}/logout", response_model=None)
async def logout_page(request: Request) -> Response:
    """Browser logout (RP-initiated): ``id_token_hint`` and ``post_logout_redirect_uri``."""
    return await browser_logout(request, dict(request.query_params))


async def browser_logout(request: Request, params: dict[str, str]) -> Response:
    runtime = runtime_of(request)
    async with unit(request) as session:
        claims = None
        if params.get("id_token_hint"):
            claims = await id_token_claims_of(
                session=session, runtime=runtime, id_token=params["id_token_hint"]
            )
            if claims is None:
                return _error_page(request, "The sign-out link is not valid.")
            await sessions.end_session(
                session=session, session_id=claims["sid"], now=runtime.clock.now()
            )
        redirect = params.get("post_logout_redirect_uri")
        client_id = params.get("client_id") or (claims or {}).get("aud")
        if redirect:
            client = await grants.find_client(session=session, client_id=str(client_id or ""))
            if (
                client is None
                or claims is None
                or not client.allows_redirect(
                    redirect, base_url=runtime.redirect_base(str(request.base_url))
                )
            ):
                return _error_page(
                    request, "The address to return to after signing out is not registered."
                )
            return RedirectResponse(
                with_query(redirect, {"state": params.get("state")}), status_code=302
            )
    context = {"title": "Signed out", "message": "You are signed out of Codeflix.", "alert": False}
    return templates.TemplateResponse(request, "message.html", context)
