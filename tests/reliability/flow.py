"""The scripted flow of the chaos test and the audit that counts what was lost.

The flow acts as the platform's users do, over HTTP against the service processes: an admin
creates titles and uploads their masters (tus, resumed from the server's offset after a
failure; a new one only while fewer than three wait for the encoder), viewers subscribe (one
``Idempotency-Key`` per viewer, kept across retries), watch titles once they are ready (grant,
master playlist, variant playlist, first segment through the playback service's media edge)
and browse the catalog; time passes for some subscriptions (their billing date is moved into
the past, as a month going by would) so the renewal scheduler charges them again. A client
retries a call that fails while something is down, as a real one would; every retry is
counted.

The audit then reads the databases and the broker: every acknowledged upload is ``ready`` or
``failed`` with a reason, every outbox row was published, every event published on the bus is
in the inbox of each consumer it is meant for, no message was dead-lettered, each renewal was
charged once and each viewer has one subscription, and playback's copies (entitlements,
playable videos) agree with their sources.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

from apis.catalog.encoding import ENCODING_EVENTS
from apis.playback.consumers import HANDLERS as PLAYBACK_VIDEO_EVENTS
from apis.playback.subscriptions import ROUTING_KEYS as PLAYBACK_SUBSCRIPTION_EVENTS
from codeflix.events import Envelope
from tests.reliability.conftest import Deployment

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
        "cvc": "123"}  # fmt: skip
MAX_ENCODES_WAITING = 3  # uploads the flow lets wait for the encoder at once
RETRYABLE = frozenset({402, 404, 409, 500, 502, 503, 504})
# Which consumer (its inbox name and database) must have handled which event types.
CONSUMERS = {
    "catalog.encoding": ("catalog", frozenset(ENCODING_EVENTS)),
    "playback.videos": ("playback", frozenset(PLAYBACK_VIDEO_EVENTS)),
    "playback.entitlements": ("playback", frozenset(PLAYBACK_SUBSCRIPTION_EVENTS)),
}


class Unfinished(Exception):
    """A call that did not succeed however long the client kept trying."""


@dataclass
class Ledger:
    """What the flow did and what it expects to find afterwards."""

    operations: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    faults: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    uploads: dict[str, str] = field(default_factory=dict)  # video id -> "media" | "not media"
    viewers: dict[str, dict[str, str]] = field(default_factory=dict)  # user id -> headers
    renewals: Counter[str] = field(default_factory=Counter)  # user id -> renewals pushed
    watched: set[str] = field(default_factory=set)
    # What each retried call last answered, and when (monotonic clock): tells a stuck service from
    # a slow round when a wait runs out.
    last_failures: dict[str, tuple[float, str]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def summary(self) -> str:
        now = time.monotonic()
        failures = "; ".join(
            f"{what} {now - at:.0f} s ago: {last}"
            for what, (at, last) in sorted(self.last_failures.items(), key=lambda i: i[1][0])
        )
        return (
            f"at {now - self.started:.0f} s: operations {dict(self.operations)}, "
            f"retries {self.retries}, unfinished {self.unfinished}, "
            f"last failures: {failures or 'none'}"
        )


class Recorder:
    """Every event the broker accepted: a durable queue bound to ``#``, deduplicated by id."""

    def __init__(self) -> None:
        self.events: dict[str, Envelope] = {}

    async def __call__(self, envelope: Envelope) -> None:
        self.events[str(envelope.id)] = envelope

    def of_type(self, *types: str) -> list[Envelope]:
        return [e for e in self.events.values() if e.type in types]


