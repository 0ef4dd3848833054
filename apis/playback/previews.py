"""Admin previews: catalog admins watch any encoded video before (or after) it is published.

A preview needs no subscription and has no plan's height cap, so the admin judges the whole
ladder; it is still a grant of one video's tree for a short time, signed like any other.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.grants import GrantSigner
from apis.playback.models import PlayableVideo
from apis.playback.schemas import PlaybackGrantPublic
from apis.playback.service import grants_issued, sign_grant, video_key
from codeflix.problems import NotFound


async def issue_preview_grant(
    *,
    session: AsyncSession,
    signer: GrantSigner,
    video_id: str,
    admin_id: str,
    ttl_seconds: int,
    base_url: str,
    now: float,
) -> PlaybackGrantPublic:
    """Signed URLs for an encoded video, published or not; 404 when it is not ready."""
    video = await session.get(PlayableVideo, video_key(video_id))
    if video is None or not video.previewable:
        grants_issued.labels(outcome="not_playable").inc()
        raise NotFound(f"video {video_id} does not exist or is not encoded yet")
    grants_issued.labels(outcome="preview").inc()
    return sign_grant(
        signer=signer,
        video=video,
        user_id=admin_id,
        max_height=None,
        expires_at=int(now) + ttl_seconds,
        base_url=base_url,
    )
