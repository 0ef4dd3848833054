"""``Idempotency-Key``: a repeated request gets the first answer back, never a second charge.

The first request with a key inserts a row (unique per user and key) before doing anything;
a concurrent twin finds the row, waits for its answer and returns it. A different request
body under the same key is refused (422), as is a twin still waiting after ``wait_seconds``
(409, retry later). A failure that is not a client error frees the key so a retry can work;
when the failure is the database going away, freeing it waits for the database to come back
(up to ``FREE_KEY_WITHIN``), or every retry would find the key still "in progress".
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription.models import IdempotencyRecord, new_id
from codeflix.problems import Conflict, Problem, UnprocessableContent, problem_response

Answer = tuple[int, dict[str, Any]]
log = logging.getLogger("codeflix.subscription")
FREE_KEY_WITHIN = 60.0  # seconds a failed request keeps trying to free its key


def request_fingerprint(secret: str, payload: dict[str, Any]) -> str:
    """A keyed hash of the request, so the stored fingerprint reveals nothing (card numbers)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


async def run_once(
    *,
    sessions: async_sessionmaker[AsyncSession],
    user_id: str,
    key: str,
    fingerprint: str,
    now: datetime,
    operation: Callable[[], Awaitable[Answer]],
    wait_seconds: float = 30.0,
) -> Answer:
    """Run ``operation`` once per (user, key) and return its (status, body) every time."""
    record_id = new_id()
    try:
        async with sessions() as session, session.begin():
            session.add(
                IdempotencyRecord(
                    id=record_id, user_id=user_id, key=key, request_hash=fingerprint, created_at=now
                )
            )
    except IntegrityError:
        return await _first_answer(sessions, user_id, key, fingerprint, wait_seconds)
    try:
        status, body = await operation()
    except Problem as e:
        response = problem_response(
            e.status, e.detail, type_suffix=e.type_suffix, errors=e.errors, **e.extra
        )
        status, body = e.status, json.loads(bytes(response.body))
    except BaseException:
        await _free_key(sessions, record_id)
        raise
    async with sessions() as session, session.begin():
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(response_status=status, response_body=body)
        )
    return status, body


async def _free_key(sessions: async_sessionmaker[AsyncSession], record_id: str) -> None:
    """Delete the key's row so that a retry runs the request again."""
    loop = asyncio.get_running_loop()
    deadline, delay = loop.time() + FREE_KEY_WITHIN, 0.1
    while True:
        try:
            async with sessions() as session, session.begin():
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
                )
            return
        except (SQLAlchemyError, OSError):
            if loop.time() > deadline:
                log.error("could not free an Idempotency-Key; its retries answer 409")
                return
            await asyncio.sleep(delay)  # the database is away: the likely cause of the failure
            delay = min(delay * 2, 2.0)


async def _first_answer(
    sessions: async_sessionmaker[AsyncSession],
    user_id: str,
    key: str,
    fingerprint: str,
    wait_seconds: float,
) -> Answer:
    delay, waited = 0.02, 0.0
    while True:
        async with sessions() as session:
            record = (
                await session.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
                    )
                )
            ).scalar_one_or_none()
        if record is None:
            raise Conflict("the first request with this Idempotency-Key failed; send it again")
        if not hmac.compare_digest(record.request_hash, fingerprint):
            raise UnprocessableContent(
                "this Idempotency-Key was already used for a different request"
            )
        if record.response_status is not None and record.response_body is not None:
            return record.response_status, record.response_body
        if waited >= wait_seconds:
            raise Conflict("a request with this Idempotency-Key is still in progress; retry")
        await asyncio.sleep(delay)  # the first request is still charging the card
        waited += delay
        delay = min(delay * 2, 0.5)
