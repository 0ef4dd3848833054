"""Opaque cursors and tus headers refuse whatever a client makes up."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from apis.catalog.queries import BROWSE_SORTS, CATEGORY_SORTS, VIDEO_SORTS
from apis.catalog.uploads import parse_checksum, parse_length, parse_metadata
from codeflix.pagination import decode_cursor, encode_cursor
from codeflix.problems import BadRequest, UnprocessableContent


def forged(**data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class Row:
    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def test_a_cursor_round_trips_for_its_own_sort_only() -> None:
    row = Row(id=uuid.uuid4(), launch_year=2008)
    cursor = encode_cursor(VIDEO_SORTS["-launch_year"], row)
    assert decode_cursor(VIDEO_SORTS["-launch_year"], cursor) == (2008, row.id)
    with pytest.raises(UnprocessableContent):
        decode_cursor(VIDEO_SORTS["title"], cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        forged(s="year", v="2008", id=str(uuid.uuid4())),  # a string where a year goes
        forged(s="year", v=True, id=str(uuid.uuid4())),
        forged(s="year", v=2008, id="not-a-uuid"),
        forged(s="year", v=2008),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_made_up_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(UnprocessableContent) as refused:
        decode_cursor(BROWSE_SORTS["year"], cursor)
    assert refused.value.errors[0]["loc"] == ["query", "cursor"]


def test_a_date_cursor_needs_a_date() -> None:
    with pytest.raises(UnprocessableContent):
        decode_cursor(
            CATEGORY_SORTS["created_at"],
            forged(s="created_at", v="yesterday", id=str(uuid.uuid4())),
        )


def test_tus_headers_are_parsed_strictly() -> None:
    assert parse_metadata("filename YS5tcDQ=,kind dmlkZW8=") == {
        "filename": "a.mp4",
        "kind": "video",
    }
    assert parse_metadata(None) == {}
    for header in (
        "filename ***",
        "filename " + "A" * 5000,
        "name " + base64.b64encode(b"\xff").decode(),
    ):
        with pytest.raises(BadRequest):
            parse_metadata(header)
    assert parse_length("42", "Upload-Length") == 42
    for value in (None, "", "-1", "1e3", "4.2", " 42", "9" * 20):
        with pytest.raises(BadRequest):
            parse_length(value, "Upload-Length")
    assert parse_checksum(None) is None
    for value in ("crc32 AAAA", "sha256", "sha256 ***"):
        with pytest.raises(BadRequest):
            parse_checksum(value)


def test_a_time_cursor_is_aware_utc_whatever_the_row_held() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    ordering = CATEGORY_SORTS["-created_at"]
    row_id = uuid.uuid4()
    moments = (
        datetime(2026, 1, 1, 12, 0),
        datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=-3))),
    )
    for moment in moments:
        cursor = encode_cursor(ordering, Row(id=row_id, created_at=moment))
        assert decode_cursor(ordering, cursor) == (datetime(2026, 1, 1, 12, 0, tzinfo=UTC), row_id)
