"""Parental limits over the catalog's ratings, as every service applies them from a token."""

from __future__ import annotations

import pytest

from codeflix.ratings import RATINGS, allowed_ratings, max_rating_of, within_limit


def test_the_ratings_run_from_the_mildest_to_the_strictest() -> None:
    assert RATINGS == ("ER", "L", "10", "12", "14", "16", "18")


@pytest.mark.parametrize(
    ("limit", "allowed"),
    [
        (None, RATINGS),
        ("ER", ("ER",)),
        ("L", ("ER", "L")),
        ("12", ("ER", "L", "10", "12")),
        ("18", RATINGS),
    ],
)
def test_a_limit_lets_through_its_rating_and_the_milder_ones(
    limit: str | None, allowed: tuple[str, ...]
) -> None:
    assert allowed_ratings(limit) == allowed


@pytest.mark.parametrize("limit", ["", "PG-13", "12 OR 1=1", "99", "l", " 12"])
def test_a_limit_nobody_knows_opens_only_the_mildest(limit: str) -> None:
    assert allowed_ratings(limit) == ("ER",)


def test_within_limit() -> None:
    assert within_limit("18", None) and within_limit(None, None)
    assert within_limit("12", "12") and not within_limit("14", "12")
    assert not within_limit(None, "18")  # an unknown rating is not shown under a limit


def test_the_claim_is_read_as_text() -> None:
    assert max_rating_of({}) is None
    assert max_rating_of({"max_rating": "12"}) == "12"
    assert max_rating_of({"max_rating": 12}) == "12"
    assert max_rating_of({"max_rating": None}) is None
