"""Where a title's subtitle sources live in storage, shared by the catalog and the encoder.

The catalog keeps each language's WebVTT at ``videos/<id>/subtitles/<language>.vtt`` and the
set of tracks (labels, flags) beside them in ``tracks.json``; the encoder packages whatever
that file lists, whenever it writes a master playlist. The file, not an event's copy, is the
truth: events can arrive late or twice, the file is always the latest set.
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter, ValidationError

from codeflix.events import SubtitleTrack
from codeflix.storage import ObjectStore

_TRACKS = TypeAdapter(list[SubtitleTrack])


TRACKS_FILE = "tracks.json"


def subtitles_prefix(video_id: str) -> str:
    return f"videos/{video_id}/subtitles"


def subtitle_source_key(video_id: str, language: str) -> str:
    return f"{subtitles_prefix(video_id)}/{language}.vtt"


def tracks_key(video_id: str) -> str:
    return f"{subtitles_prefix(video_id)}/{TRACKS_FILE}"


def write_tracks(store: ObjectStore, video_id: str, tracks: list[SubtitleTrack]) -> None:
    """Record the title's ready tracks (blocking: call from a thread in async code)."""
    data = [t.model_dump(mode="json") for t in tracks]
    store.write_bytes(tracks_key(video_id), json.dumps(data, ensure_ascii=False).encode())


def read_tracks(store: ObjectStore, video_id: str) -> list[SubtitleTrack]:
    """The title's ready tracks; none when the catalog never recorded any (blocking)."""
    return read_track_file(store, tracks_key(video_id))


def read_track_file(store: ObjectStore, key: str) -> list[SubtitleTrack]:
    """The tracks recorded at ``key``; none when there is no such file (blocking)."""
    try:
        raw = store.read_bytes(key)
    except FileNotFoundError:
        return []
    try:
        return _TRACKS.validate_json(raw)
    except ValidationError as e:
        raise ValueError(f"{key} is not a list of subtitle tracks: {e}") from e
