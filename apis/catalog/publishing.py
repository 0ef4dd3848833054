"""The catalog's events leave through the outbox, in the transaction of the change itself."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from codeflix.events import new_event
from codeflix.outbox import add_to_outbox

PRODUCER = "catalog"


async def publish(
    session: AsyncSession, type_: str, data: BaseModel | dict[str, Any], *, subject: str
) -> None:
    """Queue the event ``type_`` in ``session``; the relay sends it once the session commits."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    if type_ in ("video.created", "video.updated"):
        payload = _as_published(payload)
    await add_to_outbox(session, new_event(type_, payload, subject=subject, producer=PRODUCER))


def _as_published(video: dict[str, Any]) -> dict[str, Any]:
    """A video's state in the shape its events were published with: version 1 has no
    ``playable`` status, so a master still encoding but watchable is ``processing`` with its
    master playlist as ``encoded_location`` (see ``codeflix.events.MediaState``)."""
    media = {
        kind: {**slot, "status": "processing"} if slot.get("status") == "playable" else slot
        for kind, slot in video.get("media", {}).items()
    }
    return {**video, "media": media}
