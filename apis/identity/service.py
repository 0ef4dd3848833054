"""Accounts: registration, the first admin, signing in (throttled), and who a user is.

Error messages never tell whether an email address has an account: a wrong password and an
unknown address read the same, registering a taken address answers like a new one, and
throttling counts attempts per address whether the account exists or not.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import metrics, throttling
from apis.identity.config import IdentitySettings
from apis.identity.keys import KeyCache
from apis.identity.models import AccountSettings, LoginSession, Role, User, UserRole
from apis.identity.passwords import (
    Passwords,
    email_problem,
    normalize_email,
    password_problem,
)
from apis.identity.realm import default_roles
from apis.identity.tokens import Identity
from codeflix.clock import Clock, SystemClock
from codeflix.problems import Conflict, Problem, Unauthorized, UnprocessableContent

INVALID_CREDENTIALS = "the email address or password is incorrect"


class TooManyAttempts(Problem):
    status, type_suffix = 429, "too-many-attempts"


class InvalidCredentials(Unauthorized):
    pass


@dataclass
class IdentityRuntime:
    """What the identity service's functions share: settings, realm, hashing, keys, time."""

    settings: IdentitySettings
    realm: dict[str, Any]
    passwords: Passwords
    keys: KeyCache
    clock: Clock = field(default_factory=SystemClock)
    # Called after a transaction that queued mail commits, so the relay sends it at once.
    wake_mail: Callable[[], None] = field(default=lambda: None)
    # Embedded, one process answers on whatever address `codeflix up` was given (another
    # port, a host name): redirects back to that same address are the web app's own.
    embedded: bool = False

    def redirect_base(self, request_base_url: str) -> str:
        """The address relative redirect URIs of the realm file resolve against."""
        return request_base_url if self.embedded else self.settings.public_url

    @property
    def failure_window(self) -> timedelta:
        return timedelta(seconds=self.settings.login_failure_window_seconds)


def _validate_new_account(email: str, password: str, name: str) -> None:
    errors = []
    if problem := email_problem(email):
        errors.append({"loc": ["body", "email"], "msg": problem})
    if problem := password_problem(password, email=email, name=name):
        errors.append({"loc": ["body", "password"], "msg": problem})
    if len(name) > 255:
        errors.append({"loc": ["body", "name"], "msg": "use at most 255 characters"})
    if errors:
        detail = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors)
        raise UnprocessableContent(detail, errors=errors)


