"""Keyset pagination with opaque cursors: stable under inserts, cheap on deep pages."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from codeflix.problems import UnprocessableContent

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


@dataclass(frozen=True)
class Ordering:
    """A ``sort`` value of a list: the column it orders by and its direction."""

    name: str
    column: InstrumentedAttribute[Any]
    descending: bool = False


def _bad_cursor() -> UnprocessableContent:
    return UnprocessableContent(
        "the cursor is not one this list handed out; start again without it",
        errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
    )


def encode_cursor(ordering: Ordering, row: Any) -> str:
    value = getattr(row, ordering.column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps({"s": ordering.name, "v": value, "id": str(row.id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(ordering: Ordering, cursor: str) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor points after; refuses one made for another sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("s") != ordering.name:
            raise ValueError("cursor of another sort")
        value, last_id = data["v"], uuid.UUID(str(data["id"]))
        column_type = ordering.column.type
        python_type = getattr(column_type, "impl", column_type).python_type
        if python_type is datetime:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, python_type) or isinstance(value, bool):
            raise ValueError("cursor value of the wrong type")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as e:
        raise _bad_cursor() from e
    return value, last_id


def page_query(
    stmt: Select[Any], *, model: Any, ordering: Ordering, cursor: str | None, limit: int
) -> Select[Any]:
    """``stmt`` ordered by the sort then id, starting after ``cursor``, one row past ``limit``."""
    column, id_column = ordering.column, model.id
    if cursor:
        value, last_id = decode_cursor(ordering, cursor)
        if ordering.descending:
            after = or_(column < value, and_(column == value, id_column < last_id))
        else:
            after = or_(column > value, and_(column == value, id_column > last_id))
        stmt = stmt.where(after)
    if ordering.descending:
        stmt = stmt.order_by(column.desc(), id_column.desc())
    else:
        stmt = stmt.order_by(column.asc(), id_column.asc())
    return stmt.limit(limit + 1)


def split_page(rows: list[Any], ordering: Ordering, limit: int) -> tuple[list[Any], str | None]:
    """The rows of the page and the cursor of the next one (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(ordering, rows[-1])


def orderings(model: Any, *names: str) -> dict[str, Ordering]:
    """The sorts a list offers: ``name`` ascending and ``-name`` descending for each column."""
    found: dict[str, Ordering] = {}
    for name in names:
        column = getattr(model, name)
        found[name] = Ordering(name, column)
        found[f"-{name}"] = Ordering(f"-{name}", column, descending=True)
    return found
