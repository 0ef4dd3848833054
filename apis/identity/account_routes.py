"""The account's own JSON endpoints: confirming the address, resetting the password, the
parental limit."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from apis.identity import limits, recovery
from apis.identity.deps import client_address, runtime_of, unit
from apis.identity.schemas import (
    AccountPublic,
    AddressOnly,
    EmailConfirmed,
    LinkSent,
    LinkToken,
    ParentalLimitUpdate,
    PasswordResetConfirm,
)
from apis.identity.tokens import Identity
from codeflix.auth import CurrentUser

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])
SENT = "If an account uses this address, a message with a link is on its way to it."


def _public(identity: Identity) -> AccountPublic:
    return AccountPublic(
        id=identity.subject,
        email=identity.email,
        name=identity.name,
        email_verified=identity.email_verified,
        max_rating=identity.max_rating,  # type: ignore[arg-type]
    )


@router.post("/email-verification", status_code=202, response_model=LinkSent)
async def resend_verification(request: Request, body: AddressOnly) -> LinkSent:
    """Send the link that confirms an address again."""
    async with unit(request) as session:
        await recovery.request_verification(
            session=session,
            runtime=runtime_of(request),
            email=body.email,
            address=client_address(request),
        )
    runtime_of(request).wake_mail()
    return LinkSent(message=SENT)


@router.post("/email-verification/confirm", response_model=EmailConfirmed)
async def confirm_email(request: Request, body: LinkToken) -> EmailConfirmed:
    """Confirm an address with the token of its link (once)."""
    async with unit(request) as session:
        email = await recovery.confirm_email(
            session=session,
            runtime=runtime_of(request),
            token=body.token,
            address=client_address(request),
        )
    return EmailConfirmed(email=email, email_verified=True)


@router.post("/password-reset", status_code=202, response_model=LinkSent)
async def request_password_reset(request: Request, body: AddressOnly) -> LinkSent:
    """Mail a link to choose a new password (valid 30 minutes, once)."""
    async with unit(request) as session:
        await recovery.request_password_reset(
            session=session,
            runtime=runtime_of(request),
            email=body.email,
            address=client_address(request),
        )
    runtime_of(request).wake_mail()
    return LinkSent(message=SENT)


@router.post("/password-reset/confirm", status_code=204)
async def reset_password(request: Request, body: PasswordResetConfirm) -> Response:
    """Set a new password with the token of a reset link; every session ends."""
    async with unit(request) as session:
        await recovery.reset_password(
            session=session,
            runtime=runtime_of(request),
            token=body.token,
            password=body.password,
            address=client_address(request),
        )
    runtime_of(request).wake_mail()
    return Response(status_code=204)


@router.get("/me", response_model=AccountPublic)
async def my_account(request: Request, user: CurrentUser) -> AccountPublic:
    """The signed-in account: address, whether it is confirmed, its parental limit."""
    async with unit(request) as session:
        _, identity = await limits.account_of(session=session, user_id=user.subject)
    return _public(identity)


@router.put("/me/parental-limit", response_model=AccountPublic)
async def set_parental_limit(
    request: Request, body: ParentalLimitUpdate, user: CurrentUser
) -> AccountPublic:
    """Set the highest rating shown (null: none); needs the account's password again."""
    async with unit(request) as session:
        identity = await limits.set_parental_limit(
            session=session,
            runtime=runtime_of(request),
            user_id=user.subject,
            max_rating=body.max_rating,
            password=body.password,
            address=client_address(request),
        )
    return _public(identity)
