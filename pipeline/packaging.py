"""Packaging a finished job: media playlists, sprites, and last of all the master playlist.

The master is written after everything it points at, so a viewer (or the catalog) never finds
a playable-looking stream with segments still missing.
"""

from __future__ import annotations

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


def _video_segments(plan: EncodePlan, outcomes: list[ChunkOutcome], rung: str) -> list[Segment]:
    listing = sorted(entry for o in outcomes for entry in o.segments.get(rung, []))
    indices = [index for index, _, _ in listing]
    if indices != list(range(len(indices))) or not indices:
        raise ChunkFailed(f"rung {rung} has missing or repeated segments: {indices}")
    rate = plan.ladder.frame_rate
    return [
        Segment(segment_name(index), float(frames / rate), size) for index, frames, size in listing
    ]


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

    audio_entries, audio_infos, audio_rates = [], [], []
    for number, outcome in enumerate(audio):
        segments = [Segment(segment_name(int(i)), s, int(b)) for i, s, b in outcome.segments]
        key = f"{audio_dir(outcome.name)}/{PLAYLIST_NAME}"
        store.write_bytes(key, media_playlist(segments).encode())
        language = plan.source.audio[number].language
        audio_entries.append(AudioEntry(key, outcome.name, language, number == 0))
        audio_infos.append(
            AudioRenditionInfo(
                name=outcome.name, language=language, default=number == 0, playlist=key
            )
        )
        audio_rates.append(measure(segments))
    with_audio = audio_rates[0] if audio_rates else Bandwidth(0, 0)

    variants, renditions = [], []
    for rung in plan.ladder.rungs:
        segments = _video_segments(plan, outcomes, rung.name)
        key = f"{video_dir(rung.name)}/{PLAYLIST_NAME}"
        store.write_bytes(key, media_playlist(segments).encode())
        video = measure(segments)
        total = Bandwidth(video.peak + with_audio.peak, video.average + with_audio.average)
        codecs = next((o.codecs[rung.name] for o in outcomes if rung.name in o.codecs), None)
        codecs = ",".join(c for c in (codecs or rung.codecs, AUDIO_CODECS if audio else "") if c)
        variants.append(
            VariantEntry(
                key,
                rung.width,
                rung.height,
                total,
                codecs,
                plan.ladder.frame_rate,
            )
        )
        renditions.append(
            RenditionInfo(
                name=rung.name,
                width=rung.width,
                height=rung.height,
                bandwidth=total.peak,
                average_bandwidth=total.average,
                codecs=variants[-1].codecs,
                frame_rate=round(float(plan.ladder.frame_rate), 3),
                playlist=key,
            )
        )

    strips = [(plan.chunk_tiles_key(plan.chunks[o.chunk]), o.tiles) for o in outcomes]
    thumbnails = write_sprites(
        store, state, plan.thumbnails, strips, plan.ladder.frame_rate, duration
    )
    master = master_playlist(variants, audio_entries)
    if plan.subtitles_uri:
        sources = ObjectStore(plan.subtitles_uri, **plan.storage_options)
        master = subtitled_master(store, sources, master)
    store.write_bytes(MASTER_PLAYLIST, master.encode())
    return EncodeResult(
        job_id=plan.job_id,
        master_playlist=MASTER_PLAYLIST,
        duration_seconds=round(duration, 3),
        renditions=renditions,
        audio=audio_infos,
        poster=POSTER if store.exists(POSTER) else None,
        thumbnails=thumbnails,
        chunks_total=len(plan.chunks),
        chunks_encoded=chunks_encoded,
        ladder=plan.decision,
    )
