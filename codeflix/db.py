"""Async SQLAlchemy engines for PostgreSQL (deployed) and SQLite (embedded)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout so it behaves."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        args, options = parsed.get_dialect()().create_connect_args(parsed)
        engine = create_async_engine(
            url, async_creator=_sqlite_connector(*args, timeout=30, **options), **kwargs
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_connector(*args: Any, **options: Any) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """Open aiosqlite connections that never leave their worker thread behind.

    When opening the file fails, aiosqlite queues the stop of its worker thread without waiting
    for it; if the event loop closes first, the thread dies on "Event loop is closed". Waiting
    for the thread before raising keeps a failed connection from outliving its loop.
    """

    async def connect() -> aiosqlite.Connection:
        connection = aiosqlite.connect(*args, **options)
        # The same flag SQLAlchemy sets on its own aiosqlite connections: an interpreter
        # exiting with a pooled connection open must not wait on its thread.
        connection._thread.daemon = True
        try:
            return await connection
        except BaseException:
            await asyncio.to_thread(connection._thread.join)
            raise

    return connect


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)


def database_check(engine: AsyncEngine) -> Callable[[], Awaitable[None]]:
    """A ``/readyz`` check: the database answers a trivial query."""

    async def database() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return database
