"""Confirming an email address and resetting a forgotten password, with mailed links.

Neither flow tells whether an address has an account: a request for an unknown address
answers exactly like one for a known address (and hashes nothing less), and the mail, when
there is one, goes only to the address itself. Requests are throttled per client address
(429) and per account (silently: the answer stays the same, the mail is not sent again).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import links, throttling
from apis.identity.mailing import action_url, send_mail
from apis.identity.models import AccountSettings, LoginSession, RefreshToken, User
from apis.identity.passwords import normalize_email, password_problem
from apis.identity.service import IdentityRuntime, TooManyAttempts, register_account
from codeflix.problems import BadRequest, UnprocessableContent

INVALID_LINK = (
    "this link is not valid: it was already used, has expired or was replaced by a newer one"
)


async def account_settings(
    *, session: AsyncSession, runtime: IdentityRuntime, user_id: str
) -> AccountSettings:
    """The account's settings row (accounts made before it existed get one now)."""
    row = await session.get(AccountSettings, user_id)
    if row is None:
        row = AccountSettings(
            user_id=user_id, email_verified_at=None, max_rating=None, updated_at=runtime.clock.now()
        )
        session.add(row)
        await session.flush()
    return row


async def _throttle_request(
    session: AsyncSession, runtime: IdentityRuntime, *, kind: str, email: str, address: str
) -> bool:
    """429 past the per-address limit; False (send nothing) past the per-account limit.

    Each limit is counted atomically before anything is sent, so parallel requests never get
    more mail out than the limits allow."""
    now, window = runtime.clock.now(), runtime.failure_window
    settings = runtime.settings
    by_address = await throttling.admit(
        session=session,
        limits={f"{kind}:address:{address}": settings.link_requests_per_address},
        now=now,
        window=window,
    )
    if not by_address.admitted:
        raise TooManyAttempts(
            "too many requests from this address; try again later",
            headers={"Retry-After": str(by_address.retry_after)},
        )
    by_account = await throttling.admit(
        session=session,
        limits={f"{kind}:account:{email}": settings.link_requests_per_account},
        now=now,
        window=window,
    )
    return by_account.admitted


async def _count_bad_link(session: AsyncSession, runtime: IdentityRuntime, address: str) -> None:
    admission = await throttling.admit(
        session=session,
        limits={f"link:address:{address}": runtime.settings.link_failures_per_address},
        now=runtime.clock.now(),
        window=runtime.failure_window,
    )
    await session.commit()  # the failure must count even though the request fails
    if not admission.admitted:
        raise TooManyAttempts(
            "too many invalid links from this address; try again later",
            headers={"Retry-After": str(admission.retry_after)},
        )


async def send_verification(*, session: AsyncSession, runtime: IdentityRuntime, user: User) -> None:
    """Mail the account a fresh confirmation link (earlier ones stop working)."""
    hours = runtime.settings.verification_link_hours
    await _mail_link(
        session,
        runtime,
        user,
        purpose=links.VERIFY_EMAIL,
        lifetime=timedelta(hours=hours),
        template="verify_email",
        subject="Confirm your email address",
        hours=str(hours),
    )


async def _mail_link(
    session: AsyncSession,
    runtime: IdentityRuntime,
    user: User,
    *,
    purpose: str,
    lifetime: timedelta,
    template: str,
    subject: str,
    **context: str,
) -> None:
    """Issue a single-use link of ``purpose`` for the account and queue the mail carrying it;
    the link's page is the identity action named like the purpose."""
    assert user.email is not None
    token = await links.issue_link_token(
        session=session,
        secret=runtime.settings.secret_key,
        purpose=purpose,
        user_id=user.id,
        email=user.email,
        now=runtime.clock.now(),
        lifetime=lifetime,
    )
    await send_mail(
        session,
        settings=runtime.settings,
        template=template,
        to=user.email,
        subject=subject,
        now=runtime.clock.now(),
        name=user.name,
        link=action_url(runtime.settings, purpose, token=token),
        **context,
    )


