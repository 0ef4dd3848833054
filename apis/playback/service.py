"""Playback's logic: keep the copy of playable videos current, and issue grants.

Plain functions with keyword-only arguments; routes and event consumers call them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.entitlements import EntitlementPolicy
from apis.playback.grants import Grant, GrantSigner
from apis.playback.models import MEDIA_READY, PlayableVideo
from apis.playback.schemas import PlaybackGrantPublic
from codeflix.observability import domain_counter
from codeflix.problems import NotFound
from codeflix.storage import InvalidKey, clean_key

MEDIA_PATH = "/media/g"

grants_issued = domain_counter(
    "playback_grants_issued_total", "Playback grants issued, by outcome", ("outcome",)
)


def media_url(base_url: str, token: str, key: str) -> str:
    """The edge URL of one object under a grant."""
    return f"{base_url.rstrip('/')}{MEDIA_PATH}/{token}/{key}"


async def issue_grant(
    *,
    session: AsyncSession,
    signer: GrantSigner,
    entitlements: EntitlementPolicy,
    video_id: str,
    user_id: str,
    ttl_seconds: int,
    base_url: str,
    now: float,
) -> PlaybackGrantPublic:
    """Signed URLs for a published, ready video; 404 otherwise, 402 without entitlement."""
    video = await session.get(PlayableVideo, _video_key(video_id))
    if video is None or not video.playable:
        grants_issued.labels(outcome="not_playable").inc()
        raise NotFound(f"video {video_id} does not exist or is not ready to play")
    try:
        entitlement = await entitlements.entitlement(
            session=session, user_id=user_id, video=video, now=now
        )
    except Exception:
        grants_issued.labels(outcome="not_entitled").inc()
        raise
    assert video.hls_prefix is not None and video.master_playlist is not None
    grant = Grant(
        prefix=video.hls_prefix,
        expires_at=int(now) + ttl_seconds,
        user_id=user_id,
        max_height=entitlement.max_height,
    )
    token = signer.sign(grant)

    def url(relative: str | None) -> str | None:
        return media_url(base_url, token, video.hls_prefix + relative) if relative else None

    grants_issued.labels(outcome="issued").inc()
    return PlaybackGrantPublic(
        video_id=video.video_id,
        manifest_url=url(video.master_playlist) or "",
        expires_at=datetime.fromtimestamp(grant.expires_at, UTC),
        poster_url=url(video.poster),
        thumbnails_url=url(video.thumbnails),
        max_height=grant.max_height,
    )


async def record_catalog_video(
    *,
    session: AsyncSession,
    video_id: str,
    published: bool,
    deleted: bool = False,
    occurred_at: float,
) -> PlayableVideo:
    """Apply the catalog's view of a video (published, deleted) unless a newer one is known."""
    video = await _get_or_add(session, video_id)
    if video.catalog_event_at is None or occurred_at >= video.catalog_event_at:
        video.published = published and not deleted
        video.deleted = deleted or video.deleted
        video.catalog_event_at = occurred_at
    return video


async def record_media_status(
    *, session: AsyncSession, video_id: str, status: str, occurred_at: float
) -> PlayableVideo:
    """Note that encoding started or failed; a ready video stays playable until re-encoded."""
    video = await _get_or_add(session, video_id)
    if video.media_event_at is None or occurred_at >= video.media_event_at:
        video.media_status = status
        video.media_event_at = occurred_at
    return video


async def record_media_ready(
    *,
    session: AsyncSession,
    video_id: str,
    hls_prefix: str,
    master_playlist: str,
    poster: str | None,
    thumbnails: str | None,
    duration_seconds: float | None,
    renditions: list[dict[str, Any]],
    occurred_at: float,
) -> PlayableVideo:
    """Record where a video's encoded HLS tree is; from then on it can be granted."""
    prefix = _prefix(hls_prefix)
    video = await _get_or_add(session, video_id)
    if video.media_event_at is None or occurred_at >= video.media_event_at:
        video.media_status = MEDIA_READY
        video.hls_prefix = prefix
        video.master_playlist = _relative(master_playlist)
        video.poster = _relative(poster) if poster else None
        video.thumbnails = _relative(thumbnails) if thumbnails else None
        video.duration_seconds = duration_seconds
        video.renditions = renditions
        video.media_event_at = occurred_at
    return video


async def _get_or_add(session: AsyncSession, video_id: str) -> PlayableVideo:
    key = _video_key(video_id)
    video = await session.get(PlayableVideo, key)
    if video is None:
        video = PlayableVideo(video_id=key, published=False, deleted=False, media_status="pending")
        video.renditions = []
        session.add(video)
    return video


def _video_key(video_id: str) -> str:
    try:
        return str(uuid.UUID(str(video_id)))
    except ValueError as e:
        raise NotFound(f"video {video_id} does not exist") from e


def _prefix(key_prefix: str) -> str:
    try:
        return clean_key(key_prefix) + "/"
    except InvalidKey as e:
        raise ValueError(f"the HLS location {key_prefix!r} is not a usable key prefix") from e


def _relative(key: str) -> str:
    try:
        return clean_key(key)
    except InvalidKey as e:
        raise ValueError(f"the media key {key!r} is not a usable relative key") from e
