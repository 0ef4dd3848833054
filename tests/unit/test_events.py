"""Event contracts: building, encoding and refusing events."""

from __future__ import annotations

import json
import uuid

import pytest

from codeflix.events import (
    EventData,
    InvalidEvent,
    UnknownEvent,
    VideoUploaded,
    decode_event,
    event_model,
    new_event,
)
from codeflix.observability import reset_correlation_id, set_correlation_id


def test_new_event_round_trips_through_the_wire_form() -> None:
    event = new_event(
        "video.uploaded",
        VideoUploaded(video_id="v1", source_key="uploads/v1.mp4", size_bytes=10),
        subject="v1",
        producer="catalog",
    )
    decoded = decode_event(event.to_json())
    assert decoded == event
    assert decoded.parse_data() == VideoUploaded(
        video_id="v1", source_key="uploads/v1.mp4", size_bytes=10
    )
    assert decoded.occurred_at.tzinfo is not None


def test_new_event_carries_the_current_correlation_id_or_makes_one() -> None:
    token = set_correlation_id("req-1")
    try:
        inside = new_event(
            "video.uploaded", {"video_id": "v", "source_key": "k"}, subject="v", producer="p"
        )
    finally:
        reset_correlation_id(token)
    outside = new_event(
        "video.uploaded", {"video_id": "v", "source_key": "k"}, subject="v", producer="p"
    )
    assert inside.correlation_id == "req-1"
    assert outside.correlation_id and outside.correlation_id != "req-1"


def test_new_event_takes_a_deterministic_id() -> None:
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, "x")
    event = new_event(
        "video.uploaded", {"video_id": "v", "source_key": "k"}, subject="v", producer="p",
        event_id=event_id,
    )  # fmt: skip
    assert event.id == event_id


def test_new_event_refuses_data_that_does_not_fit_its_model() -> None:
    with pytest.raises(InvalidEvent) as caught:
        new_event("video.uploaded", {"video_id": "v"}, subject="v", producer="p")
    assert caught.value.reason == "invalid_data"
    assert "source_key" in str(caught.value)


def test_new_event_refuses_an_unknown_type_or_version() -> None:
    with pytest.raises(UnknownEvent):
        new_event("video.teleported", {}, subject="v", producer="p")
    with pytest.raises(UnknownEvent):
        new_event("video.uploaded", {"video_id": "v", "source_key": "k"}, subject="v",
                  producer="p", version=2)  # fmt: skip


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "bad_json"),
        (b"\x00\xff", "bad_json"),
        (b"null", "bad_envelope"),
        (b'"video.uploaded"', "bad_envelope"),
        (b'{"type": "video.uploaded", "version": 1}', "bad_envelope"),
        (b'{"id": "not-a-uuid", "type": "t", "version": 1, "producer": "p", "subject": "s", '
         b'"data": {}}', "bad_envelope"),
        (b'{"type": "video.uploaded", "version": 0, "producer": "p", "subject": "s", '
         b'"data": {}}', "bad_envelope"),
        (b'{"type": "nope", "version": 1, "producer": "p", "subject": "s", "data": {}}',
         "unknown_event"),
        (b'{"type": "video.uploaded", "version": 1, "producer": "p", "subject": "s", '
         b'"data": {"video_id": "v", "source_key": "k", "size_bytes": -1}}', "invalid_data"),
        (b'{"type": "video.uploaded", "version": 1, "producer": "p", "subject": "s", '
         b'"data": [1]}', "bad_envelope"),
    ],
)  # fmt: skip
def test_decode_event_refuses_malformed_bodies_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode_event(body)
    assert caught.value.reason == reason


def test_a_huge_body_is_refused_like_any_other_bad_message() -> None:
    body = json.dumps({"type": "x" * 100_000, "version": 1}).encode()
    with pytest.raises(InvalidEvent):
        decode_event(body)


def test_an_event_version_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError):

        @event_model("video.uploaded", 1)
        class Again(EventData):
            pass
