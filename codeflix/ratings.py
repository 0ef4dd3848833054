"""Age ratings of the catalog (``ER``, ``L``, ``10`` ... ``18``) and parental limits.

An account's limit travels in its access tokens as the ``max_rating`` claim, so every service
that shows or plays titles applies it from the token alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

Rating = Literal["ER", "L", "10", "12", "14", "16", "18"]
# Mildest first: "ER" (especially recommended for children), "L" (general audiences), then ages.
RATINGS: tuple[str, ...] = get_args(Rating)
MAX_RATING_CLAIM = "max_rating"


def allowed_ratings(max_rating: str | None) -> tuple[str, ...]:
    """The ratings a limit lets through (all of them without a limit)."""
    if max_rating is None:
        return RATINGS
    if max_rating not in RATINGS:
        # An unknown limit in a token must not open everything: show only the mildest.
        return RATINGS[:1]
    return RATINGS[: RATINGS.index(max_rating) + 1]


def within_limit(rating: str | None, max_rating: str | None) -> bool:
    """True when a title of ``rating`` may be shown under ``max_rating``."""
    if max_rating is None:
        return True
    return rating is not None and rating in allowed_ratings(max_rating)


def max_rating_of(claims: Mapping[str, Any]) -> str | None:
    """The parental limit a token carries; None when it has none."""
    value = claims.get(MAX_RATING_CLAIM)
    return None if value is None else str(value)
