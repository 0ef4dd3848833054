"""Watching while it encodes: FFmpeg's HLS demuxer plays a stream from its first playable
moment to its end while the job runs, and a resumed job's playlists only ever grow."""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
from pathlib import Path

import pytest

from actors.coordinator import run_encode_job
from pipeline.job import EncodeProgress, EncodeRequest, EncodeResult, PlayableStream
from pipeline.playlists import PublishedPlaylist, read_media_playlist
from tests.support.media import assert_valid_hls, make_clip

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ray_local")]


@pytest.fixture(scope="module")
def half_minute(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 s at 640x360: eight chunks of one segment, rungs 360p and 240p."""
    return make_clip(tmp_path_factory.mktemp("clips") / "half.mp4", seconds=30, size="640x360")


def play(master: Path) -> subprocess.CompletedProcess[str]:
    """FFmpeg's HLS demuxer from the first segment (a growing playlist is live to it) to the
    end marker: one line per packet of the top variant's video (0) and of the audio (1)."""
    return subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-live_start_index", "0", "-i", str(master),
         "-map", "0:v:0", "-map", "0:a:0", "-f", "framecrc", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip


class Player:
    """Starts FFmpeg on the master the moment the stream becomes playable."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.first_listing: PublishedPlaylist | None = None
        self.run: subprocess.CompletedProcess[str] | None = None
        self.ended_at = 0.0
        self.thread = threading.Thread(target=self._play)

    def on_playable(self, stream: PlayableStream) -> None:
        top = self.out / stream.renditions[0].playlist
        self.first_listing = read_media_playlist(top.read_text())
        self.thread.start()

    def _play(self) -> None:
        self.run = play(self.out / "master.m3u8")
        self.ended_at = time.monotonic()


def test_ffmpeg_plays_the_stream_to_its_end_from_its_first_playable_moment(
    half_minute: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    player = Player(out)
    result = run_encode_job(
        EncodeRequest(source_uri=str(half_minute), output_uri=f"file://{out}", quality="fixed"),
        on_playable=player.on_playable,
    )
    encoded_at = time.monotonic()
    first = player.first_listing
    assert first is not None, "the stream never became playable"
    # Playable early: a playlist that says it will grow, with a few of the eight segments.
    assert not first.ended and len(first.segments) < result.chunks_total
    player.thread.join(300)
    run = player.run
    assert run is not None
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert player.ended_at >= encoded_at  # it played on until the playlists ended
    video = [line for line in run.stdout.splitlines() if line.startswith("0,")]
    audio = [line for line in run.stdout.splitlines() if line.startswith("1,")]
    assert len(video) == 900  # every frame of the 30 s, none twice
    audio_seconds = sum(int(line.split(",")[3]) for line in audio) / 48000
    assert audio_seconds == pytest.approx(30.0, abs=0.05)
    assert_valid_hls(out, result, source_frames=900, frame_rate=30.0)


def listings(out: Path, result_like: EncodeResult) -> dict[str, list[str]]:
    found = {}
    for playlist in [r.playlist for r in result_like.renditions] + [
        a.playlist for a in result_like.audio
    ]:
        path = out / playlist
        if path.exists():
            found[playlist] = [uri for uri, _ in read_media_playlist(path.read_text()).segments]
    return found


class Crash(Exception):
    pass


def test_a_job_resumed_after_a_crash_only_ever_grows_its_playlists(
    half_minute: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    request = EncodeRequest(
        source_uri=str(half_minute), output_uri=f"file://{out}", quality="fixed"
    )
    reference = run_encode_job(
        EncodeRequest(
            source_uri=str(half_minute),
            output_uri=f"file://{tmp_path / 'reference'}",
            quality="fixed",
        )
    )

    def crash_after_three(progress: EncodeProgress) -> None:
        if progress.chunks_done >= 3:
            raise Crash

    with pytest.raises(Crash):
        run_encode_job(request, on_progress=crash_after_three)
    seen = [listings(out, reference)]
    assert (out / "master.m3u8").exists() and all(seen[0].values())

    def watch(_: object) -> None:
        seen.append(listings(out, reference))

    result = run_encode_job(request, on_progress=watch, on_playable=watch)
    seen.append(listings(out, reference))
    assert 0 < result.chunks_encoded < result.chunks_total
    for before, after in itertools.pairwise(seen):
        for playlist, segments in before.items():
            # What a player read stays, in order; only new segments follow it.
            assert after[playlist][: len(segments)] == segments, playlist
    for playlist, segments in seen[-1].items():
        assert segments == [f"seg_{i:05d}.ts" for i in range(len(segments))], playlist
        assert read_media_playlist((out / playlist).read_text()).ended
    assert_valid_hls(out, result, source_frames=900, frame_rate=30.0)