async def _add_user(
    session: AsyncSession,
    runtime: IdentityRuntime,
    *,
    email: str,
    password_hash: str,
    name: str,
    roles: list[str],
    verified: bool,
) -> User:
    user = User(
        id=str(uuid.uuid4()),
        username=email,
        email=email,
        name=name.strip() or email.split("@", 1)[0],
        password_hash=password_hash,
        enabled=True,
        service_account_client_id=None,
        created_at=runtime.clock.now(),
    )
    session.add(user)
    await session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, role=role))
    now = runtime.clock.now()
    session.add(
        AccountSettings(
            user_id=user.id,
            email_verified_at=now if verified else None,
            max_rating=None,
            updated_at=now,
        )
    )
    await session.flush()
    return user


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did: the caller mails either a confirmation link or a notice."""

    email: str
    user: User
    created: bool


async def register_account(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    email: str,
    password: str,
    name: str,
    address: str,
) -> SignUp:
    """Sign up (unconfirmed). A taken address answers exactly like a new one.

    Commits ``session`` once the sign-up is counted against the address, before the rest."""
    email = normalize_email(email)
    name = name.strip()
    _validate_new_account(email, password, name)
    admission = await throttling.admit(
        session=session,
        limits={throttling.registration_key(address): runtime.settings.registrations_per_address},
        now=runtime.clock.now(),
        window=runtime.failure_window,
    )
    # Committed before the slow hash: parallel sign-ups see it, and it counts whatever follows.
    await session.commit()
    if not admission.admitted:
        raise TooManyAttempts(
            "too many sign-ups from this address; try again later",
            headers={"Retry-After": str(admission.retry_after)},
        )
    # Hash even when the address is taken, so the answer takes as long either way.
    password_hash = runtime.passwords.hash(password)
    existing = await session.scalar(select(User).where(User.email == email))
    if existing is not None:
        return SignUp(email=email, user=existing, created=False)
    user = await _add_user(
        session,
        runtime,
        email=email,
        password_hash=password_hash,
        name=name,
        roles=default_roles(runtime.realm),
        verified=False,
    )
    return SignUp(email=email, user=user, created=True)


async def create_user(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    email: str,
    password: str,
    name: str,
    roles: list[str],
) -> User:
    """Create an account with roles (operators only: this one does say when the email is taken).

    An operator vouches for the address, so the account starts confirmed."""
    email = normalize_email(email)
    _validate_new_account(email, password, name)
    known = set((await session.scalars(select(Role.name))).all())
    unknown = sorted(set(roles) - known)
    if unknown:
        raise UnprocessableContent(
            f"unknown role {', '.join(unknown)}; the realm has {', '.join(sorted(known))}"
        )
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"an account with the email address {email} already exists")
    return await _add_user(
        session,
        runtime,
        email=email,
        password_hash=runtime.passwords.hash(password),
        name=name,
        roles=[*default_roles(runtime.realm), *roles],
        verified=True,
    )


async def authenticate(
    *, session: AsyncSession, runtime: IdentityRuntime, email: str, password: str, address: str
) -> User:
    """The user with these credentials; throttled per account and per address.

    Commits ``session`` once the attempt is counted, before the password is checked."""
    email = normalize_email(email)
    account, client = throttling.account_key(email), throttling.address_key(address)
    # Every attempt counts as a failure until the password proves right, and is committed before
    # the password is checked: guesses sent in parallel each see the ones before them.
    admission = await throttling.admit(
        session=session,
        limits={
            account: runtime.settings.login_failures_per_account,
            client: runtime.settings.login_failures_per_address,
        },
        now=runtime.clock.now(),
        window=runtime.failure_window,
    )
    await session.commit()
    if not admission.admitted:
        metrics.sign_ins().labels("throttled").inc()
        minutes = math.ceil(admission.retry_after / 60)
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {minutes} minute{'s' if minutes > 1 else ''}",
            headers={"Retry-After": str(admission.retry_after)},
        )
    user = await session.scalar(select(User).where(User.email == email))
    # Verify even without an account so that both cases take as long.
    valid = runtime.passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.enabled:
        metrics.sign_ins().labels("failure").inc()
        raise InvalidCredentials(INVALID_CREDENTIALS)
    await throttling.clear(session=session, key=account)
    await throttling.take_back(session=session, attempt=admission.attempt(client))
    metrics.sign_ins().labels("success").inc()
    return user


async def start_session(*, session: AsyncSession, runtime: IdentityRuntime, user: User) -> str:
    login = LoginSession(
        id=str(uuid.uuid4()), user_id=user.id, created_at=runtime.clock.now(), ended_at=None
    )
    session.add(login)
    await session.flush()
    return login.id


async def identity_of(*, session: AsyncSession, user: User) -> Identity:
    roles = (await session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))).all()
    settings = await session.get(AccountSettings, user.id)
    return Identity(
        subject=user.id,
        username=user.username,
        email=user.email,
        name=user.name,
        roles=tuple(sorted(roles)),
        email_verified=settings is not None and settings.email_verified_at is not None,
        max_rating=settings.max_rating if settings is not None else None,
    )


async def session_is_open(*, session: AsyncSession, claims: Any) -> bool:
    """False once the sign-in a token came from has been logged out (service tokens: True)."""
    session_id = claims.get("sid")
    if not session_id:
        return True
    login = await session.get(LoginSession, session_id)
    return login is not None and login.ended_at is None
