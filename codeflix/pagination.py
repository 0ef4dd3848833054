"""Keyset pagination with opaque cursors, the one codec every service's lists use.

A list is ordered by one column then the row id; a cursor names the sort it was made for and
the (value, id) of the last row handed out, as URL-safe base64 of a small JSON object. A
cursor is client input like any other: it is decoded strictly against the column it will be
compared with (type, range, length, text a database can store), so a forged one is a 422
problem and never reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Select, String, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from codeflix.problems import UnprocessableContent
from codeflix.text import check_storable_text

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
# Longer cursors are refused before decoding. The longest we hand out: a sort column of 255
# characters, each escaped as six bytes (control characters), is about 2,100 characters of
# base64; MAX_TEXT_LENGTH characters of four UTF-8 bytes each, about 5,400.
MAX_CURSOR_LENGTH = 6000
MAX_TEXT_LENGTH = 1000
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_CURSOR_CHARS = re.compile(r"[A-Za-z0-9_-]+")
SelectT = TypeVar("SelectT", bound=Select)


@dataclass(frozen=True)
class Ordering:
    """A ``sort`` value of a list: the column it orders by and its direction."""

    name: str
    column: InstrumentedAttribute[Any]
    id_column: InstrumentedAttribute[Any]
    descending: bool = False


def orderings(model: Any, *names: str) -> dict[str, Ordering]:
    """The sorts a list offers: ``name`` ascending and ``-name`` descending for each column."""
    found: dict[str, Ordering] = {}
    for name in names:
        column = getattr(model, name)
        found[name] = Ordering(name, column, model.id)
        found[f"-{name}"] = Ordering(f"-{name}", column, model.id, descending=True)
    return found


def newest_first(model: Any) -> Ordering:
    """The ordering of a list that shows the latest rows first."""
    return orderings(model, "created_at")["-created_at"]


def bad_cursor(reason: str = "invalid cursor") -> UnprocessableContent:
    return UnprocessableContent(
        "the cursor is not one this list handed out; start again without it",
        errors=[{"loc": ["query", "cursor"], "msg": reason}],
    )


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        # Our columns hold UTC; a naive value read back from one is UTC too.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(ordering: Ordering, row: Any) -> str:
    """The cursor of the page after ``row`` in ``ordering``."""
    value = getattr(row, ordering.column.key)
    last_id = getattr(row, ordering.id_column.key)
    data = {"s": ordering.name, "v": _to_json(value), "id": _to_json(last_id)}
    # UTF-8 rather than \uXXXX escapes: a title in another script stays a short cursor.
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _python_type(column: InstrumentedAttribute[Any]) -> type:
    column_type = column.type
    return getattr(column_type, "impl", column_type).python_type


def _coerce(column: InstrumentedAttribute[Any], value: Any) -> Any:
    """``value`` as the column holds it, or ValueError when the column could not hold it."""
    python_type = _python_type(column)
    if python_type is datetime:
        if not isinstance(value, str):
            raise ValueError("a time is a string")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a time needs its UTC offset")
        return moment.astimezone(UTC)  # OverflowError near year 1 or 9999
    if python_type is uuid.UUID:
        if not isinstance(value, str):
            raise ValueError("an id is a string")
        return uuid.UUID(value)
    if python_type is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("a number was expected")
        low, high = _INT64 if isinstance(column.type, BigInteger) else _INT32
        if not low <= value <= high:
            raise ValueError("the number is out of range")
        return value
    if python_type is str:
        if not isinstance(value, str):
            raise ValueError("a string was expected")
        limit = getattr(column.type, "length", None) if isinstance(column.type, String) else None
        if len(value) > (limit or MAX_TEXT_LENGTH):
            raise ValueError("the string is too long")
        check_storable_text(value)
        return value
    raise ValueError(f"no cursor for a {python_type.__name__} column")  # pragma: no cover


def decode_cursor(ordering: Ordering, cursor: str) -> tuple[Any, Any]:
    """The (sort value, id) a cursor points after; refuses anything but a cursor we made for
    this sort, with values the columns can hold."""
    if len(cursor) > MAX_CURSOR_LENGTH or not _CURSOR_CHARS.fullmatch(cursor):
        raise bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        if not isinstance(data, dict) or data.keys() != {"s", "v", "id"}:
            raise ValueError("not a cursor")
        if data["s"] != ordering.name:
            raise ValueError("a cursor of another sort")
        return _coerce(ordering.column, data["v"]), _coerce(ordering.id_column, data["id"])
    except (ValueError, TypeError, OverflowError, binascii.Error) as e:
        raise bad_cursor() from e


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a cursor value")


def page_query(stmt: SelectT, *, ordering: Ordering, cursor: str | None, limit: int) -> SelectT:
    """``stmt`` ordered by the sort then id, starting after ``cursor``, one row past ``limit``."""
    column, id_column = ordering.column, ordering.id_column
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


async def fetch_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    ordering: Ordering,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """One page of ``stmt`` (selecting whole rows) and the cursor of the next."""
    query = page_query(stmt, ordering=ordering, cursor=cursor, limit=limit)
    rows = list((await session.scalars(query)).all())
    return split_page(rows, ordering, limit)
