"""Playback's logic: keep the copy of playable videos current, and issue grants.

Plain functions with keyword-only arguments; routes and event consumers call them.
"""

from __future__ import annotations

import posixpath
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.entitlements import EntitlementPolicy
from apis.playback.grants import Grant, GrantSigner
from apis.playback.media import content_type, read_whole
from apis.playback.models import MEDIA_PLAYABLE, MEDIA_READY, PlayableVideo, VideoRating
from apis.playback.schemas import PlaybackGrantPublic
from codeflix.observability import domain_counter
from codeflix.problems import Forbidden, NotFound, Problem
from codeflix.ratings import within_limit
from codeflix.storage import InvalidKey, ObjectNotFound, ObjectStore, clean_key

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
    max_rating: str | None = None,
) -> PlaybackGrantPublic:
    """Signed URLs for a published video that is ready or playable (still encoding); 404
    otherwise, 403 above the viewer's parental limit, 402 without entitlement."""
    video = await session.get(PlayableVideo, video_key(video_id))
    if video is None or not video.playable:
        grants_issued.labels(outcome="not_playable").inc()
        raise NotFound(f"video {video_id} does not exist or is not ready to play")
    await check_parental_limit(session=session, video=video, max_rating=max_rating)
    try:
        entitlement = await entitlements.entitlement(
            session=session, user_id=user_id, video=video, now=now
        )
    except Problem:
        grants_issued.labels(outcome="not_entitled").inc()
        raise
    grants_issued.labels(outcome="issued").inc()
    return sign_grant(
        signer=signer,
        video=video,
        user_id=user_id,
        max_height=entitlement.max_height,
        expires_at=int(now) + ttl_seconds,
        base_url=base_url,
    )


def sign_grant(
    *,
    signer: GrantSigner,
    video: PlayableVideo,
    user_id: str,
    max_height: int | None,
    expires_at: int,
    base_url: str,
) -> PlaybackGrantPublic:
    """The signed URLs of a playable video's master playlist, poster and seek previews."""
    tree, master = video.hls_prefix, video.master_key
    assert tree is not None and master is not None
    tokens: dict[str, str] = {}

    def signed_url(key: str | None) -> str | None:
        if key is None:
            return None
        # One grant for the HLS tree, limits included, whichever of its files the URL names
        # (a poster URL must not open the rungs the manifest URL keeps closed); an image kept
        # elsewhere gets a grant of its own folder.
        prefix = tree if key.startswith(tree) else _folder(key)
        if prefix not in tokens:
            denied = taller_rungs(video.renditions, max_height) if prefix == tree else ()
            grant = Grant(prefix, expires_at, user_id=user_id, max_height=max_height, denied=denied)
            tokens[prefix] = signer.sign(grant)
        return media_url(base_url, tokens[prefix], key)

    return PlaybackGrantPublic(
        video_id=video.video_id,
        manifest_url=signed_url(master) or "",
        expires_at=datetime.fromtimestamp(expires_at, UTC),
        poster_url=signed_url(video.poster_key),
        thumbnails_url=signed_url(video.thumbnails_key),
        max_height=max_height,
    )


async def poster(*, session: AsyncSession, store: ObjectStore, video_id: str) -> tuple[bytes, str]:
    """The poster image of a playable video and its content type; 404 for anything else."""
    video = await session.get(PlayableVideo, video_key(video_id))
    if video is None or not video.playable or not video.poster_key:
        raise NotFound(f"video {video_id} has no poster to show")
    try:
        image = await read_whole(store, video.poster_key)
    except ObjectNotFound as e:
        raise NotFound(f"video {video_id} has no poster to show") from e
    return image, content_type(video.poster_key)


def taller_rungs(renditions: list[dict[str, Any]], max_height: int | None) -> tuple[str, ...]:
    """The rung folders (or playlists) a height limit closes, by the rule the master playlist
    is limited with: above the limit, unless every rung is (then the shortest stays)."""
    heights = [r["height"] for r in renditions if isinstance(r.get("height"), int)]
    if max_height is None or not heights:
        return ()
    limit = max(max_height, min(heights))
    closed = set()
    for rung in renditions:
        playlist = str(rung.get("playlist") or "")
        height = rung.get("height")
        if isinstance(height, int) and height > limit and playlist and ".." not in playlist:
            closed.add(posixpath.dirname(playlist) + "/" if "/" in playlist else playlist)
    return tuple(sorted(closed))


