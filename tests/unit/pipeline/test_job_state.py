"""Where a job keeps its state: beside the published tree, never inside it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.job import EncodeRequest


@pytest.mark.parametrize(
    ("output", "state"),
    [
        ("s3://media/videos/1/hls", "s3://media/videos/1/hls.jobs"),
        ("s3://media/videos/1/hls/", "s3://media/videos/1/hls.jobs"),
        (
            "file:///srv/var/media/videos/1/trailer/hls",
            "file:///srv/var/media/videos/1/trailer/hls.jobs",
        ),
        ("/tmp/out", "/tmp/out.jobs"),
    ],
)
def test_the_state_lies_beside_the_output_by_default(output: str, state: str) -> None:
    request = EncodeRequest(source_uri="s3://media/master.mp4", output_uri=output)
    assert request.state_uri == state
    assert not request.state_uri.startswith(output.rstrip("/") + "/")


def test_an_explicit_state_uri_is_kept() -> None:
    request = EncodeRequest(source_uri="m.mp4", output_uri="s3://a/hls", state_uri="s3://b/jobs")
    assert request.state_uri == "s3://b/jobs"


@pytest.mark.parametrize("output", ["s3://media", "s3://media/", "file:///"])
def test_an_output_at_the_root_of_its_store_needs_an_explicit_state_uri(output: str) -> None:
    with pytest.raises(ValidationError, match="give state_uri"):
        EncodeRequest(source_uri="m.mp4", output_uri=output)