class Flow:
    """The users of the platform, talking HTTP to the service processes."""

    def __init__(self, deployment: Deployment, ledger: Ledger, masters: dict[str, bytes]) -> None:
        self.d, self.ledger, self.masters = deployment, ledger, masters
        self.admin = deployment.identity.headers(roles=["user", "catalog-admin"])
        self.http = httpx.AsyncClient(timeout=15)
        self.random = random.Random(7)
        self.ready: list[str] = []  # titles seen ready, in order
        self.encoding: set[str] = set()  # media uploaded, not yet seen ready or failed

    async def close(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        what: str,
        send: Callable[[], Awaitable[httpx.Response]],
        *,
        ok: Callable[[httpx.Response], bool] = lambda r: r.is_success,
        within: float = 240,
    ) -> httpx.Response:
        """``send()`` until ``ok``; transport errors and 5xx/402/404/409 answers are retried."""
        loop = asyncio.get_running_loop()
        deadline, last = loop.time() + within, "no answer"
        while loop.time() < deadline:
            try:
                response = await send()
                if ok(response):
                    return response
                if response.status_code not in RETRYABLE:
                    raise Unfinished(f"{what}: {response.status_code} {response.text[:300]}")
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as e:
                last = repr(e)
            self.ledger.retries += 1
            self.ledger.last_failures[what] = (time.monotonic(), last)
            await asyncio.sleep(0.5)
        raise Unfinished(f"{what}: still failing after {within:.0f} s ({last})")

    # -- admin ---------------------------------------------------------------------------------
    async def create_title(self, n: int) -> str:
        # A create retried after a lost answer may leave a spare title without media; the
        # audit follows the titles whose uploads were acknowledged.
        body = {"title": f"Chaos {n} {uuid.uuid4().hex[:6]}", "launch_year": 2024, "duration": 1,
                "rating": "L", "published": True, "opened": True}  # fmt: skip
        url = f"{self.d.catalog.base_url}/api/v1/admin/videos"

        async def create() -> httpx.Response:
            return await self.http.post(url, json=body, headers=self.admin)

        created = await self.call("create title", create)
        self.ledger.operations["create title"] += 1
        return str(created.json()["id"])

    async def upload(self, video_id: str, data: bytes, *, media: bool = True) -> None:
        """tus: create, then PATCH from the server's offset until it has every byte."""
        base = self.d.catalog.base_url
        tus = {**self.admin, "Tus-Resumable": "1.0.0"}

        async def create() -> httpx.Response:
            return await self.http.post(
                f"{base}/api/v1/admin/videos/{video_id}/uploads",
                params={"kind": "video"},
                headers={**tus, "Upload-Length": str(len(data))},
            )

        location = base + (await self.call("create upload", create)).headers["location"]
        half = len(data) // 2
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 240
        while True:
            if loop.time() > deadline:
                raise Unfinished(f"upload of {video_id}: the catalog never took every byte")
            head = await self.call("upload offset", lambda: self.http.head(location, headers=tus))
            offset = int(head.headers["upload-offset"])
            if offset == len(data):
                break
            end = half if offset < half else len(data)
            try:
                response = await self.http.patch(
                    location,
                    content=data[offset:end],
                    headers={**tus, "Upload-Offset": str(offset),
                             "Content-Type": "application/offset+octet-stream"},
                )  # fmt: skip
            except httpx.TransportError:
                self.ledger.retries += 1
                await asyncio.sleep(0.5)
                continue
            if end == len(data) and response.status_code in (204, 422):
                break  # the last byte is in: accepted (204) or refused as not media (422)
            if not response.is_success:
                self.ledger.retries += 1
                await asyncio.sleep(0.5)
        self.ledger.uploads[video_id] = "media" if media else "not media"
        self.ledger.operations["upload"] += 1

    async def media_status(self, video_id: str) -> tuple[str, str | None]:
        url = f"{self.d.catalog.base_url}/api/v1/admin/videos/{video_id}"
        video = await self.call("read title", lambda: self.http.get(url, headers=self.admin))
        slot = video.json()["media"]["video"]
        return slot["status"], slot["error"]

    # -- viewers -------------------------------------------------------------------------------
    async def subscribe(self) -> str:
        user_id = str(uuid.uuid4())
        viewer = self.d.identity.headers(subject=user_id)
        base = self.d.subscription.base_url
        plans = await self.call("plans", lambda: self.http.get(f"{base}/api/v1/plans"))
        plan_id = next(p["id"] for p in plans.json()["items"] if p["name"] == "premium")
        key = uuid.uuid4().hex

        async def send() -> httpx.Response:
            return await self.http.post(
                f"{base}/api/v1/subscriptions",
                json={"plan_id": plan_id, "payment_method": CARD},
                headers={**viewer, "Idempotency-Key": key},
            )

        await self.call("subscribe", send)
        self.ledger.viewers[user_id] = viewer
        self.ledger.operations["subscribe"] += 1
        return user_id

    async def renew(self, user_id: str) -> None:
        """A month goes by for one subscription: its billing date moves into the past."""
        while True:
            try:
                connection = await asyncpg.connect(self.d.databases["subscription"], timeout=5)
            except (OSError, asyncpg.PostgresError):
                self.ledger.retries += 1
                await asyncio.sleep(0.5)
                continue
            try:
                row = await connection.fetchrow(
                    "SELECT id, current_period_end FROM subscriptions WHERE user_id = $1 "
                    "AND status = 'active' AND next_billing_at > now() AND lease_owner IS NULL",
                    user_id,
                )
                if row is None:
                    return  # a renewal of it is still under way: nothing to push now
                try:
                    await connection.execute(
                        "UPDATE subscriptions SET current_period_end = now() - interval '1 s', "
                        "next_billing_at = now() - interval '1 s' "
                        "WHERE id = $1 AND current_period_end = $2",
                        row["id"], row["current_period_end"],
                    )  # fmt: skip
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    # The server went away around the commit: see whether the move landed.
                    if not await self._period_moved(row["id"], row["current_period_end"]):
                        continue
                self.ledger.renewals[user_id] += 1
                self.ledger.operations["renewal"] += 1
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.ledger.retries += 1
                await asyncio.sleep(0.5)
            finally:
                if not connection.is_closed():
                    connection.terminate()

    async def _period_moved(self, subscription_id: str, before: Any) -> bool:
        while True:
            try:
                connection = await asyncpg.connect(self.d.databases["subscription"], timeout=5)
                try:
                    end = await connection.fetchval(
                        "SELECT current_period_end FROM subscriptions WHERE id = $1",
                        subscription_id,
                    )
                finally:
                    connection.terminate()
                return bool(end != before)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.ledger.retries += 1
                await asyncio.sleep(0.5)

    async def watch(self, user_id: str, video_id: str) -> None:
        """Grant, then the master playlist, a variant playlist and its first segment."""
        viewer, base = self.ledger.viewers[user_id], self.d.playback.base_url

        async def grant() -> httpx.Response:
            return await self.http.post(f"{base}/api/v1/playback/{video_id}", headers=viewer)

        manifest = urlsplit((await self.call("grant", grant)).json()["manifest_url"]).path
        self.ledger.operations["grant"] += 1
        master = await self.call("master playlist", lambda: self.http.get(base + manifest))
        variant = next(
            line for line in master.text.splitlines() if line and not line.startswith("#")
        )
        folder = manifest.rsplit("/", 1)[0]
        playlist = await self.call(
            "media playlist", lambda: self.http.get(f"{base}{folder}/{variant}")
        )
        segment = next(
            line for line in playlist.text.splitlines() if line and not line.startswith("#")
        )
        variant_folder = f"{base}{folder}/{variant.rsplit('/', 1)[0]}"
        first = await self.call("segment", lambda: self.http.get(f"{variant_folder}/{segment}"))
        assert first.content, "an empty media segment"
        self.ledger.operations["segment"] += 1
        self.ledger.watched.add(video_id)

    async def browse(self, user_id: str) -> None:
        viewer = self.ledger.viewers[user_id]
        url = f"{self.d.catalog.base_url}/api/v1/videos"
        await self.call("browse", lambda: self.http.get(url, headers=viewer))
        self.ledger.operations["browse"] += 1

    # -- the scripted traffic ------------------------------------------------------------------
    async def round(self, n: int) -> None:
        """One round of traffic: maybe a title, a viewer, a renewal, some watching and browsing."""
        await self.follow_encodes()
        # An admin uploads while the encoder keeps up: a backlog growing every round would
        # make each later step wait on encodes, not on the recovery the faults test.
        if len(self.encoding) < MAX_ENCODES_WAITING:
            count = len(self.ledger.uploads)
            name = "not media" if count == 2 else ("long" if count % 3 == 0 else "short")
            video_id = await self.create_title(n)
            await self.upload(video_id, self.masters[name], media=name != "not media")
            if name != "not media":
                self.encoding.add(video_id)
        user_id = await self.subscribe()
        await self.browse(user_id)
        if self.ready:
            await self.watch(user_id, self.ready[n % len(self.ready)])
        subscribed = sorted(self.ledger.viewers)
        await self.renew(self.random.choice(subscribed))

    async def follow_encodes(self) -> None:
        """Look up each master still encoding; the ready ones become watchable."""
        for video_id in sorted(self.encoding):
            status, _ = await self.media_status(video_id)
            if status in ("ready", "failed"):
                self.encoding.discard(video_id)
                if status == "ready":
                    self.ready.append(video_id)

    async def run(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            try:
                await self.round(n)
            except Unfinished as e:
                self.ledger.unfinished.append(str(e))
            n += 1
            await asyncio.sleep(0.2)

    async def settle(self, within: float) -> None:
        """Once the faults are over: wait for every upload to end, then watch each ready one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        pending = set(self.ledger.uploads)
        while pending and loop.time() < deadline:
            for video_id in sorted(pending):
                status, _ = await self.media_status(video_id)
                if status in ("ready", "failed"):
                    pending.discard(video_id)
                    if status == "ready" and video_id not in self.ready:
                        self.ready.append(video_id)
            await asyncio.sleep(1)
        viewer = sorted(self.ledger.viewers)[0]
        for video_id in self.ready:
            if video_id not in self.ledger.watched:
                await self.watch(viewer, video_id)
