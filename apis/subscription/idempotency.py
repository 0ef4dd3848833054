"""``Idempotency-Key``: a repeated request gets the first answer back, never a second charge.

The first request with a key inserts a row (unique per user and key) before doing anything,
and holds a lease on it while it works. A concurrent twin finds the row, waits for its answer
and returns it. A different request body under the same key is refused (422), as is a twin
still waiting after ``wait_seconds`` (409, retry later).

What the first request created (a pending subscription) is written on the row in the same
transaction, so the key knows it even if the request dies afterwards:

- a failure that is not a client error ends the lease: a retry then runs the request again,
  or, when something was already created, carries on with it (the payment provider's own
  idempotency key makes the charge happen once);
- when the failure is the database going away, ending the lease waits for the database to
  come back (up to ``RELEASE_WITHIN``);
- a process killed mid-request leaves its lease to run out (``LEASE``); a retry after that
  takes the key over.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.subscription.models import IdempotencyRecord, new_id
from codeflix.clock import Clock
from codeflix.problems import Conflict, Problem, UnprocessableContent, problem_response
from codeflix.unit_of_work import unit_of_work

Answer = tuple[int, dict[str, Any]]
log = logging.getLogger("codeflix.subscription")
# Longer than any request can take (the provider's calls time out well before), so a lease
# still running belongs to a request still working on it.
LEASE = timedelta(minutes=2)
RELEASE_WITHIN = 60.0  # seconds a failed request keeps trying to end its lease


@dataclass
class Claim:
    """This request's hold on a key; ``created_id`` is what an earlier attempt created."""

    record_id: str
    created_id: str | None = None

    async def bind(self, session: AsyncSession, created_id: str) -> None:
        """Record ``created_id`` on the key, in the caller's transaction."""
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == self.record_id)
            .values(created_id=created_id)
        )


def request_fingerprint(secret: str, payload: dict[str, Any]) -> str:
    """A keyed hash of the request, so the stored fingerprint reveals nothing (card numbers)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


async def run_once(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    user_id: str,
    key: str,
    fingerprint: str,
    operation: Callable[[Claim], Awaitable[Answer]],
    wait_seconds: float = 30.0,
) -> Answer:
    """Run ``operation`` once per (user, key) and return its (status, body) every time."""
    claim_or_answer = await _claim(sessions, clock, user_id, key, fingerprint, wait_seconds)
    if not isinstance(claim_or_answer, Claim):
        return claim_or_answer
    claim = claim_or_answer
    try:
        status, body = await operation(claim)
    except Problem as e:
        response = problem_response(
            e.status, e.detail, type_suffix=e.type_suffix, errors=e.errors, **e.extra
        )
        status, body = e.status, json.loads(bytes(response.body))
    except BaseException:
        await _release(sessions, clock, claim)
        raise
    async with unit_of_work(sessions) as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == claim.record_id)
            .values(response_status=status, response_body=body)
        )
    return status, body


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    user_id: str,
    key: str,
    fingerprint: str,
    wait_seconds: float,
) -> Claim | Answer:
    """Take the key (new, or left by a request that stopped), or get its first answer."""
    delay, waited = 0.02, 0.0
    while True:
        record_id, now = new_id(), clock.now()
        try:
            async with unit_of_work(sessions) as session:
                session.add(
                    IdempotencyRecord(
                        id=record_id,
                        user_id=user_id,
                        key=key,
                        request_hash=fingerprint,
                        created_at=now,
                        lease_until=now + LEASE,
                    )
                )
            return Claim(record_id)
        except IntegrityError:
            pass  # the key is known: look at its row
        async with sessions() as session:
            record = (
                await session.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
                    )
                )
            ).scalar_one_or_none()
        if record is None:
            continue  # freed between our insert and our look: take it
        if not hmac.compare_digest(record.request_hash, fingerprint):
            raise UnprocessableContent(
                "this Idempotency-Key was already used for a different request"
            )
        if record.response_status is not None and record.response_body is not None:
            return record.response_status, record.response_body
        if await _take_over(sessions, clock, record):
            log.warning("took over an Idempotency-Key whose request stopped without an answer")
            return Claim(record.id, created_id=record.created_id)
        if waited >= wait_seconds:
            raise Conflict("a request with this Idempotency-Key is still in progress; retry")
        await asyncio.sleep(delay)  # the first request is still charging the card
        waited += delay
        delay = min(delay * 2, 0.5)


async def _take_over(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, record: IdempotencyRecord
) -> bool:
    """Renew an answerless row's lease if it has run out; True if this request now holds it."""
    now = clock.now()
    lease_until = record.lease_until or record.created_at + LEASE  # rows from before leases
    if lease_until > now:
        return False
    async with unit_of_work(sessions) as session:
        renewed = await session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record.id,
                IdempotencyRecord.response_status.is_(None),
                # unchanged since we read it: of two twins, one renews it
                IdempotencyRecord.lease_until.is_(None)
                if record.lease_until is None
                else IdempotencyRecord.lease_until == record.lease_until,
            )
            .values(lease_until=now + LEASE)
        )
    return bool(getattr(renewed, "rowcount", 0) == 1)  # a twin may have renewed it first


async def _release(sessions: async_sessionmaker[AsyncSession], clock: Clock, claim: Claim) -> None:
    """After a failure: free a key that created nothing, else end its lease for a retry."""
    loop = asyncio.get_running_loop()
    deadline, delay = loop.time() + RELEASE_WITHIN, 0.1
    while True:
        try:
            async with unit_of_work(sessions) as session:
                await session.execute(
                    delete(IdempotencyRecord).where(
                        IdempotencyRecord.id == claim.record_id,
                        IdempotencyRecord.created_id.is_(None),
                    )
                )
                await session.execute(
                    update(IdempotencyRecord)
                    .where(IdempotencyRecord.id == claim.record_id)
                    .values(lease_until=clock.now())
                )
            return
        except (SQLAlchemyError, OSError):
            if loop.time() > deadline:
                log.error("could not release an Idempotency-Key; its retries wait for its lease")
                return
            await asyncio.sleep(delay)  # the database is away: the likely cause of the failure
            delay = min(delay * 2, 2.0)
