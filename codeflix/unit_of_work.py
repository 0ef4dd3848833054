"""One unit of work: a session whose changes, and the events they queue, commit together.

Every request and every event a service handles runs in one. Services change rows, flush, and
queue events with :func:`codeflix.outbox.add_to_outbox` (the inbox's
:func:`~codeflix.inbox.first_delivery` for consumers); they never commit the work itself. The
unit commits when the work ends without an error and rolls back when it raises, so the state
and its events are written together or not at all::

    async with unit_of_work(sessions) as session:       # a consumer, a background sweep
        if await first_delivery(session, consumer="catalog.encoding", event_id=envelope.id):
            await apply_encoding_event(session=session, ...)

    SessionDep = Annotated[AsyncSession, Depends(request_unit(...), scope="function")]  # routes

Storage work that must wait for the commit (deleting a video's files once the row is gone) is
registered with :func:`after_commit`. A service commits early only when a change must be
durable before something else happens, and says why at that line: before releasing a lock
another request waits on, or a failure that must be recorded although the request fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

_AFTER_COMMIT = "codeflix.after_commit"

Sessions = async_sessionmaker[Any]


def after_commit(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> None:
    """Run ``action`` once the unit of work holding ``session`` has committed (never on error)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@asynccontextmanager
async def unit_of_work(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """A session that commits when the block ends normally and rolls back when it raises."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        actions: list[Callable[[], Awaitable[None]]] = session.info.pop(_AFTER_COMMIT, [])
    for action in actions:
        await action()


def request_unit(
    sessions_of: Callable[[Request], Sessions],
) -> Callable[[Request], AsyncIterator[AsyncSession]]:
    """A FastAPI dependency giving each request its unit of work.

    Declare it with ``Depends(..., scope="function")``: FastAPI then ends the unit when the route
    returns, before the response is sent, so a refused commit is an error answer rather than a
    success the database never kept, and a client that got its answer reads what it wrote.
    """

    async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
        async with unit_of_work(sessions_of(request)) as session:
            yield session

    return request_session
