"""Every move of the subscription state machine: the allowed ones and the refused ones."""

from __future__ import annotations

import itertools

import pytest

from apis.subscription.states import ALLOWED, ENTITLED, LIVE, IllegalTransition, Status, transition

LEGAL = [
    ("pending", "active"),
    ("pending", "expired"),
    ("pending", "canceled"),
    ("trialing", "active"),
    ("trialing", "past_due"),
    ("trialing", "canceled"),
    ("active", "past_due"),
    ("active", "canceled"),
    ("past_due", "active"),
    ("past_due", "canceled"),
    ("past_due", "expired"),
]
ILLEGAL = [
    pair for pair in itertools.product([s.value for s in Status], repeat=2) if pair not in LEGAL
]


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_allowed_transitions(source: str, target: str) -> None:
    assert transition(source, Status(target)) is Status(target)


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_other_transition_is_refused_as_409(source: str, target: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        transition(source, Status(target))
    assert refused.value.status == 409
    assert refused.value.extra == {"current_status": source, "requested_status": target}


def test_the_table_draws_exactly_the_documented_moves() -> None:
    drawn = {(s.value, t.value) for s, targets in ALLOWED.items() for t in targets}
    assert drawn == set(LEGAL)


def test_final_states_are_neither_live_nor_entitled() -> None:
    for final in (Status.CANCELED, Status.EXPIRED):
        assert not ALLOWED[final] and final not in LIVE and final not in ENTITLED
    assert Status.PENDING in LIVE and Status.PENDING not in ENTITLED


def test_an_unknown_status_is_an_error() -> None:
    with pytest.raises(ValueError):
        transition("paused", Status.ACTIVE)
