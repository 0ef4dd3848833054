"""What the playback routes need, as ``Annotated`` dependencies built from the app's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.playback.config import PlaybackSettings
from apis.playback.edge import MediaEdge
from apis.playback.entitlements import EntitlementPolicy
from apis.playback.grants import GrantSigner
from codeflix.clock import Clock
from codeflix.unit_of_work import Sessions, request_unit


@dataclass
class Playback:
    """What the routes need, built once by ``create_app``."""

    settings: PlaybackSettings
    sessions: async_sessionmaker[AsyncSession]
    signer: GrantSigner
    entitlements: EntitlementPolicy
    edge: MediaEdge
    clock: Clock
    embedded: bool = False

    def media_base_url(self, request_base_url: str) -> str:
        """Where the viewer reaches the media edge: configured, else (embedded, where the
        service answers on the platform's one port) the address this request came in on."""
        if self.settings.media_base_url or not self.embedded:
            return self.settings.edge_base_url
        return request_base_url.rstrip("/")


async def _playback(request: Request) -> Playback:
    # async: FastAPI would run a plain function in a worker thread on every request.
    playback: Playback = request.app.state.playback
    return playback


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.playback.sessions
    return sessions


PlaybackDep = Annotated[Playback, Depends(_playback)]
# The request's unit of work: it commits when the route returns, before the answer is sent.
SessionDep = Annotated[AsyncSession, Depends(request_unit(_sessions), scope="function")]
