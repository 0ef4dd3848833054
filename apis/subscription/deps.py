"""What the routes need, as ``Annotated`` dependencies built from the app's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription.billing import BillingRules
from apis.subscription.config import SubscriptionSettings
from apis.subscription.gateway import PaymentGateway
from codeflix.auth import CurrentUser, Principal, require_roles
from codeflix.clock import Clock
from codeflix.params import DEFAULT_PAGE as DEFAULT_PAGE
from codeflix.params import Cursor as Cursor
from codeflix.params import Limit as Limit
from codeflix.problems import Forbidden
from codeflix.unit_of_work import Sessions, request_unit

ADMIN_ROLE = "subscription-admin"


@dataclass
class Services:
    """The clients one app instance built in ``create_app``."""

    settings: SubscriptionSettings
    sessions: async_sessionmaker[AsyncSession]
    gateway: PaymentGateway
    clock: Clock
    rules: BillingRules


async def services(request: Request) -> Services:
    # async: FastAPI would run a plain function in a worker thread on every request.
    built: Services = request.app.state.subscription
    return built


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.subscription.sessions
    return found


class EmailNotVerified(Forbidden):
    type_suffix = "email-not-verified"


async def verified_user(user: CurrentUser) -> Principal:
    """The signed-in user, whose token says the account's address is confirmed."""
    # The claim is the identity provider's word (Keycloak's too); no call back is needed.
    if user.claims.get("email_verified") is not True:
        raise EmailNotVerified(
            "confirm your email address before subscribing: open the link we mailed you, "
            "then sign in again (or ask for a new link at /api/v1/accounts/email-verification)"
        )
    return user


ServicesDep = Annotated[Services, Depends(services)]
VerifiedUser = Annotated[Principal, Depends(verified_user)]
# The request's unit of work: it commits when the route returns, before the answer is sent.
SessionDep = Annotated[AsyncSession, Depends(request_unit(sessions), scope="function")]
AdminUser = Annotated[Principal, Depends(require_roles(ADMIN_ROLE))]
