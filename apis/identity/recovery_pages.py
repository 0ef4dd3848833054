"""The pages behind the mailed links: confirm an address, forgot password, new password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from apis.identity import recovery
from apis.identity.config import REALM
from apis.identity.deps import client_address, runtime_of, unit
from apis.identity.pages import _csrf_ok, _form, _render, templates
from codeflix.problems import Problem

ACTIONS = f"/realms/{REALM}/login-actions"
FORGOT = f"{ACTIONS}/reset-credentials"
RESET = f"{ACTIONS}/reset-password"
EXPIRED_FORM = "This form has expired; please try again."
router = APIRouter(include_in_schema=False)


def _message(request: Request, title: str, message: str, *, status: int = 200) -> HTMLResponse:
    context = {"title": title, "message": message, "alert": status >= 400}
    response = templates.TemplateResponse(request, "message.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return response


@router.get(f"{ACTIONS}/verify-email", response_model=None)
async def verify_email(request: Request, token: str = "") -> Response:
    """The confirmation link of a new account."""
    try:
        async with unit(request) as session:
            email = await recovery.confirm_email(
                session=session,
                runtime=runtime_of(request),
                token=token,
                address=client_address(request),
            )
    except Problem as e:
        return _message(request, "Cannot confirm", e.detail.capitalize() + ".", status=e.status)
    return _message(
        request,
        "Address confirmed",
        f"Thank you: {email} is confirmed. Back in Codeflix, press “I have confirmed it” "
        "(or sign in again) to subscribe.",
    )


def _forgot_page(request: Request, **context: object) -> HTMLResponse:
    status = int(str(context.pop("status", 200)))
    page = {"title": "Forgot your password?", "action": FORGOT, "hidden": {}, "email": ""}
    return _render(request, "forgot.html", {**page, **context}, status=status)


@router.get(FORGOT, response_model=None)
async def forgot_page(request: Request) -> Response:
    """Ask for a password reset link."""
    return _forgot_page(request)


@router.post(FORGOT, response_model=None)
async def forgot(request: Request) -> Response:
    form = await _form(request)
    email = form.get("email", "")[:320]
    if not _csrf_ok(request, form):
        return _forgot_page(request, email=email, error=EXPIRED_FORM, status=400)
    try:
        async with unit(request) as session:
            await recovery.request_password_reset(
                session=session,
                runtime=runtime_of(request),
                email=email,
                address=client_address(request),
            )
    except Problem as e:
        return _forgot_page(request, email=email, error=e.detail, status=e.status)
    runtime_of(request).wake_mail()
    minutes = runtime_of(request).settings.reset_link_minutes
    return _message(
        request,
        "Check your mail",
        f"If an account uses this address, we sent it a link to choose a new password. "
        f"The link works once, for {minutes} minutes.",
    )


def _reset_page(request: Request, token: str, **context: object) -> HTMLResponse:
    status = int(str(context.pop("status", 200)))
    page = {"title": "Choose a new password", "action": RESET, "hidden": {"token": token}}
    response = _render(request, "reset.html", {**page, **context}, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get(RESET, response_model=None)
async def reset_page(request: Request, token: str = "") -> Response:
    """The reset link: a form for the new password (the link is used when it is sent)."""
    return _reset_page(request, token[:200])


@router.post(RESET, response_model=None)
async def reset(request: Request) -> Response:
    form = await _form(request)
    token = form.get("token", "")[:200]
    if not _csrf_ok(request, form):
        return _reset_page(request, token, error=EXPIRED_FORM, status=400)
    try:
        async with unit(request) as session:
            await recovery.reset_password(
                session=session,
                runtime=runtime_of(request),
                token=token,
                password=form.get("password", ""),
                address=client_address(request),
            )
    except Problem as e:
        if e.status == 422:
            return _reset_page(request, token, error=e.detail, status=422)
        return _message(request, "Cannot reset", e.detail.capitalize() + ".", status=e.status)
    runtime_of(request).wake_mail()
    return _message(
        request,
        "Password changed",
        "Your password is changed and every device was signed out. Sign in with the new one.",
    )
