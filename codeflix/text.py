"""Text a database can store: what every string taken from a client must be.

PostgreSQL refuses NUL in text and neither SQLite nor PostgreSQL can store a lone UTF-16
surrogate (JSON's ``"\\ud800"`` decodes to one); either one reaching a query is a 500. Strings
are checked where they enter (query parameters, cursors, bodies) and refused with a 422.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def check_storable_text(value: str) -> str:
    """``value`` unchanged, or ValueError when it holds NUL or a lone surrogate."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


# A string field or parameter that only takes storable text.
StorableText = Annotated[str, AfterValidator(check_storable_text)]