async def record_catalog_video(
    *,
    session: AsyncSession,
    video_id: str,
    published: bool,
    deleted: bool = False,
    rating: str | None = None,
    occurred_at: float,
) -> PlayableVideo:
    """Apply the catalog's view of a video (published, deleted, its rating) unless a newer
    one is known."""
    video = await _get_or_add(session, video_id)
    if video.catalog_event_at is None or occurred_at >= video.catalog_event_at:
        video.deleted = deleted or video.deleted
        video.published = published and not video.deleted
        video.catalog_event_at = occurred_at
        if rating is not None:
            known = await session.get(VideoRating, video.video_id)
            if known is None:
                known = VideoRating(video_id=video.video_id, rating=rating, event_at=occurred_at)
                session.add(known)
            else:
                known.rating, known.event_at = rating, occurred_at
    return video


class AboveParentalLimit(Forbidden):
    type_suffix = "parental-limit"


async def check_parental_limit(
    *, session: AsyncSession, video: PlayableVideo, max_rating: str | None
) -> None:
    """403 naming the limit when the video is rated above the viewer's parental limit."""
    if max_rating is None:
        return
    known = await session.get(VideoRating, video.video_id)
    rating = known.rating if known is not None else None
    if within_limit(rating, max_rating):
        return
    grants_issued.labels(outcome="parental_limit").inc()
    if rating is None:
        detail = f"this title's rating is not known yet; your parental limit is {max_rating}"
    else:
        detail = f"this title is rated {rating}, above your parental limit of {max_rating}"
    raise AboveParentalLimit(detail, max_rating=max_rating, rating=rating)


async def record_media_status(
    *, session: AsyncSession, video_id: str, status: str, occurred_at: float
) -> PlayableVideo:
    """Note that the video's media is pending, processing or failed (not playable then)."""
    video = await _get_or_add(session, video_id)
    if video.media_event_at is None or occurred_at >= video.media_event_at:
        video.media_status = status
        video.media_event_at = occurred_at
    return video


async def record_media_ready(
    *,
    session: AsyncSession,
    video_id: str,
    master_key: str,
    hls_prefix: str | None = None,
    poster_key: str | None = None,
    thumbnails_key: str | None = None,
    duration_seconds: float | None = None,
    renditions: list[dict[str, Any]] | None = None,
    occurred_at: float,
    still_encoding: bool = False,
) -> PlayableVideo:
    """Record where a video's encoded HLS tree is; from then on it can be granted.

    Keys are storage keys from the store's root; ``hls_prefix`` defaults to the master
    playlist's folder. Renditions not given keep their last known value. ``still_encoding``:
    the stream is published while the encode goes on (``playable``, not ``ready`` yet).
    """
    master = _key(master_key)
    prefix = _key(hls_prefix) + "/" if hls_prefix else _folder(master)
    if not master.startswith(prefix):
        raise ValueError(f"the master playlist {master!r} is not inside {prefix!r}")
    video = await _get_or_add(session, video_id)
    if video.media_event_at is None or occurred_at >= video.media_event_at:
        video.media_status = MEDIA_PLAYABLE if still_encoding else MEDIA_READY
        video.hls_prefix = prefix
        video.master_key = master
        video.poster_key = _key(poster_key) if poster_key else None
        video.thumbnails_key = _key(thumbnails_key) if thumbnails_key else None
        video.duration_seconds = duration_seconds
        if renditions is not None:
            video.renditions = renditions
        video.media_event_at = occurred_at
    return video


async def _get_or_add(session: AsyncSession, video_id: str) -> PlayableVideo:
    key = video_key(video_id)
    video = await session.get(PlayableVideo, key)
    if video is None:
        video = PlayableVideo(video_id=key, published=False, deleted=False, media_status="pending")
        video.renditions = []
        session.add(video)
    return video


def video_key(video_id: str) -> str:
    try:
        return str(uuid.UUID(str(video_id)))
    except ValueError as e:
        raise NotFound(f"video {video_id} does not exist") from e


def _key(key: str) -> str:
    try:
        return clean_key(key)
    except InvalidKey as e:
        raise ValueError(f"the media key {key!r} is not a usable storage key") from e


def _folder(key: str) -> str:
    folder = posixpath.dirname(_key(key))
    if not folder:
        raise ValueError(f"the media key {key!r} lies at the store's root, outside any folder")
    return folder + "/"
