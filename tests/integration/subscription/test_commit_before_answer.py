"""An answer is sent only once its changes are committed.

The routes' session commits when the route returns. If that happened after the response went
out, a commit refused by the database (a lost connection, a serialization failure) would
still have told the admin "201 Created" for a plan that does not exist, and a client reading
right after a success could miss its own write.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from apis.subscription.models import Plan
from tests.integration.subscription.conftest import SubscriptionApi


@pytest.fixture
def commits_refused() -> Iterator[list[int]]:
    """The database refuses the next commit of a plan, as when the connection drops then."""
    refused: list[int] = []

    def note_plans(session: Any, _context: Any) -> None:
        if any(isinstance(o, Plan) for o in session.new):
            session.info["writes_a_plan"] = True

    def refuse(session: Any) -> None:
        if session.info.pop("writes_a_plan", False) and not refused:
            refused.append(1)
            raise OperationalError("COMMIT", {}, ConnectionResetError(104, "reset"))

    event.listen(Session, "after_flush", note_plans)
    event.listen(Session, "before_commit", refuse)
    yield refused
    event.remove(Session, "before_commit", refuse)
    event.remove(Session, "after_flush", note_plans)


async def test_a_refused_commit_is_an_error_not_a_created_plan(
    api: SubscriptionApi, commits_refused: list[int]
) -> None:
    response = await api.client.post(
        "/api/v1/admin/plans", json={"name": "Lost", "price_cents": 990}, headers=api.admin
    )
    assert commits_refused, "the commit was attempted"
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    plans = await api.client.get("/api/v1/admin/plans", headers=api.admin)
    assert [p["name"] for p in plans.json()["items"]] == []
    # The next attempt goes through, and is there as soon as it is answered.
    created = await api.client.post(
        "/api/v1/admin/plans", json={"name": "Lost", "price_cents": 990}, headers=api.admin
    )
    assert created.status_code == 201, created.text
    plans = await api.client.get("/api/v1/admin/plans", headers=api.admin)
    assert [p["name"] for p in plans.json()["items"]] == ["Lost"]
