"""The encoder worker against a fake encode runner at the coordinator's port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from actors.encoder_runtime import build_worker
from actors.encoder_settings import get_settings
from actors.encoder_worker import EncoderWorker
from codeflix.bus import InMemoryBus
from codeflix.events import Envelope, new_event
from codeflix.storage import ObjectStore
from pipeline.errors import ChunkFailed, UnplayableMaster
from pipeline.job import EncodeProgress, EncodeRequest, EncodeResult, PlayableStream
from tests.contracts.bus import Recorder, eventually
from tests.unit.encoder.conftest import MASTER_KEY

RENDITION = {
    "name": "360p",
    "width": 640,
    "height": 360,
    "bandwidth": 900_000,
    "average_bandwidth": 800_000,
    "codecs": "avc1.4d401e,mp4a.40.2",
    "frame_rate": 25.0,
    "playlist": "video/360p/index.m3u8",
}
AUDIO = {"name": "aac", "language": "und", "default": True, "playlist": "a.m3u8"}


def result(chunks_total: int = 3, chunks_encoded: int = 3) -> EncodeResult:
    return EncodeResult.model_validate(
        {
            "job_id": "job-1",
            "duration_seconds": 12.0,
            "renditions": [RENDITION],
            "audio": [AUDIO],
            "poster": "poster.jpg",
            "thumbnails": "thumbnails/thumbnails.vtt",
            "chunks_total": chunks_total,
            "chunks_encoded": chunks_encoded,
        }
    )


class FakeEncodeRunner:
    """Stands in for actors.coordinator.run_encode_job: reports progress, then answers."""

    def __init__(self, *, errors: list[Exception] | None = None, chunks: int = 3) -> None:
        self.requests: list[EncodeRequest] = []
        self.errors = list(errors or [])
        self.chunks = chunks
        self.gate: threading.Event | None = None
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def __call__(
        self,
        request: EncodeRequest,
        *,
        on_progress: Callable[[EncodeProgress], None] | None = None,
        on_playable: Callable[[PlayableStream], None] | None = None,
    ) -> EncodeResult:
        with self._lock:
            self.requests.append(request)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            if self.gate is not None:
                assert self.gate.wait(10)
            if self.errors:
                raise self.errors.pop(0)
            for done in range(1, self.chunks + 1):
                if on_progress:
                    on_progress(EncodeProgress(chunks_done=done, chunks_total=self.chunks))
                if done == 1 and on_playable:  # the first chunk makes the stream playable
                    stream = {"duration_seconds": 12.0, "segments": 1}
                    on_playable(
                        PlayableStream.model_validate(
                            {**stream, "renditions": [RENDITION], "audio": [AUDIO]}
                        )
                    )
            return result(self.chunks, self.chunks)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
async def outcomes(bus: InMemoryBus) -> Recorder:
    recorder = Recorder()
    await bus.subscribe("test.encoding", ["video.encoding.*"], recorder)
    return recorder


def worker(
    bus: InMemoryBus, store: ObjectStore, runner: FakeEncodeRunner, **kw: object
) -> EncoderWorker:
    options: dict[str, object] = {"progress_interval": 0.0, "retry_delays": (0.01,)}
    return EncoderWorker(bus, store, runner, **{**options, **kw})  # type: ignore[arg-type]


def upload(video_id: str = "v1", source_key: str = MASTER_KEY, **data: object) -> Envelope:
    return new_event(
        "video.uploaded",
        {"video_id": video_id, "source_key": source_key, **data},
        subject=video_id,
        producer="catalog",
    )


def types(recorder: Recorder) -> list[str]:
    return [e.type.removeprefix("video.encoding.") for e in recorder.seen]


async def test_upload_is_encoded_and_reported_start_progress_completion(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner(chunks=3)
    await worker(bus, store, runner, storage_options={"anon": False}).start()
    await bus.publish(upload(heights=[360]))
    await bus.join()
    reports = [t for t in types(outcomes) if t != "progressed"]
    assert reports == ["started", "playable", "completed"]
    assert types(outcomes).count("progressed") == 3
    [request] = runner.requests
    assert request.source_uri == store.uri(MASTER_KEY)
    assert request.output_uri == store.uri("videos/v1/hls")
    assert request.heights == [360] and request.storage_options == {"anon": False}
    done = outcomes.seen[-1].data
    assert done["master_playlist_key"] == "videos/v1/hls/master.m3u8"
    assert done["poster_key"] == "videos/v1/hls/poster.jpg"
    assert done["thumbnails_key"] == "videos/v1/hls/thumbnails/thumbnails.vtt"
    assert done["renditions"][0]["playlist"] == "video/360p/index.m3u8"
    progressed = [e for e in outcomes.seen if e.type == "video.encoding.progressed"]
    assert [e.data["percent"] for e in progressed] == [33.3, 66.7, 100.0]
    [playable] = [e for e in outcomes.seen if e.type == "video.encoding.playable"]
    # Viewers may watch from here: the master is where the completed event will say.
    assert playable.data["master_playlist_key"] == "videos/v1/hls/master.m3u8"
    assert playable.data["hls_prefix"] == "videos/v1/hls"
    assert playable.data["renditions"][0]["playlist"] == "video/360p/index.m3u8"
    assert await bus.dead_letters("encoder.uploads") == []


async def test_trailer_goes_to_its_own_folder(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner()
    await worker(bus, store, runner).start()
    await bus.publish(upload(kind="trailer"))
    await bus.join()
    assert runner.requests[0].output_uri == store.uri("videos/v1/trailer/hls")
    assert outcomes.seen[-1].data["hls_prefix"] == "videos/v1/trailer/hls"


async def test_refused_master_ends_as_failed_with_its_reason_and_no_retry(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner(errors=[UnplayableMaster("no_video_stream", "only audio inside")])
    await worker(bus, store, runner).start()
    await bus.publish(upload())
    await bus.join()
    assert types(outcomes) == ["started", "failed"]
    assert outcomes.seen[-1].data["reason"] == "no_video_stream"
    assert outcomes.seen[-1].data["message"] == "only audio inside"
    assert len(runner.requests) == 1
    assert await bus.dead_letters("encoder.uploads") == []


async def test_pipeline_error_fails_with_a_code_of_its_kind(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    await worker(bus, store, FakeEncodeRunner(errors=[ChunkFailed("bad data at 3.2 s")])).start()
    await bus.publish(upload())
    await bus.join()
    assert outcomes.seen[-1].data["reason"] == "chunk_failed"


async def test_transient_error_is_retried_and_the_job_completes_once(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner(errors=[ConnectionError("ray head away")])
    await worker(bus, store, runner).start()
    await bus.publish(upload())
    await bus.join()
    assert len(runner.requests) == 2
    assert types(outcomes).count("completed") == 1
    started = [e.data["attempt"] for e in outcomes.seen if e.type.endswith("started")]
    assert started == [1, 2]


async def test_error_on_every_attempt_ends_as_failed_not_stuck(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner(errors=[OSError("disk full")] * 3)
    await worker(bus, store, runner, max_attempts=3).start()
    await bus.publish(upload())
    await bus.join()
    assert len(runner.requests) == 3
    assert types(outcomes)[-1] == "failed"
    assert outcomes.seen[-1].data["reason"] == "encoder_error"
    assert "disk full" in outcomes.seen[-1].data["message"]


async def test_missing_master_fails_without_running_an_encode(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner()
    await worker(bus, store, runner).start()
    await bus.publish(upload(source_key="uploads/nothing-here.mp4"))
    await bus.join()
    assert types(outcomes) == ["failed"]
    assert outcomes.seen[0].data["reason"] == "source_missing"
    assert runner.requests == []


@pytest.mark.parametrize("source_key", ["../../etc/passwd", "uploads/../../x", "a\x00b"])
async def test_source_key_leaving_the_store_is_refused(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder, source_key: str
) -> None:
    runner = FakeEncodeRunner()
    await worker(bus, store, runner).start()
    await bus.publish(upload(source_key=source_key))
    await bus.join()
    assert [e.data["reason"] for e in outcomes.seen] == ["invalid_source_key"]
    assert runner.requests == []


@pytest.mark.parametrize("video_id", ["../v1", "a/b", "", "x" * 101])
async def test_hostile_video_id_is_dead_lettered_as_invalid(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder, video_id: str
) -> None:
    runner = FakeEncodeRunner()
    await worker(bus, store, runner).start()
    raw = upload().model_dump(mode="json")
    raw["data"]["video_id"] = video_id
    await bus.publish(Envelope.model_validate(raw))
    await bus.join()
    [dead] = await bus.dead_letters("encoder.uploads")
    assert dead.reason is not None and dead.reason.startswith("invalid_data")
    assert runner.requests == [] and outcomes.seen == []


async def test_progress_is_throttled_by_the_interval(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    ticks = iter([0.0, 0.5, 1.9, 2.0, 2.1, 9.0])
    runner = FakeEncodeRunner(chunks=6)
    await worker(bus, store, runner, progress_interval=2.0, clock=lambda: next(ticks)).start()
    await bus.publish(upload())
    await bus.join()
    progressed = [e.data["chunks_done"] for e in outcomes.seen if e.type.endswith("progressed")]
    assert progressed == [1, 4, 6]
    assert types(outcomes)[-1] == "completed"


async def test_concurrency_bounds_the_jobs_run_at_once(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner()
    runner.gate = threading.Event()
    await worker(bus, store, runner, concurrency=2).start()
    for n in range(5):
        await bus.publish(upload(f"v{n}"))
    await eventually(lambda: runner.running == 2)
    await asyncio.sleep(0.1)  # a third job would have started by now
    assert runner.running == 2
    runner.gate.set()
    await bus.join()
    assert runner.most_running == 2
    assert types(outcomes).count("completed") == 5


async def test_a_redelivered_upload_reports_with_the_same_event_ids(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    # E.g. the worker died after publishing `completed` but before the upload was acked: the
    # second run's reports must be repeats an inbox drops, not a `started` after `completed`.
    the_worker = worker(bus, store, FakeEncodeRunner(chunks=2))
    event = upload()
    await the_worker.handle(event)
    await bus.join()
    first = [(e.type, e.id) for e in outcomes.seen]
    await the_worker.handle(event)
    await bus.join()
    assert [(e.type, e.id) for e in outcomes.seen[len(first) :]] == first
    other = upload()  # a new upload of the same video is news, not a repeat
    await the_worker.handle(other)
    await bus.join()
    assert not {e.id for e in outcomes.seen[2 * len(first) :]} & {i for _, i in first}


async def test_uploads_are_encoded_in_the_order_they_arrive(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner(chunks=1)
    await worker(bus, store, runner, concurrency=1).start()
    for n in range(6):
        await bus.publish(upload(f"v{n}"))
    await bus.join()
    assert [r.output_uri.split("/")[-2] for r in runner.requests] == [f"v{n}" for n in range(6)]


@pytest.mark.parametrize("heights", [[0], [-360], [100_000], [360] * 13])
async def test_nonsense_ladder_heights_are_dead_lettered_as_invalid(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder, heights: list[int]
) -> None:
    runner = FakeEncodeRunner()
    await worker(bus, store, runner).start()
    raw = upload().model_dump(mode="json")
    raw["data"]["heights"] = heights
    await bus.publish(Envelope.model_validate(raw))
    await bus.join()
    [dead] = await bus.dead_letters("encoder.uploads")
    assert dead.reason is not None and dead.reason.startswith("invalid_data")
    assert runner.requests == []


async def test_uploads_get_a_per_title_ladder_unless_the_worker_is_set_to_fixed(
    bus: InMemoryBus, store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    default_runner = FakeEncodeRunner()
    await worker(
        bus, store, default_runner, queue="per-title.uploads", subtitles_queue="per-title.subs"
    ).start()
    monkeypatch.setenv("CODEFLIX_ENCODER_QUALITY", "fixed")
    fixed_runner = FakeEncodeRunner()
    settings = get_settings(encoder_queue="fixed.uploads", encoder_subtitles_queue="fixed.subs")
    fixed = build_worker(settings, bus, store, fixed_runner)
    await fixed.start()
    await bus.publish(upload())
    await bus.join()
    assert [r.quality for r in default_runner.requests] == ["per-title"]
    assert [r.quality for r in fixed_runner.requests] == ["fixed"]


def test_a_quality_the_encoder_does_not_know_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEFLIX_ENCODER_QUALITY", "best")
    with pytest.raises(ValidationError, match="encoder_quality"):
        get_settings()


def subtitles_changed(video_id: str = "v1") -> Envelope:
    data = {"video_id": video_id, "tracks": []}
    return new_event("video.subtitles.changed", data, subject=video_id, producer="catalog")


async def test_subtitles_of_a_title_not_encoded_yet_wait_for_its_encode(
    bus: InMemoryBus, store: ObjectStore, outcomes: Recorder
) -> None:
    runner = FakeEncodeRunner()
    await worker(bus, store, runner).start()
    await bus.publish(subtitles_changed())
    await bus.join()
    assert runner.requests == [] and outcomes.seen == []  # nothing is encoded for subtitles
    assert not store.exists("videos/v1/hls/master.m3u8")
    assert await bus.dead_letters("encoder.subtitles") == []
    # The encode of that title is told where its subtitle sources are.
    await bus.publish(upload())
    await bus.join()
    assert [r.subtitles_uri for r in runner.requests] == [store.uri("videos/v1/subtitles")]


async def test_subtitles_that_cannot_be_packaged_go_to_the_dead_letters(
    bus: InMemoryBus, store: ObjectStore
) -> None:
    await worker(bus, store, FakeEncodeRunner()).start()
    # A master without variants: nothing to align the subtitles with.
    store.write_bytes("videos/v1/hls/master.m3u8", b"#EXTM3U\n")
    store.write_bytes(
        "videos/v1/subtitles/tracks.json",
        b'[{"language": "en", "label": "English", "source_key": "videos/v1/subtitles/en.vtt"}]',
    )
    await bus.publish(subtitles_changed())
    await bus.join()
    [dead] = await bus.dead_letters("encoder.subtitles")
    assert dead.reason == (
        "subtitles_not_packaged: the master playlist has no variant to align subtitles with"
    )
    assert store.read_bytes("videos/v1/hls/master.m3u8") == b"#EXTM3U\n"
