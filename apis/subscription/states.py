"""The life of a subscription, as a small state machine.

::

    pending ──▶ active ◀──▶ past_due ──▶ expired
       │          ▲   │         │
       │ trialing ┘   └────┬────┘
       ▼                   ▼
    expired             canceled

``pending`` waits for a payment to confirm; ``trialing`` plays without a charge until the trial
ends; ``active`` is paid for the current period; ``past_due`` is a failed renewal being retried
during the grace period; ``canceled`` and ``expired`` are final. Every change of status goes
through :func:`transition`, which refuses the moves the diagram does not draw.
"""

from __future__ import annotations

from enum import StrEnum

from codeflix.problems import Conflict


class Status(StrEnum):
    PENDING = "pending"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    EXPIRED = "expired"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.ACTIVE, Status.EXPIRED, Status.CANCELED}),
    Status.TRIALING: frozenset({Status.ACTIVE, Status.PAST_DUE, Status.CANCELED}),
    Status.ACTIVE: frozenset({Status.PAST_DUE, Status.CANCELED}),
    Status.PAST_DUE: frozenset({Status.ACTIVE, Status.CANCELED, Status.EXPIRED}),
    Status.CANCELED: frozenset(),
    Status.EXPIRED: frozenset(),
}

# A user has at most one subscription in these states (a unique index enforces it).
LIVE = frozenset({Status.PENDING, Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})
# These states let the viewer watch.
ENTITLED = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})


class IllegalTransition(Conflict):
    """A status change the state machine does not allow (answered as 409)."""

    type_suffix = "illegal-transition"


def transition(current: str, target: Status) -> Status:
    """The new status, or :class:`IllegalTransition` when ``current → target`` is not allowed."""
    source = Status(current)
    if target not in ALLOWED[source]:
        raise IllegalTransition(
            f"a subscription that is {source.value} cannot become {target.value}",
            current_status=source.value,
            requested_status=target.value,
        )
    return target
