"""Query parameters every service's routes share: all bounded, all checked.

Every query parameter a route declares is one of these or a type with its own bounds (an
enum, a UUID, ``Annotated[int, Query(ge=..., le=...)]``): an unbounded ``int`` overflows the
database and an unchecked ``str`` can carry NUL, both a 500 where a 422 belongs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from codeflix.pagination import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT
from codeflix.text import StorableText

Cursor = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` of the previous page",
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
DEFAULT_PAGE = DEFAULT_LIMIT
# A free-text filter ("name contains"): storable text of at most 255 characters.
SearchText = Annotated[StorableText | None, Query(max_length=255)]
