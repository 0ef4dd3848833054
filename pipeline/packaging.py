"""Packaging a finished job: VOD media playlists, sprites, and last of all the master playlist.

While the job runs, :mod:`pipeline.publishing` has already published growing EVENT playlists
and a first master; packaging closes every playlist (VOD, end marker) and rewrites the master
with the bandwidths of the whole title.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeflix.storage import ObjectStore
from pipeline.audio import AUDIO_CODECS, AudioOutcome
from pipeline.errors import ChunkFailed
from pipeline.job import (
    MASTER_PLAYLIST,
    POSTER,
    AudioRenditionInfo,
    EncodePlan,
    EncodeResult,
    RenditionInfo,
    audio_dir,
    segment_name,
    video_dir,
)
from pipeline.playlists import (
    AudioEntry,
    Bandwidth,
    Segment,
    VariantEntry,
    master_playlist,
    measure,
    media_playlist,
)
from pipeline.subtitle_packaging import subtitled_master
from pipeline.thumbnails import write_sprites
from pipeline.transcode import ChunkOutcome

PLAYLIST_NAME = "index.m3u8"


def video_segments(plan: EncodePlan, outcomes: list[ChunkOutcome], rung: str) -> list[Segment]:
    """The segments of one rung in ``outcomes``, which must follow each other from the first."""
    listing = sorted(entry for o in outcomes for entry in o.segments.get(rung, []))
    indices = [index for index, _, _ in listing]
    if indices != list(range(len(indices))) or not indices:
        raise ChunkFailed(f"rung {rung} has missing or repeated segments: {indices}")
    rate = plan.ladder.frame_rate
    return [
        Segment(segment_name(index), float(frames / rate), size) for index, frames, size in listing
    ]


def audio_segments(outcome: AudioOutcome) -> list[Segment]:
    return [Segment(segment_name(int(i)), s, int(b)) for i, s, b in outcome.segments]


def video_playlist_key(rung: str) -> str:
    return f"{video_dir(rung)}/{PLAYLIST_NAME}"


def audio_playlist_key(name: str) -> str:
    return f"{audio_dir(name)}/{PLAYLIST_NAME}"


@dataclass
class StreamDescription:
    """What the master playlist and the job's result say about the renditions."""

    master: str
    renditions: list[RenditionInfo]
    audio: list[AudioRenditionInfo]


def describe(
    plan: EncodePlan,
    video: dict[str, list[Segment]],
    codecs: dict[str, str],
    audio: list[tuple[str, list[Segment]]],
) -> StreamDescription:
    """The master playlist over the renditions whose segments are given, bandwidths measured
    on them (the default audio's added to every variant)."""
    audio_entries, audio_infos, audio_rates = [], [], []
    for number, (name, segments) in enumerate(audio):
        key = audio_playlist_key(name)
        language = plan.source.audio[number].language
        audio_entries.append(AudioEntry(key, name, language, number == 0))
        audio_infos.append(
            AudioRenditionInfo(name=name, language=language, default=number == 0, playlist=key)
        )
        audio_rates.append(measure(segments))
    with_audio = audio_rates[0] if audio_rates else Bandwidth(0, 0)

    variants, renditions = [], []
    for rung in plan.ladder.rungs:
        key = video_playlist_key(rung.name)
        own = measure(video[rung.name])
        total = Bandwidth(own.peak + with_audio.peak, own.average + with_audio.average)
        found = codecs.get(rung.name) or rung.codecs
        joined = ",".join(c for c in (found, AUDIO_CODECS if audio else "") if c)
        variants.append(
            VariantEntry(key, rung.width, rung.height, total, joined, plan.ladder.frame_rate)
        )
        renditions.append(
            RenditionInfo(
                name=rung.name,
                width=rung.width,
                height=rung.height,
                bandwidth=total.peak,
                average_bandwidth=total.average,
                codecs=joined,
                frame_rate=round(float(plan.ladder.frame_rate), 3),
                playlist=key,
            )
        )
    return StreamDescription(master_playlist(variants, audio_entries), renditions, audio_infos)


def codecs_of(outcomes: list[ChunkOutcome]) -> dict[str, str]:
    found: dict[str, str] = {}
    for outcome in sorted(outcomes, key=lambda o: o.chunk):
        for rung, codecs in outcome.codecs.items():
            found.setdefault(rung, codecs)
    return found


def package(
    plan: EncodePlan,
    store: ObjectStore,
    state: ObjectStore,
    outcomes: list[ChunkOutcome],
    audio: list[AudioOutcome],
    *,
    chunks_encoded: int,
) -> EncodeResult:
    """Write every playlist and the sprites for a job whose chunks and audio are all done."""
    outcomes = sorted(outcomes, key=lambda o: o.chunk)
    frames = sum(o.frames for o in outcomes)
    duration = float(frames / plan.ladder.frame_rate)
    target = plan.ladder.segment_seconds

    tracks = [(o.name, audio_segments(o)) for o in audio]
    video = {r.name: video_segments(plan, outcomes, r.name) for r in plan.ladder.rungs}
    for name, segments in tracks:
        text = media_playlist(segments, target_seconds=target, job_id=plan.job_id)
        store.write_bytes(audio_playlist_key(name), text.encode())
    for rung, segments in video.items():
        text = media_playlist(segments, target_seconds=target, job_id=plan.job_id)
        store.write_bytes(video_playlist_key(rung), text.encode())
    stream = describe(plan, video, codecs_of(outcomes), tracks)

    strips = [(plan.chunk_tiles_key(plan.chunks[o.chunk]), o.tiles) for o in outcomes]
    thumbnails = write_sprites(
        store, state, plan.thumbnails, strips, plan.ladder.frame_rate, duration
    )
    master = stream.master
    if plan.subtitles_uri:
        sources = ObjectStore(plan.subtitles_uri, **plan.storage_options)
        master = subtitled_master(store, sources, master)
    store.write_bytes(MASTER_PLAYLIST, master.encode())
    return EncodeResult(
        job_id=plan.job_id,
        master_playlist=MASTER_PLAYLIST,
        duration_seconds=round(duration, 3),
        renditions=stream.renditions,
        audio=stream.audio,
        poster=POSTER if store.exists(POSTER) else None,
        thumbnails=thumbnails,
        chunks_total=len(plan.chunks),
        chunks_encoded=chunks_encoded,
        ladder=plan.decision,
    )
