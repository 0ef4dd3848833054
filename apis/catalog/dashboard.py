"""Figures for the admin dashboard: titles by media status, encodes, recent failures, and the
encoder's Ray cluster as its last ``encoder.status`` said."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.catalog.models import MediaSlot, Video
from apis.catalog.schemas import (
    CatalogStats,
    EncodeCounts,
    EncoderLoad,
    FailedMedia,
    MediaStatusCounts,
)
from codeflix.events import EncoderStatus, Envelope

FAILURE_WINDOW = timedelta(hours=24)
MOST_FAILURES_SHOWN = 100
# A report this many intervals overdue means no encoder is reporting any more.
OVERDUE_INTERVALS = 3


class EncoderBoard:
    """The latest ``encoder.status`` this process heard (any worker: they share one cluster)."""

    def __init__(self) -> None:
        self.latest: EncoderStatus | None = None
        self.reported_at: datetime | None = None

    def record(self, envelope: Envelope) -> None:
        if self.reported_at is not None and envelope.occurred_at < self.reported_at:
            return
        status = envelope.parse_data()
        if isinstance(status, EncoderStatus):
            self.latest, self.reported_at = status, envelope.occurred_at

    def load(self, now: datetime) -> EncoderLoad | None:
        latest, at = self.latest, self.reported_at
        if latest is None or at is None:
            return None
        if now - at > timedelta(seconds=latest.interval_seconds * OVERDUE_INTERVALS):
            return None
        return EncoderLoad(
            nodes=latest.nodes,
            cpus_total=latest.cpus_total,
            cpus_busy=latest.cpus_busy,
            reported_at=at,
        )


async def catalog_stats(
    *, session: AsyncSession, board: EncoderBoard, now: datetime
) -> CatalogStats:
    return CatalogStats(
        videos_by_media_status=await _videos_by_media_status(session),
        encodes=await _encodes(session),
        failed_last_24h=await _recent_failures(session, since=now - FAILURE_WINDOW),
        encoder=board.load(now),
    )


async def _videos_by_media_status(session: AsyncSession) -> MediaStatusCounts:
    master = and_(MediaSlot.video_id == Video.id, MediaSlot.kind == "video")
    status = func.coalesce(MediaSlot.status, "pending")
    rows = await session.execute(
        select(status, func.count(Video.id)).select_from(Video).outerjoin(MediaSlot, master)
        .group_by(status)
    )  # fmt: skip
    counts = dict.fromkeys(("pending", "processing", "playable", "ready", "failed"), 0)
    for name, count in rows:
        counts["pending" if name == "uploading" else name] += count
    return MediaStatusCounts(**counts)


async def _encodes(session: AsyncSession) -> EncodeCounts:
    details = await session.scalars(
        select(MediaSlot.details).where(
            MediaSlot.status.in_(("processing", "playable")),
            MediaSlot.kind.in_(("video", "trailer")),
        )
    )
    progressed = [bool((d or {}).get("progress_percent") is not None) for d in details]
    return EncodeCounts(running=sum(progressed), waiting=len(progressed) - sum(progressed))


async def _recent_failures(session: AsyncSession, *, since: datetime) -> list[FailedMedia]:
    # A failure bumps its video's updated_at, so older videos need not be looked at.
    rows = await session.execute(
        select(MediaSlot, Video.title, Video.updated_at)
        .join(Video, MediaSlot.video_id == Video.id)
        .where(MediaSlot.status == "failed", Video.updated_at >= since)
    )
    failures = []
    for slot, title, updated_at in rows:
        failed_at = _failed_at(slot.details, slot.last_event_at or updated_at)
        if failed_at >= since:
            failures.append(
                FailedMedia(
                    video_id=slot.video_id,
                    title=title,
                    kind=slot.kind,  # type: ignore[arg-type]
                    error=slot.error,
                    failed_at=failed_at,
                )
            )
    failures.sort(key=lambda f: f.failed_at, reverse=True)
    return failures[:MOST_FAILURES_SHOWN]


def _failed_at(details: dict[str, Any] | None, fallback: datetime) -> datetime:
    """When the slot failed (noted since failures carry it), else the best guess we have."""
    noted = (details or {}).get("failed_at")
    try:
        return datetime.fromisoformat(noted) if isinstance(noted, str) else fallback
    except ValueError:
        return fallback
