"""Abandoned uploads: an upload no PATCH has touched for a long time is dropped with its bytes."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apis.catalog.models import Upload
from apis.catalog.upload_storage import Uploads
from apis.catalog.uploads import terminate_upload
from codeflix.clock import Clock, SystemClock
from codeflix.unit_of_work import unit_of_work

log = logging.getLogger("codeflix.catalog")
SWEEP_INTERVAL_SECONDS = 3600.0


async def expire_stale_uploads(
    *, session: AsyncSession, uploads: Uploads, now: datetime, max_idle: timedelta
) -> int:
    """Terminate every unfinished upload idle since before ``now - max_idle``; how many."""
    stale = (
        await session.scalars(
            select(Upload).where(Upload.status == "receiving", Upload.updated_at < now - max_idle)
        )
    ).all()
    for upload in [(u.video_id, u.id) for u in stale]:
        await terminate_upload(
            session=session, uploads=uploads, video_id=upload[0], upload_id=upload[1]
        )
    return len(stale)


async def sweep_forever(
    sessions: async_sessionmaker[Any],
    uploads: Uploads,
    *,
    max_idle: timedelta,
    clock: Clock | None = None,
) -> None:
    """Expire abandoned uploads now and then, for as long as the service runs."""
    clock = clock or SystemClock()
    while True:
        try:
            async with unit_of_work(sessions) as session:
                dropped = await expire_stale_uploads(
                    session=session, uploads=uploads, now=clock.now(), max_idle=max_idle
                )
            if dropped:
                log.info("dropped %d abandoned uploads", dropped)
        except Exception:
            log.warning("could not sweep abandoned uploads; trying again later", exc_info=True)
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
