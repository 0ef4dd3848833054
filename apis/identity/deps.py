"""What identity's routes and pages take from the app's state: its runtime and units of work."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.service import IdentityRuntime
from codeflix.unit_of_work import Sessions, unit_of_work


def runtime_of(request: Request) -> IdentityRuntime:
    runtime: IdentityRuntime = request.app.state.runtime
    return runtime


def unit(request: Request) -> AbstractAsyncContextManager[AsyncSession]:
    """The kernel's unit of work, as a block inside the route.

    A block rather than a dependency: an OAuth or HTML answer is built after the work has
    committed, and some follow it (the mail relay woken for a message just queued).
    """
    sessions: Sessions = request.app.state.sessions
    return unit_of_work(sessions)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
