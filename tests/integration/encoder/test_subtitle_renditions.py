"""Subtitles in the encoder's HLS tree: FFmpeg reads them; adding one rewrites playlists only."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.events import Envelope, SubtitleTrack, new_event
from codeflix.storage import ObjectStore
from codeflix.subtitles import subtitle_source_key, write_tracks
from tests.contracts.bus import Recorder, eventually
from tests.integration.bus_support import Names
from tests.integration.encoder.test_encoder_worker_rabbitmq import start_worker, uploaded

pytestmark = pytest.mark.usefixtures("ray_local")
SEGMENT_SECONDS = 4.0
ENGLISH = """WEBVTT

00:00:00.500 --> 00:00:02.000
Opening line

00:00:03.000 --> 00:00:05.500
Across a segment boundary

00:00:07.000 --> 00:00:08.500
Last words
"""
FRENCH = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nBonjour\n\n00:00:06.000 --> 00:00:07.000\nAu revoir\n"
)
# FFmpeg's HLS demuxer opens subtitle renditions only when asked for experimental features.
EXPERIMENTAL = ["-strict", "experimental"]
_CUE = re.compile(r"(\d\d:\d\d:\d\d\.\d{3}|\d\d:\d\d\.\d{3}) --> \S+\n(.+)")


def add_subtitle(store: ObjectStore, video_id: str, tracks: list[tuple[str, str, str]]) -> list:
    recorded = []
    for language, label, text in tracks:
        key = subtitle_source_key(video_id, language)
        store.write_bytes(key, text.encode())
        recorded.append(SubtitleTrack(language=language, label=label, source_key=key))
    write_tracks(store, video_id, recorded)
    return recorded


def seconds(stamp: str) -> float:
    parts = [float(p) for p in stamp.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def cues_ffmpeg_reads(master: Path, out: Path, stream: int = 0) -> list[tuple[float, str]]:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *EXPERIMENTAL, "-i", str(master),
         "-map", f"0:s:{stream}", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [(seconds(m.group(1)), m.group(2)) for m in _CUE.finditer(out.read_text())]


def subtitle_languages(master: Path) -> list[str]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", *EXPERIMENTAL, "-select_streams", "s", "-show_entries",
         "stream=codec_name:stream_tags=language", "-of", "csv=p=0", str(master)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    return sorted({line for line in probe.stdout.split() if "," in line})


def changed(video_id: str, tracks: list) -> Envelope:
    data = {"video_id": video_id, "tracks": [t.model_dump() for t in tracks]}
    return new_event("video.subtitles.changed", data, subject=video_id, producer="catalog")


def media_files(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every video and audio segment: its modification time and bytes."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*.ts"))
    }


async def test_an_encode_with_a_subtitle_then_one_more_without_reencoding(
    bus: RabbitMQBus,
    names: Names,
    store: ObjectStore,
    encoding_events: Recorder,
    make_clip: Callable[[float, str], Path],
    tmp_path: Path,
) -> None:
    store.put_file(make_clip(9, "256x144"), "uploads/s1/master.mp4")
    add_subtitle(store, "s1", [("en", "English", ENGLISH)])
    await start_worker(bus, store, names, encoder_subtitles_queue=names.queue("subtitles"))
    await bus.publish(uploaded("s1", "uploads/s1/master.mp4"))
    await eventually(
        lambda: any(e.type == "video.encoding.completed" for e in encoding_events.seen), 180
    )
    hls = Path(store.path("videos/s1/hls"))
    master = hls / "master.m3u8"
    text = master.read_text()
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English"' in text
    assert all('SUBTITLES="subs"' in line for line in text.splitlines() if "STREAM-INF" in line)
    # The subtitle segments follow the video's: as many, as long.
    video_playlist = (hls / "video/144p/index.m3u8").read_text()
    subtitle_playlist = (hls / "subtitles/en/index.m3u8").read_text()
    assert re.findall(r"#EXTINF:.*", video_playlist) == re.findall(r"#EXTINF:.*", subtitle_playlist)
    mpegts = re.search(r"MPEGTS:(\d+)", (hls / "subtitles/en/seg_00000.vtt").read_text())
    assert mpegts is not None and int(mpegts.group(1)) > 0  # the video's clock, not zero

    assert subtitle_languages(master) == ["webvtt,en"]
    read = cues_ffmpeg_reads(master, tmp_path / "en.vtt")
    expected = [(0.5, "Opening line"), (3.0, "Across a segment boundary"), (7.0, "Last words")]
    # A cue over a boundary is read once per segment; every cue is there, near its time.
    assert {t for _, t in read} == {t for _, t in expected}
    for text_ in {t for _, t in read}:
        start = min(s for s, t in read if t == text_)
        wanted = next(s for s, t in expected if t == text_)
        assert abs(start - wanted) <= SEGMENT_SECONDS, (text_, start, wanted)

    # Adding French later: new playlists and subtitle segments, the same video and audio.
    before = media_files(hls)
    assert before
    completed_before = len(encoding_events.seen)
    tracks = add_subtitle(store, "s1", [("en", "English", ENGLISH), ("fr", "Français", FRENCH)])
    await bus.publish(changed("s1", tracks))
    await eventually(lambda: 'LANGUAGE="fr"' in master.read_text(), 60)
    assert media_files(hls) == before
    assert len(encoding_events.seen) == completed_before  # nothing was encoded again
    assert subtitle_languages(master) == ["webvtt,en", "webvtt,fr"]
    french = cues_ffmpeg_reads(master, tmp_path / "fr.vtt", stream=1)
    assert {t for _, t in french} == {"Bonjour", "Au revoir"}

    # Removing English drops its rendition and its files.
    tracks = add_subtitle(store, "s1", [("fr", "Français", FRENCH)])
    await bus.publish(changed("s1", tracks))
    await eventually(lambda: 'LANGUAGE="en"' not in master.read_text(), 60)
    assert not (hls / "subtitles/en").exists() or not list((hls / "subtitles/en").iterdir())
    assert media_files(hls) == before
