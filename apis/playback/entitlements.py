"""The seam where subscriptions gate playback.

Before a grant is issued, the service asks an :class:`EntitlementPolicy` whether the viewer
may watch the video, and up to which rendition height. The policy in production is the
subscription-backed one (an entitlements table fed by ``subscription.*`` events, in
``subscriptions.py``); tests plug in their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from apis.playback.models import PlayableVideo
from codeflix.problems import PaymentRequired


class NotEntitled(PaymentRequired):
    """The viewer has no right to watch (e.g. no active subscription): 402."""


@dataclass(frozen=True)
class Entitlement:
    """What a viewer may watch of one video: ``max_height`` None means every rendition."""

    max_height: int | None = None


class EntitlementPolicy(Protocol):
    """Decides whether ``user_id`` may play ``video``; raises :class:`NotEntitled` if not."""

    async def entitlement(
        self, *, session: AsyncSession, user_id: str, video: PlayableVideo, now: float
    ) -> Entitlement: ...
