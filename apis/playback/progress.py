"""Viewing progress: where each viewer left each video, and the "Continue watching" row.

Plain functions with keyword-only arguments; the routes call them.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.models import GRANTABLE_STATUSES, PlayableVideo, ViewingProgress
from apis.playback.schemas import ProgressPage, ProgressPublic
from apis.playback.service import video_key
from codeflix.problems import BadRequest, NotFound

# Past this share of a title the viewer has finished it (credits are left unwatched).
FINISHED_SHARE = 0.95


def share_watched(position_seconds: float, duration_seconds: float) -> float:
    return min(1.0, position_seconds / duration_seconds) if duration_seconds > 0 else 0.0


def _public(row: ViewingProgress) -> ProgressPublic:
    share = share_watched(row.position_seconds, row.duration_seconds)
    return ProgressPublic(
        video_id=row.video_id,
        position_seconds=row.position_seconds,
        duration_seconds=row.duration_seconds,
        progress=round(share, 4),
        finished=share > FINISHED_SHARE,
        updated_at=datetime.fromtimestamp(row.updated_at, UTC),
    )


async def record_progress(
    *,
    session: AsyncSession,
    user_id: str,
    video_id: str,
    position_seconds: float,
    duration_seconds: float,
    now: float,
) -> ProgressPublic:
    """Remember where ``user_id`` is in a playable video (404 for any other id)."""
    key = video_key(video_id)
    video = await session.get(PlayableVideo, key)
    if video is None or not video.playable:
        raise NotFound(f"video {video_id} does not exist or is not ready to play")
    # The encoder measured the title; the player's own figure only counts when it did not.
    duration = video.duration_seconds or duration_seconds
    position = min(position_seconds, duration)
    row = await session.get(ViewingProgress, (user_id, key))
    if row is None:
        row = ViewingProgress(user_id=user_id, video_id=key)
        session.add(row)
    row.position_seconds, row.duration_seconds, row.updated_at = position, duration, now
    await session.flush()
    return _public(row)


async def continue_watching(
    *, session: AsyncSession, user_id: str, cursor: str | None, limit: int
) -> ProgressPage:
    """The viewer's unfinished, still playable videos, the most recently watched first."""
    query = (
        select(ViewingProgress)
        .join(PlayableVideo, PlayableVideo.video_id == ViewingProgress.video_id)
        .where(
            ViewingProgress.user_id == user_id,
            ViewingProgress.position_seconds > 0,
            ViewingProgress.position_seconds <= ViewingProgress.duration_seconds * FINISHED_SHARE,
            PlayableVideo.published.is_(True),
            PlayableVideo.deleted.is_(False),
            PlayableVideo.media_status.in_(GRANTABLE_STATUSES),
        )
    )
    if cursor:
        updated_at, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                ViewingProgress.updated_at < updated_at,
                and_(ViewingProgress.updated_at == updated_at, ViewingProgress.video_id < last_id),
            )
        )
    query = query.order_by(ViewingProgress.updated_at.desc(), ViewingProgress.video_id.desc())
    rows = list((await session.scalars(query.limit(limit + 1))).all())
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = _encode_cursor(rows[-1]) if more and rows else None
    return ProgressPage(items=[_public(r) for r in rows], next_cursor=next_cursor)


def _encode_cursor(row: ViewingProgress) -> str:
    raw = json.dumps([row.updated_at, row.video_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        updated_at, video_id = json.loads(raw)
        return float(updated_at), str(video_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadRequest("the cursor is not one this API handed out") from None
