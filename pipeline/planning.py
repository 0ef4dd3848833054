"""Turning an encode request into a plan: probe, ladder, chunks, thumbnails, job id."""

from __future__ import annotations

from pipeline.audio import rendition_names
from pipeline.chunks import plan_chunks
from pipeline.complexity import measure_complexity
from pipeline.job import EncodePlan, EncodeRequest, LadderDecision, make_job_id
from pipeline.ladder import DEFAULT_PRESET, Ladder, per_title_ladder, plan_ladder
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
    decision = LadderDecision(quality=request.quality)
    if request.quality == "per-title":
        # The same master always measures the same, so a resumed job plans the same ladder
        # and finds the same job id (the ladder's bitrates are part of it).
        complexity = measure_complexity(source, ladder, request.storage_options)
        ladder = per_title_ladder(ladder, complexity.bits_per_pixel, complexity.size_exponent)
        decision = LadderDecision(
            quality="per-title",
            complexity=complexity.bits_per_pixel,
            size_exponent=complexity.size_exponent,
            sample_starts=list(complexity.sample_starts),
            sample_seconds=complexity.sample_seconds,
            sample_cpu_seconds=complexity.cpu_seconds,
        )
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
        decision=_with_bitrates(decision, ladder),
        subtitles_uri=request.subtitles_uri,
    )


def _with_bitrates(decision: LadderDecision, ladder: Ladder) -> LadderDecision:
    return decision.model_copy(
        update={
            "bitrates": {r.name: r.bitrate for r in ladder.rungs},
            "max_bitrates": {r.name: r.max_bitrate for r in ladder.rungs},
            "crfs": {r.name: r.crf for r in ladder.rungs if r.crf is not None},
        }
    )
