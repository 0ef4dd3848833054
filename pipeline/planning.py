"""Turning an encode request into a plan: probe, ladder, chunks, thumbnails, job id."""

from __future__ import annotations

from pipeline.audio import rendition_names
from pipeline.chunks import plan_chunks
from pipeline.job import EncodePlan, EncodeRequest, make_job_id
from pipeline.ladder import DEFAULT_PRESET, plan_ladder
from pipeline.probe import probe
from pipeline.sources import fingerprint
from pipeline.thumbnails import plan_thumbnails


def plan_job(
    request: EncodeRequest,
    *,
    preset: str = DEFAULT_PRESET,
    segments_per_chunk: int = 0,
) -> EncodePlan:
    """Probe the master and plan the whole job; raises before anything is written."""
    source_id = fingerprint(request.source_uri, request.storage_options)
    source = probe(request.source_uri, request.storage_options)
    ladder = plan_ladder(source, request.heights, preset=preset)
    chunks = plan_chunks(
        source.estimated_frames, ladder.segment_frames, segments_per_chunk=segments_per_chunk
    )
    thumbnails = plan_thumbnails(
        source.display_width, source.display_height, source.duration, ladder.frame_rate
    )
    job_id = make_job_id(source_id, ladder, chunks, {"thumbnails": thumbnails.__dict__})
    return EncodePlan(
        job_id=job_id,
        source_uri=request.source_uri,
        output_uri=request.output_uri,
        state_uri=request.state_uri,
        storage_options=request.storage_options,
        source=source,
        ladder=ladder,
        chunks=tuple(chunks),
        thumbnails=thumbnails,
        audio_names=rendition_names(source.audio),
    )
