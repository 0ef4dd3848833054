"""A standalone worker SIGKILLed mid-encode: the upload is redelivered and the job resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import ray

from apis.playback.media import servable
from codeflix.bus.rabbitmq import RabbitMQBus
from codeflix.events import VideoEncodingCompleted, new_event
from codeflix.storage import ObjectStore
from tests.contracts.bus import Recorder, eventually
from tests.integration.bus_support import Names, wait_for_consumer
from tests.integration.encoder.conftest import video_frames_played

CODEFLIX = str(Path(sys.executable).parent / "codeflix")
pytestmark = pytest.mark.usefixtures("ray_local")


@contextmanager
def worker_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [CODEFLIX, "worker", "encoder"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


async def test_worker_killed_mid_encode_resumes_and_completes_once(
    amqp_url: str,
    bus: RabbitMQBus,
    names: Names,
    store: ObjectStore,
    encoding_events: Recorder,
    make_clip: Callable[[float, str], Path],
    tmp_path: Path,
) -> None:
    store.put_file(make_clip(12, "640x360"), "uploads/v1/master.mp4")
    env = {
        **os.environ,
        "CODEFLIX_AMQP_URL": amqp_url,
        "CODEFLIX_AMQP_EXCHANGE": names.exchange,
        "CODEFLIX_AMQP_DEAD_LETTER_EXCHANGE": names.dead_letter_exchange,
        "CODEFLIX_ENCODER_QUEUE": names.queue("encoder"),
        "CODEFLIX_ENCODER_SUBTITLES_QUEUE": names.queue("subtitles"),
        "CODEFLIX_ENCODER_PROGRESS_INTERVAL": "0",
        "CODEFLIX_ENCODER_MAX_WORKERS": "1",  # one chunk at a time: there is a "mid" to kill in
        "CODEFLIX_STORAGE_URL": store.url,
        "CODEFLIX_RAY_ADDRESS": ray.get_runtime_context().gcs_address,
        "CODEFLIX_DATA_DIR": str(tmp_path / "var"),
    }
    log = tmp_path / "worker.log"

    def progressed() -> list[int]:
        return [
            e.data["chunks_done"]
            for e in encoding_events.seen
            if e.type == "video.encoding.progressed"
        ]

    def completed() -> list[VideoEncodingCompleted]:
        found = [e for e in encoding_events.seen if e.type == "video.encoding.completed"]
        return [e.parse_data() for e in found]  # type: ignore[misc]

    with worker_process(env, log) as first:
        await wait_for_consumer(amqp_url, env["CODEFLIX_ENCODER_QUEUE"])
        await bus.publish(
            new_event(
                "video.uploaded",
                {"video_id": "v1", "source_key": "uploads/v1/master.mp4"},
                subject="v1",
                producer="catalog",
            )
        )
        await eventually(lambda: (progressed() and progressed()[-1] >= 1) or first.poll(), 120)
        assert first.poll() is None, log.read_text()[-3000:]
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    done_before_kill = progressed()[-1]
    assert not completed(), "the job finished before the worker could be killed"

    with worker_process(env, log) as second:
        await eventually(lambda: completed(), 120)
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0, log.read_text()[-3000:]

    [outcome, *repeats] = [e for e in encoding_events.seen if e.type.endswith("completed")]
    assert all(r.id == outcome.id for r in repeats)  # one effective completed
    result = completed()[0]
    assert result.chunks_total >= 3
    assert result.chunks_encoded <= result.chunks_total - done_before_kill
    started = [e.data["attempt"] for e in encoding_events.seen if e.type.endswith("started")]
    assert started == [1, 2]
    master = Path(store.path(result.master_playlist_key))
    assert video_frames_played(master) == [12 * 25] * len(result.renditions)
    # The state the second worker resumed from lies beside the published tree, not in it.
    assert store.list("videos/v1/hls.jobs")
    assert [k for k in store.list("videos/v1/hls") if not servable(k)] == []
