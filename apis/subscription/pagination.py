"""Opaque cursors for newest-first lists: the position is (created_at, id) of the last item."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from codeflix.problems import BadRequest

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def encode_cursor(created_at: datetime, item_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, item_id = json.loads(raw)
        return datetime.fromisoformat(created_at), str(item_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadRequest("the cursor is not one this API handed out") from None


async def page(
    session: AsyncSession, query: Select[Any], model: Any, *, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of ``query`` (selecting ``model`` rows), newest first, and the next cursor."""
    if cursor:
        created_at, item_id = decode_cursor(cursor)
        query = query.where(
            or_(
                model.created_at < created_at,
                and_(model.created_at == created_at, model.id < item_id),
            )
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars().all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return rows, next_cursor
