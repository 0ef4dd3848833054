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
    await add_to_outbox(session, new_event(type_, payload, subject=subject, producer=PRODUCER))
