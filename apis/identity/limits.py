"""The parental limit: the highest catalog rating an account is shown, set with its password."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.models import User
from apis.identity.recovery import account_settings
from apis.identity.service import (
    IdentityRuntime,
    InvalidCredentials,
    authenticate,
    identity_of,
)
from apis.identity.tokens import Identity
from codeflix.problems import Forbidden, NotFound, UnprocessableContent
from codeflix.ratings import RATINGS


async def account_of(*, session: AsyncSession, user_id: str) -> tuple[User, Identity]:
    user = await session.get(User, user_id)
    if user is None or not user.enabled or user.email is None:
        raise NotFound("this token's account does not exist any more")
    return user, await identity_of(session=session, user=user)


async def set_parental_limit(
    *,
    session: AsyncSession,
    runtime: IdentityRuntime,
    user_id: str,
    max_rating: str | None,
    password: str,
    address: str,
) -> Identity:
    """Change the limit after checking the password again (a wrong one counts as a failed
    sign-in, so guessing it here is throttled like everywhere else)."""
    if max_rating is not None and max_rating not in RATINGS:
        raise UnprocessableContent(f"max_rating must be one of {', '.join(RATINGS)} or null")
    user, _ = await account_of(session=session, user_id=user_id)
    assert user.email is not None
    try:
        await authenticate(
            session=session, runtime=runtime, email=user.email, password=password, address=address
        )
    except InvalidCredentials:
        # 403, not 401: the token is fine, the password entered again is not.
        raise Forbidden("the password is incorrect") from None
    settings = await account_settings(session=session, runtime=runtime, user_id=user.id)
    settings.max_rating = max_rating
    settings.updated_at = runtime.clock.now()
    await session.flush()
    return await identity_of(session=session, user=user)
