"""What the chaos test counts as lost, read from the databases and the broker afterwards."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import asyncpg

from tests.reliability.conftest import Deployment
from tests.reliability.flow import CONSUMERS, Ledger, Recorder


@dataclass
class Audit:
    """Each list names one kind of loss; a healthy run leaves every one of them empty."""

    uploads_unsettled: list[str] = field(default_factory=list)
    outbox_unsent: list[str] = field(default_factory=list)
    events_not_consumed: list[str] = field(default_factory=list)
    dead_letters: list[str] = field(default_factory=list)
    charges_wrong: list[str] = field(default_factory=list)
    copies_stale: list[str] = field(default_factory=list)
    delivered: Counter[str] = field(default_factory=Counter)  # consumer -> events handled

    @property
    def losses(self) -> int:
        return sum(
            len(found)
            for found in (
                self.uploads_unsettled,
                self.outbox_unsent,
                self.events_not_consumed,
                self.dead_letters,
                self.charges_wrong,
                self.copies_stale,
            )
        )

    def details(self, shown: int = 5) -> str:
        """Each kind of loss with its count and the first few cases."""
        return "\n".join(
            f"{name} ({len(value)}): {value[:shown]}{' ...' if len(value) > shown else ''}"
            for name, value in vars(self).items()
            if isinstance(value, list) and value
        )


async def audit(deployment: Deployment, ledger: Ledger, recorder: Recorder) -> Audit:
    found = Audit()
    db = {name: await asyncpg.connect(dsn) for name, dsn in deployment.databases.items()}
    try:
        await _uploads(db["catalog"], ledger, found)
        for service in ("catalog", "subscription"):
            unsent = await db[service].fetch(
                "SELECT event_id, type FROM outbox WHERE published_at IS NULL"
            )
            found.outbox_unsent += [f"{service}: {r['type']} {r['event_id']}" for r in unsent]
        await _inboxes(db, recorder, found)
        for queue, depth in deployment.rabbitmq.queue_depths().items():
            if queue.endswith(".dlq") and depth:
                found.dead_letters.append(f"{queue}: {depth}")
        await _charges(db["subscription"], ledger, recorder, found)
        await _entitlements(db["subscription"], db["playback"], found)
        await _playable(db["catalog"], db["playback"], found)
    finally:
        for connection in db.values():
            await connection.close()
    return found


async def _uploads(catalog: asyncpg.Connection, ledger: Ledger, found: Audit) -> None:
    for video_id, what in ledger.uploads.items():
        row = await catalog.fetchrow(
            "SELECT status, error FROM media_slots WHERE video_id::text = $1 AND kind = 'video'",
            video_id,
        )
        status, error = (row["status"], row["error"]) if row else ("missing", None)
        if status == "ready" and what == "media":
            continue
        if status == "failed" and error:
            continue
        found.uploads_unsettled.append(f"{video_id} ({what}): {status} {error or ''}".strip())


async def _inboxes(db: dict[str, asyncpg.Connection], recorder: Recorder, found: Audit) -> None:
    """Every event the broker accepted is in the inbox of every consumer meant to get it."""
    for consumer, (service, types) in CONSUMERS.items():
        handled = {
            r["event_id"]
            for r in await db[service].fetch(
                "SELECT event_id FROM inbox WHERE consumer = $1", consumer
            )
        }
        for event in recorder.of_type(*types):
            if str(event.id) in handled:
                found.delivered[consumer] += 1
            else:
                found.events_not_consumed.append(f"{consumer}: {event.type} {event.id}")


async def _charges(
    subscription: asyncpg.Connection, ledger: Ledger, recorder: Recorder, found: Audit
) -> None:
    """One subscription per viewer, one initial charge, one charge per renewal pushed."""
    renewed = Counter(e.parse_data().user_id for e in recorder.of_type("subscription.renewed"))  # type: ignore[attr-defined]
    for user_id in ledger.viewers:
        subscriptions = await subscription.fetchval(
            "SELECT count(*) FROM subscriptions WHERE user_id = $1", user_id
        )
        payments = Counter(
            r["kind"]
            for r in await subscription.fetch(
                "SELECT kind FROM payments WHERE user_id = $1 AND status = 'succeeded'", user_id
            )
        )
        expected = ledger.renewals[user_id]
        if (subscriptions, payments["initial"], payments["renewal"], renewed[user_id]) != (
            1, 1, expected, expected
        ):  # fmt: skip
            found.charges_wrong.append(
                f"{user_id}: {subscriptions} subscriptions, {payments['initial']} initial and "
                f"{payments['renewal']} renewal charges, {renewed[user_id]} renewed events "
                f"for {expected} renewals"
            )


async def _entitlements(
    subscription: asyncpg.Connection, playback: asyncpg.Connection, found: Audit
) -> None:
    """Playback's entitlements say what the subscriptions say."""
    source = {
        r["user_id"]: (r["status"], r["end"])
        for r in await subscription.fetch(
            "SELECT user_id, status, extract(epoch FROM current_period_end) AS end "
            "FROM subscriptions"
        )
    }
    copy = {
        r["user_id"]: (r["status"], r["active_until"])
        for r in await playback.fetch("SELECT user_id, status, active_until FROM entitlements")
    }
    for user_id, (status, end) in source.items():
        held = copy.get(user_id)
        if held is None or held[0] != status or abs(held[1] - float(end)) > 1e-3:
            found.copies_stale.append(f"entitlement of {user_id}: {held} for {(status, end)}")


async def _playable(
    catalog: asyncpg.Connection, playback: asyncpg.Connection, found: Audit
) -> None:
    """Playback's playable videos say what the catalog's media slots say."""
    source = {
        r["video_id"]: r["status"]
        for r in await catalog.fetch(
            "SELECT video_id::text AS video_id, status FROM media_slots WHERE kind = 'video'"
        )
    }
    copy = {
        r["video_id"]: r["media_status"]
        for r in await playback.fetch("SELECT video_id, media_status FROM playable_videos")
    }
    for video_id, status in source.items():
        if copy.get(video_id) != status:
            found.copies_stale.append(f"video {video_id}: {copy.get(video_id)} for {status}")
