"""Write a title's subtitle renditions into its HLS tree and announce them in the master.

Both a fresh encode (before it writes its master) and a change of subtitles on an encoded
title (rewriting only playlists and subtitle segments) come through :func:`package_subtitles`.
The video's segment boundaries are read back from a rendition's media playlist and its clock
from its first segment, so the subtitles line up with whatever the encode produced.
"""

from __future__ import annotations

import posixpath

from codeflix.events import SubtitleTrack
from codeflix.storage import ObjectStore
from codeflix.subtitles import TRACKS_FILE, read_track_file
from pipeline.errors import PipelineError
from pipeline.subtitles import (
    MPEGTS_HZ,
    SUBTITLES_DIR,
    SubtitleEntry,
    parse_cues,
    segment_cues,
    segment_durations,
    segment_name,
    subtitle_playlist,
    with_subtitles,
)

PLAYLIST_NAME = "index.m3u8"


class SubtitlePackagingFailed(PipelineError):
    """The HLS tree has no rendition to align subtitles with, or a source cannot be read."""


def first_variant_playlist(master_text: str) -> str:
    """The URI of the master's first variant (relative to the master)."""
    expect_uri = False
    for line in master_text.splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            expect_uri = True
        elif expect_uri and line.strip() and not line.startswith("#"):
            return line.strip()
    raise SubtitlePackagingFailed("the master playlist has no variant to align subtitles with")


def first_timestamp(hls: ObjectStore, segment_key: str) -> int:
    """The 90 kHz timestamp of the first thing shown in an MPEG-TS segment."""
    import av

    with hls.open_read(segment_key) as f, av.open(f, "r", format="mpegts") as container:
        starts = [
            s.start_time * s.time_base * MPEGTS_HZ
            for s in container.streams
            if s.start_time is not None and s.time_base is not None
        ]
    if not starts:
        raise SubtitlePackagingFailed(f"{segment_key} has no timestamps")
    return round(min(starts))


def video_clock(hls: ObjectStore, master_text: str) -> tuple[list[float], int]:
    """The video's segment durations and the MPEG-TS timestamp of its local time zero."""
    playlist_key = first_variant_playlist(master_text)
    durations = segment_durations(hls.read_bytes(playlist_key).decode())
    if not durations:
        raise SubtitlePackagingFailed(f"{playlist_key} lists no segments")
    first_segment = next(
        line.strip()
        for line in hls.read_bytes(playlist_key).decode().splitlines()
        if line.strip() and not line.startswith("#")
    )
    folder = posixpath.dirname(playlist_key)
    mpegts = first_timestamp(
        hls, posixpath.join(folder, first_segment) if folder else first_segment
    )
    return durations, mpegts


def write_tracks(
    hls: ObjectStore, sources: ObjectStore, tracks: list[SubtitleTrack], master_text: str
) -> list[SubtitleEntry]:
    """Write each track's segments and media playlist under ``subtitles/<language>/``; drop
    the folders of tracks no longer listed. Returns the entries for the master."""
    entries: list[SubtitleEntry] = []
    if tracks:
        durations, mpegts = video_clock(hls, master_text)
    for track in tracks:
        try:
            cues = parse_cues(sources.read_bytes(f"{track.language}.vtt").decode("utf-8"))
        except (FileNotFoundError, UnicodeDecodeError, ValueError) as e:
            raise SubtitlePackagingFailed(
                f"the {track.language} subtitles cannot be read: {e}"
            ) from None
        folder = f"{SUBTITLES_DIR}/{track.language}"
        sizes = []
        for index, document in enumerate(segment_cues(cues, durations, mpegts)):
            data = document.encode()
            hls.write_bytes(f"{folder}/{segment_name(index)}", data)
            sizes.append(len(data))
        hls.write_bytes(f"{folder}/{PLAYLIST_NAME}", subtitle_playlist(durations, sizes).encode())
        entries.append(SubtitleEntry(track.language, track.label, track.default, track.forced))
    kept = {f"{SUBTITLES_DIR}/{t.language}" for t in tracks}
    for key in hls.list(SUBTITLES_DIR):
        folder = posixpath.dirname(key)
        if folder not in kept and folder.startswith(f"{SUBTITLES_DIR}/"):
            hls.delete(key)
    return entries


def subtitled_master(hls: ObjectStore, sources: ObjectStore, master_text: str) -> str:
    """``master_text`` announcing the tracks recorded in ``sources``' track file (written)."""
    tracks = read_track_file(sources, TRACKS_FILE)
    return with_subtitles(master_text, write_tracks(hls, sources, tracks, master_text))


def package_subtitles(hls: ObjectStore, sources: ObjectStore, master_key: str) -> bool:
    """Bring an encoded title's subtitles up to date; False when it has no master yet (the
    encode that writes it will include them). The master is written last."""
    try:
        master_text = hls.read_bytes(master_key).decode()
    except FileNotFoundError:
        return False
    hls.write_bytes(master_key, subtitled_master(hls, sources, master_text).encode())
    return True
