"""Progressive publish: a stream viewers can start while its job is still encoding.

The coordinator encodes the front of the timeline first and hands the :class:`Publisher` what
is finished after every task. Each media playlist is an EVENT playlist that grows by the
segments now following each other from the first one; once every rendition (video rungs and
audio tracks) has its first segments the master playlist is written and the stream is
playable. :func:`pipeline.packaging.package` turns every playlist into VOD at the end.

A playlist a player has read must only ever grow: never lose a segment, never skip one. So a
resumed job starts from what the earlier run of the same job published (its playlists carry
the job id) and never writes a shorter playlist than is already out; playlists of another job
(a new master for the same title) are taken down before anything new is published.
"""

from __future__ import annotations

from collections.abc import Mapping

from codeflix.storage import ObjectStore
from pipeline.audio import AudioOutcome
from pipeline.job import MASTER_PLAYLIST, EncodePlan, PlayableStream, segment_name
from pipeline.packaging import (
    audio_playlist_key,
    audio_segments,
    codecs_of,
    describe,
    video_playlist_key,
    video_segments,
)
from pipeline.playlists import Segment, media_playlist, read_media_playlist
from pipeline.transcode import ChunkOutcome


class Publisher:
    """Publishes one job's growing playlists into ``store`` (the job's output)."""

    def __init__(self, plan: EncodePlan, store: ObjectStore) -> None:
        self.plan, self.store = plan, store
        self.published: dict[str, int] = {}  # playlist key -> segments it lists
        self.announced = False  # this run wrote the master

    @property
    def playlist_keys(self) -> list[str]:
        rungs = [video_playlist_key(r.name) for r in self.plan.ladder.rungs]
        return rungs + [audio_playlist_key(name) for name in self.plan.audio_names]

    def adopt(self) -> None:
        """Start from what an earlier run of this job published; take down anything else.

        Called before the job encodes anything. Whatever another job left (or a tree an
        earlier version of the encoder wrote) would advertise segments about to be rewritten.
        """
        found: dict[str, int] = {}
        foreign = False
        for key in self.playlist_keys:
            try:
                playlist = read_media_playlist(self.store.read_bytes(key).decode())
            except FileNotFoundError:
                continue
            if playlist.job_id != self.plan.job_id:
                foreign = True
            found[key] = len(playlist.segments)
        if foreign:
            self.store.delete(MASTER_PLAYLIST)
            for key in found:
                self.store.delete(key)
            found = {}
        elif not all(found.get(key) for key in self.playlist_keys):
            self.store.delete(MASTER_PLAYLIST)  # not every rendition can start yet
        self.published = found

    def publish(
        self, outcomes: Mapping[int, ChunkOutcome], audio: Mapping[str, AudioOutcome]
    ) -> PlayableStream | None:
        """Grow every playlist to the segments ready from the start of the timeline.

        ``outcomes`` are the finished chunks by index; ``audio`` each track's segments so far
        by rendition name. Returns the stream the first time this run finds every rendition
        with segments to play (the master is then written), None otherwise.
        """
        video = {r.name: self._ready_video(outcomes, r.name) for r in self.plan.ladder.rungs}
        tracks = [
            (name, audio_segments(audio[name]) if name in audio else [])
            for name in self.plan.audio_names
        ]
        for rung, segments in video.items():
            self._grow(video_playlist_key(rung), segments)
        for name, segments in tracks:
            self._grow(audio_playlist_key(name), segments)
        if self.announced or not all(self.published.get(k) for k in self.playlist_keys):
            return None
        # Bandwidths from the published segments only: the master is rewritten at the end
        # with the whole title's, and a player reads the master once, at its start.
        shown = {rung: segments[: self.published[video_playlist_key(rung)]]
                 for rung, segments in video.items()}  # fmt: skip
        shown_tracks = [
            (name, segments[: self.published[audio_playlist_key(name)]])
            for name, segments in tracks
        ]
        stream = describe(self.plan, shown, codecs_of(list(outcomes.values())), shown_tracks)
        self.store.write_bytes(MASTER_PLAYLIST, stream.master.encode())
        self.announced = True
        return PlayableStream(
            master_playlist=MASTER_PLAYLIST,
            duration_seconds=round(self.plan.source.duration, 3),
            renditions=stream.renditions,
            audio=stream.audio,
            segments=min(self.published.values()),
        )

    def withdraw(self) -> None:
        """The job failed for good (the master cannot be encoded to its end): take the master
        playlist down, so nothing advertises a stream that will never be complete."""
        self.store.delete(MASTER_PLAYLIST)
        self.announced = False

    def _ready_video(self, outcomes: Mapping[int, ChunkOutcome], rung: str) -> list[Segment]:
        front = []
        for chunk in self.plan.chunks:  # the finished chunks from the first one on
            if chunk.index not in outcomes:
                break
            front.append(outcomes[chunk.index])
        return video_segments(self.plan, front, rung) if front else []

    def _grow(self, key: str, segments: list[Segment]) -> None:
        ready = _from_the_start(segments)
        if len(ready) <= self.published.get(key, 0):
            return  # nothing new, or less than a player may already have read
        text = media_playlist(
            ready,
            ended=False,
            target_seconds=self.plan.ladder.segment_seconds,
            job_id=self.plan.job_id,
        )
        self.store.write_bytes(key, text.encode())
        self.published[key] = len(ready)


def _from_the_start(segments: list[Segment]) -> list[Segment]:
    """The segments that follow each other from index 0."""
    ready = []
    for expected, segment in enumerate(segments):
        if segment.uri != segment_name(expected):
            break
        ready.append(segment)
    return ready