async def sign_up(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    email: str,
    password: str,
    name: str,
    address: str,
) -> str:
    """Register and mail a confirmation link; a taken address gets a notice instead (which
    only its owner reads). Returns the normalized address."""
    result = await register_account(
        session=session,
        runtime=runtime,
        email=email,
        password=password,
        name=name,
        address=address,
    )
    if result.created:
        await send_verification(session=session, runtime=runtime, user=result.user)
        return result.email
    now = runtime.clock.now()
    notice = await throttling.admit(
        session=session,
        limits={f"signup:account:{result.email}": runtime.settings.link_requests_per_account},
        now=now,
        window=runtime.failure_window,
    )
    if notice.admitted:
        await send_mail(
            session,
            settings=runtime.settings,
            template="account_exists",
            to=result.email,
            subject="You already have a Codeflix account",
            now=now,
            name=result.user.name,
            sign_in=runtime.settings.public_url,
            reset=action_url(runtime.settings, "reset-credentials"),
        )
    return result.email


async def request_verification(
    *, session: AsyncSession, runtime: IdentityRuntime, email: str, address: str
) -> None:
    """Send the confirmation link again, if the address has an unconfirmed account."""
    email = normalize_email(email)
    if not await _throttle_request(session, runtime, kind="verify", email=email, address=address):
        return
    user = await session.scalar(select(User).where(User.email == email, User.enabled))
    if user is None or user.password_hash is None:
        return
    settings = await account_settings(session=session, runtime=runtime, user_id=user.id)
    if settings.email_verified_at is None:
        await send_verification(session=session, runtime=runtime, user=user)


async def confirm_email(
    *, session: AsyncSession, runtime: IdentityRuntime, token: str, address: str
) -> str:
    """Mark the address of the link's account confirmed; returns that address."""
    link = await links.consume_link_token(
        session=session,
        secret=runtime.settings.secret_key,
        purpose=links.VERIFY_EMAIL,
        token=token,
        now=runtime.clock.now(),
    )
    user = await session.get(User, link.user_id) if link else None
    if link is None or user is None or user.email != link.email:
        await _count_bad_link(session, runtime, address)
        raise BadRequest(INVALID_LINK)
    settings = await account_settings(session=session, runtime=runtime, user_id=user.id)
    if settings.email_verified_at is None:
        settings.email_verified_at = runtime.clock.now()
        settings.updated_at = runtime.clock.now()
    return link.email


async def request_password_reset(
    *, session: AsyncSession, runtime: IdentityRuntime, email: str, address: str
) -> None:
    """Mail a reset link, valid 30 minutes, if the address has an account."""
    email = normalize_email(email)
    if not await _throttle_request(session, runtime, kind="reset", email=email, address=address):
        return
    user = await session.scalar(select(User).where(User.email == email, User.enabled))
    if user is None or user.password_hash is None or user.email is None:
        return
    minutes = runtime.settings.reset_link_minutes
    await _mail_link(
        session,
        runtime,
        user,
        purpose=links.RESET_PASSWORD,
        lifetime=timedelta(minutes=minutes),
        template="reset_password",
        subject="Reset your Codeflix password",
        minutes=str(minutes),
    )


async def reset_password(
    *, session: AsyncSession, runtime: IdentityRuntime, token: str, password: str, address: str
) -> str:
    """Set a new password with a reset link; every session and refresh token of the account
    ends. Returns the account's address."""
    now = runtime.clock.now()
    link = await links.consume_link_token(
        session=session,
        secret=runtime.settings.secret_key,
        purpose=links.RESET_PASSWORD,
        token=token,
        now=now,
    )
    user = await session.get(User, link.user_id) if link else None
    if link is None or user is None or user.email != link.email or not user.enabled:
        await _count_bad_link(session, runtime, address)
        raise BadRequest(INVALID_LINK)
    if problem := password_problem(password, email=user.email, name=user.name):
        # The link stays usable: only a reset that happened uses it up.
        await session.rollback()
        raise UnprocessableContent(
            f"password: {problem}", errors=[{"loc": ["body", "password"], "msg": problem}]
        )
    user.password_hash = runtime.passwords.hash(password)
    await session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # Whoever opened the mailed link reads that mailbox: the address is confirmed as well.
    settings = await account_settings(session=session, runtime=runtime, user_id=user.id)
    settings.email_verified_at = settings.email_verified_at or now
    settings.updated_at = now
    await throttling.clear(session=session, key=throttling.account_key(user.email))
    await send_mail(
        session,
        settings=runtime.settings,
        template="password_changed",
        to=user.email,
        subject="Your Codeflix password was changed",
        now=now,
        name=user.name,
        reset=action_url(runtime.settings, "reset-credentials"),
    )
    return user.email
