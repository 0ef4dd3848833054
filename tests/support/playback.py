"""Playback test doubles at our own ports."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.entitlements import Entitlement
from apis.playback.models import PlayableVideo


class EveryoneEntitled:
    """An entitlement policy that lets every signed-in viewer watch every rendition."""

    async def entitlement(
        self, *, session: AsyncSession, user_id: str, video: PlayableVideo, now: float
    ) -> Entitlement:
        return Entitlement()
