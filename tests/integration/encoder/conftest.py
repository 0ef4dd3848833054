"""Clips, stores and bus topology for the encoder's integration tests."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.storage import ObjectStore
from tests.contracts.bus import Recorder
from tests.integration.bus_support import Names, bus_topology


@pytest.fixture(scope="session")
def make_clip(tmp_path_factory: pytest.TempPathFactory) -> Callable[[float, str], Path]:
    """A test-pattern clip with a tone, made once per (seconds, size) in the session."""
    folder = tmp_path_factory.mktemp("clips")

    def make(seconds: float, size: str = "256x144") -> Path:
        path = folder / f"clip-{seconds}-{size}.mp4"
        if not path.exists():
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y",
                 "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
                 "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                 "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
                 "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
                check=True,
            )  # fmt: skip
        return path

    return make


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    return ObjectStore(f"file://{tmp_path / 'media'}")


@pytest.fixture
async def names(amqp_url: str) -> AsyncIterator[Names]:
    async with bus_topology(amqp_url) as names:
        yield names


@pytest.fixture
async def bus(amqp_url: str, names: Names) -> AsyncIterator[RabbitMQBus]:
    bus = names.bus(amqp_url)
    await bus.start()
    yield bus
    await bus.close()


@pytest.fixture
async def encoding_events(bus: RabbitMQBus, names: Names) -> Recorder:
    """Every video.encoding.* event, as a consumer such as the catalog sees them."""
    recorder = Recorder()
    await bus.subscribe(names.queue("catalog"), ["video.encoding.*"], recorder)
    return recorder


def video_frames_played(master_playlist: Path) -> list[int]:
    """Decode every rendition of the HLS stream with ffmpeg; the frames of each, in order.

    ffmpeg decodes through the master playlist as a player would. (Its MPEG-TS demuxer flags
    the continuity-counter restart at independently written segments as "corrupt" packets;
    players ignore that, so the check counts decoded frames rather than using ``-xerror``.)
    """
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=index,codec_type,nb_read_frames", "-of", "csv=p=0", str(master_playlist)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert probe.returncode == 0, f"ffprobe cannot play {master_playlist}: {probe.stderr}"
    frames = {}
    for line in probe.stdout.split():
        index, kind, count = line.split(",")
        if kind == "video":
            frames[int(index)] = int(count)
    return [frames[i] for i in sorted(frames)]
