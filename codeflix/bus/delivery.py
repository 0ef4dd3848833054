"""What to do with one delivered message; shared by every Bus adapter so they behave alike."""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from typing import Literal

from codeflix.bus.port import PermanentFailure, Subscription, failure_reason
from codeflix.events import InvalidEvent, decode_event
from codeflix.observability import domain_counter, reset_correlation_id, set_correlation_id

log = logging.getLogger("codeflix.bus")

_attempt: contextvars.ContextVar[int] = contextvars.ContextVar("codeflix_delivery_attempt")
_max_attempts: contextvars.ContextVar[int] = contextvars.ContextVar("codeflix_max_attempts")


def delivery_attempt() -> int:
    """Inside a handler: which delivery of the event this is (1 on the first)."""
    return _attempt.get(1)


def is_last_attempt() -> bool:
    """Inside a handler: whether raising now dead-letters the event instead of retrying."""
    return _attempt.get(1) >= _max_attempts.get(1)


@dataclass(frozen=True)
class Outcome:
    """``ack`` (done), ``retry`` after ``delay`` seconds, or ``dead_letter`` with a reason."""

    action: Literal["ack", "retry", "dead_letter"]
    reason: str | None = None
    delay: float = 0.0


def _count(queue: str, outcome: str) -> None:
    domain_counter(
        "bus_deliveries_total", "Messages handled by bus consumers.", ("queue", "outcome")
    ).labels(queue=queue, outcome=outcome).inc()


async def handle_delivery(subscription: Subscription, body: bytes, attempt: int) -> Outcome:
    """Validate the message, run the handler, and decide the message's fate."""
    queue = subscription.queue
    try:
        envelope = decode_event(body)
    except InvalidEvent as e:
        log.warning("malformed message dead-lettered", extra={"queue": queue, "reason": e.reason})
        _count(queue, "malformed")
        return Outcome("dead_letter", f"{e.reason}: {e}"[:500])
    token = set_correlation_id(envelope.correlation_id)
    attempt_token = _attempt.set(attempt)
    max_token = _max_attempts.set(subscription.max_attempts)
    try:
        await subscription.handler(envelope)
    except PermanentFailure as e:
        log.warning(
            "event refused by its handler",
            extra={"queue": queue, "event_id": str(envelope.id), "reason": e.reason},
        )
        _count(queue, "refused")
        return Outcome("dead_letter", failure_reason(e))
    except Exception as e:
        reason = failure_reason(e)
        if attempt >= subscription.max_attempts:
            log.exception(
                "event failed on its last attempt; dead-lettered",
                extra={"queue": queue, "event_id": str(envelope.id), "attempt": attempt},
            )
            _count(queue, "exhausted")
            return Outcome("dead_letter", f"{reason} (after {attempt} attempts)"[:500])
        log.warning(
            "event handler failed; will retry",
            extra={"queue": queue, "event_id": str(envelope.id), "attempt": attempt},
            exc_info=True,
        )
        _count(queue, "retried")
        return Outcome("retry", reason, subscription.delay_before(attempt + 1))
    finally:
        reset_correlation_id(token)
        _attempt.reset(attempt_token)
        _max_attempts.reset(max_token)
    _count(queue, "handled")
    return Outcome("ack")
