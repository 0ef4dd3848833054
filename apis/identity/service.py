"""Accounts: registration, the first admin, signing in (throttled), and who a user is.

Error messages never tell whether an email address has an account: a wrong password and an
unknown address read the same, registering a taken address answers like a new one, and
throttling counts attempts per address whether the account exists or not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity import metrics, throttling
from apis.identity.config import IdentitySettings
from apis.identity.keys import KeyCache
from apis.identity.models import LoginSession, Role, User, UserRole
from apis.identity.passwords import (
    Passwords,
    email_problem,
    normalize_email,
    password_problem,
)
from apis.identity.realm import default_roles
from apis.identity.tokens import Identity
from codeflix.problems import Conflict, Problem, Unauthorized, UnprocessableContent

INVALID_CREDENTIALS = "the email address or password is incorrect"


class TooManyAttempts(Problem):
    status, type_suffix = 429, "too-many-attempts"


class InvalidCredentials(Unauthorized):
    pass


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class IdentityRuntime:
    """What the identity service's functions share: settings, realm, hashing, keys, time."""

    settings: IdentitySettings
    realm: dict[str, Any]
    passwords: Passwords
    keys: KeyCache
    clock: Callable[[], datetime] = field(default=utc_now)
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
) -> User:
    user = User(
        id=str(uuid.uuid4()),
        username=email,
        email=email,
        name=name.strip() or email.split("@", 1)[0],
        password_hash=password_hash,
        enabled=True,
        service_account_client_id=None,
        created_at=runtime.clock(),
    )
    session.add(user)
    await session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, role=role))
    await session.flush()
    return user


async def register_account(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    email: str,
    password: str,
    name: str,
    address: str,
) -> str:
    """Sign up: returns the normalized email. A taken address answers exactly like a new one."""
    email = normalize_email(email)
    name = name.strip()
    _validate_new_account(email, password, name)
    now = runtime.clock()
    key = f"register:{address}"
    limits = {key: runtime.settings.registrations_per_address}
    if await throttling.is_throttled(
        session=session, limits=limits, now=now, window=runtime.failure_window
    ):
        raise TooManyAttempts("too many sign-ups from this address; try again later")
    await throttling.record_failure(session=session, keys=[key], now=now)
    # Hash even when the address is taken, so the answer takes as long either way.
    password_hash = runtime.passwords.hash(password)
    if await session.scalar(select(User.id).where(User.email == email)) is None:
        roles = default_roles(runtime.realm)
        await _add_user(
            session, runtime, email=email, password_hash=password_hash, name=name, roles=roles
        )
    return email


async def create_user(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    email: str,
    password: str,
    name: str,
    roles: list[str],
) -> User:
    """Create an account with roles (operators only: this one does say when the email is taken)."""
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
    )


async def authenticate(
    *, session: AsyncSession, runtime: IdentityRuntime, email: str, password: str, address: str
) -> User:
    """The user with these credentials; throttled per account and per address."""
    email = normalize_email(email)
    now = runtime.clock()
    account, client = throttling.account_key(email), throttling.address_key(address)
    limits = {
        account: runtime.settings.login_failures_per_account,
        client: runtime.settings.login_failures_per_address,
    }
    if await throttling.is_throttled(
        session=session, limits=limits, now=now, window=runtime.failure_window
    ):
        metrics.sign_ins().labels("throttled").inc()
        minutes = max(1, runtime.settings.login_failure_window_seconds // 60)
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {minutes} minutes",
            headers={"Retry-After": str(runtime.settings.login_failure_window_seconds)},
        )
    user = await session.scalar(select(User).where(User.email == email))
    # Verify even without an account so that both cases take as long.
    valid = runtime.passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.enabled:
        await throttling.record_failure(session=session, keys=[account, client], now=now)
        await session.commit()  # the failure must count even though the request fails
        metrics.sign_ins().labels("failure").inc()
        raise InvalidCredentials(INVALID_CREDENTIALS)
    await throttling.clear_failures(session=session, key=account)
    metrics.sign_ins().labels("success").inc()
    return user


async def start_session(*, session: AsyncSession, runtime: IdentityRuntime, user: User) -> str:
    login = LoginSession(
        id=str(uuid.uuid4()), user_id=user.id, created_at=runtime.clock(), ended_at=None
    )
    session.add(login)
    await session.flush()
    return login.id


async def identity_of(*, session: AsyncSession, user: User) -> Identity:
    roles = (await session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))).all()
    return Identity(
        subject=user.id,
        username=user.username,
        email=user.email,
        name=user.name,
        roles=tuple(sorted(roles)),
    )


async def session_is_open(*, session: AsyncSession, claims: Any) -> bool:
    """False once the sign-in a token came from has been logged out (service tokens: True)."""
    session_id = claims.get("sid")
    if not session_id:
        return True
    login = await session.get(LoginSession, session_id)
    return login is not None and login.ended_at is None
