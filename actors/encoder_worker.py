"""The encoder worker: consumes ``video.uploaded``, runs the encode on Ray, reports the outcome.

For each upload it publishes ``video.encoding.started``, throttled ``progressed`` events,
``playable`` as soon as the stream can be watched (the encode goes on), then ``completed`` or
``failed``; the bus acks the upload only once that outcome is published. A
worker that dies mid-job leaves the upload to be redelivered, and the retried job resumes from
the chunks already in storage (the pipeline's job ids are deterministic). Every report gets an
id derived from the upload's id, so a retry republishes the same events, never new ones.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol

from actors.encoder_progress import ProgressReporter
from codeflix.bus import Bus, PermanentFailure, delivery_attempt, is_last_attempt
from codeflix.events import (
    Envelope,
    EventData,
    VideoEncodingCompleted,
    VideoEncodingFailed,
    VideoEncodingPlayable,
    VideoEncodingStarted,
    VideoSubtitlesChanged,
    VideoUploaded,
    new_event,
)
from codeflix.observability import domain_counter
from codeflix.storage import InvalidKey, ObjectStore
from codeflix.subtitles import subtitles_prefix
from pipeline.errors import PipelineError, UnplayableMaster
from pipeline.job import (
    MASTER_PLAYLIST,
    EncodeProgress,
    EncodeRequest,
    EncodeResult,
    PlayableStream,
)
from pipeline.subtitle_packaging import package_subtitles

log = logging.getLogger("codeflix.encoder")
PRODUCER = "encoder"
PLAYABLE_PUBLISH_SECONDS = 60.0  # beyond that the job fails, to be retried


class EncodeRunner(Protocol):
    """Runs one encode to the end (blocking), like ``actors.coordinator.run_encode_job``."""

    def __call__(
        self,
        request: EncodeRequest,
        *,
        on_progress: Callable[[EncodeProgress], None] | None = None,
        on_playable: Callable[[PlayableStream], None] | None = None,
    ) -> EncodeResult: ...


def ray_encode_runner(
    ray_address: str | None, *, local_cpus: int | None = None, local_record: Path | None = None
) -> EncodeRunner:
    """The real runner: joins Ray on the first job only, so start-up stays fast. A local Ray
    is watched (see :mod:`actors.local_ray`) and noted at ``local_record``."""
    lock = threading.Lock()

    def run(
        request: EncodeRequest,
        *,
        on_progress: Callable[[EncodeProgress], None] | None = None,
        on_playable: Callable[[PlayableStream], None] | None = None,
    ) -> EncodeResult:
        from actors import cluster
        from actors.coordinator import run_encode_job

        with lock:
            cluster.connect(
                ray_address, num_cpus=None if ray_address else local_cpus, record=local_record
            )
        return run_encode_job(request, on_progress=on_progress, on_playable=on_playable)

    return run


def hls_prefix(video_id: str, kind: str) -> str:
    """Where a video's HLS tree lives in the store."""
    return f"videos/{video_id}/hls" if kind == "video" else f"videos/{video_id}/{kind}/hls"


class EncoderWorker:
    """Consumes uploads from ``queue``, at most ``concurrency`` encodes at a time."""

    def __init__(
        self,
        bus: Bus,
        store: ObjectStore,
        run_encode: EncodeRunner,
        *,
        queue: str = "encoder.uploads",
        subtitles_queue: str = "encoder.subtitles",
        concurrency: int = 1,
        progress_interval: float = 2.0,
        max_attempts: int = 3,
        retry_delays: tuple[float, ...] = (10.0, 60.0),
        max_workers: int | None = None,
        quality: Literal["per-title", "fixed"] = "per-title",
        storage_options: dict[str, Any] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.bus, self.store, self.run_encode = bus, store, run_encode
        self.queue, self.concurrency = queue, concurrency
        self.subtitles_queue = subtitles_queue
        self.progress_interval = progress_interval
        self.max_attempts, self.retry_delays = max_attempts, retry_delays
        self.max_workers = max_workers
        self.quality = quality
        self.storage_options = dict(storage_options or {})  # for the Ray workers' fsspec
        self.clock = clock
        self._jobs = domain_counter("encoder_jobs_total", "Encoding jobs by outcome.", ("outcome",))
        self._started = domain_counter(
            "encoder_jobs_started_total", "Encodes started (a redelivered upload counts again)."
        )
        self.jobs_running = 0  # encodes on Ray right now, for the encoder's status reports

    async def start(self) -> None:
        await self.bus.subscribe(
            self.queue,
            ["video.uploaded"],
            self.handle,
            max_attempts=self.max_attempts,
            retry_delays=self.retry_delays,
            prefetch=self.concurrency,  # one job per unacked message: fair and bounded
        )
        await self.bus.subscribe(
            self.subtitles_queue,
            ["video.subtitles.changed"],
            self.handle_subtitles,
            max_attempts=self.max_attempts,
            retry_delays=self.retry_delays,
            prefetch=1,
            single_active=True,  # two rewrites of one master side by side could undo each other
        )

    async def handle_subtitles(self, envelope: Envelope) -> None:
        """Bring an encoded title's subtitle renditions and playlists up to date; segments of
        video and audio are never touched. A title not encoded yet gets them from its encode."""
        changed = envelope.parse_data()
        if not isinstance(changed, VideoSubtitlesChanged):
            raise PermanentFailure("unexpected_event", f"cannot package a {envelope.type}")
        video_id = changed.video_id
        hls = ObjectStore(self.store.uri(hls_prefix(video_id, "video")), **self.storage_options)
        sources = ObjectStore(self.store.uri(subtitles_prefix(video_id)), **self.storage_options)
        try:
            rewritten = await asyncio.to_thread(package_subtitles, hls, sources, MASTER_PLAYLIST)
        except PipelineError as e:
            log.warning("subtitles not packaged", extra={"video_id": video_id, "error": str(e)})
            raise PermanentFailure("subtitles_not_packaged", str(e)) from None
        log.info(
            "subtitles packaged" if rewritten else "subtitles wait for the encode",
            extra={"video_id": video_id},
        )

    async def handle(self, envelope: Envelope) -> None:
        """Encode one upload and publish its outcome; raising leaves it to be retried."""
        upload = envelope.parse_data()
        if not isinstance(upload, VideoUploaded):
            raise PermanentFailure("unexpected_event", f"cannot encode a {envelope.type}")
        try:
            request = self._request(upload)
        except InvalidKey as e:
            return await self._fail(envelope, upload, "invalid_source_key", str(e))
        if not await asyncio.to_thread(self.store.exists, upload.source_key):
            return await self._fail(
                envelope, upload, "source_missing", f"no master at {upload.source_key!r}"
            )
        started = VideoEncodingStarted(
            video_id=upload.video_id, kind=upload.kind, attempt=delivery_attempt()
        )
        await self._publish(envelope, "video.encoding.started", started, "started")
        self._started.inc()
        reporter = ProgressReporter(
            self.bus, upload, self.progress_interval, cause_id=envelope.id, clock=self.clock
        )
        loop = asyncio.get_running_loop()

        def on_playable(stream: PlayableStream) -> None:
            # Called from the encode's thread, which waits until the event is out: viewers
            # may watch from now on, and `completed` can never overtake it.
            playable = self._playable(upload, stream)
            publishing = self._publish(envelope, "video.encoding.playable", playable, "playable")
            asyncio.run_coroutine_threadsafe(publishing, loop).result(PLAYABLE_PUBLISH_SECONDS)

        self.jobs_running += 1
        try:
            async with reporter:
                result = await asyncio.to_thread(
                    self.run_encode,
                    request,
                    on_progress=reporter.on_progress,
                    on_playable=on_playable,
                )
        except UnplayableMaster as e:
            return await self._fail(envelope, upload, e.reason, e.message)
        except PipelineError as e:
            return await self._fail(envelope, upload, _snake(type(e).__name__), str(e))
        except Exception as e:
            if not is_last_attempt():
                raise
            log.exception("encode failed on its last attempt", extra={"video_id": upload.video_id})
            return await self._fail(envelope, upload, "encoder_error", f"{type(e).__name__}: {e}")
        finally:
            self.jobs_running -= 1
        completed = self._completed(upload, result)
        await self._publish(envelope, "video.encoding.completed", completed, "completed")
        self._jobs.labels(outcome="completed").inc()

    def _request(self, upload: VideoUploaded) -> EncodeRequest:
        return EncodeRequest(
            source_uri=self.store.uri(upload.source_key),
            output_uri=self.store.uri(hls_prefix(upload.video_id, upload.kind)),
            storage_options=self.storage_options,
            heights=upload.heights,
            max_workers=self.max_workers,
            quality=self.quality,
            subtitles_uri=self.store.uri(subtitles_prefix(upload.video_id))
            if upload.kind == "video"
            else "",
        )

    def _completed(self, upload: VideoUploaded, result: EncodeResult) -> VideoEncodingCompleted:
        prefix = hls_prefix(upload.video_id, upload.kind)
        return VideoEncodingCompleted.model_validate(
            {
                "video_id": upload.video_id,
                "kind": upload.kind,
                "hls_prefix": prefix,
                "master_playlist_key": f"{prefix}/{result.master_playlist}",
                "duration_seconds": result.duration_seconds,
                "renditions": [r.model_dump() for r in result.renditions],
                "audio": [a.model_dump() for a in result.audio],
                "poster_key": f"{prefix}/{result.poster}" if result.poster else None,
                "thumbnails_key": f"{prefix}/{result.thumbnails}" if result.thumbnails else None,
                "chunks_total": result.chunks_total,
                "chunks_encoded": result.chunks_encoded,
            }
        )

    def _playable(self, upload: VideoUploaded, stream: PlayableStream) -> VideoEncodingPlayable:
        prefix = hls_prefix(upload.video_id, upload.kind)
        return VideoEncodingPlayable.model_validate(
            {
                "video_id": upload.video_id,
                "kind": upload.kind,
                "hls_prefix": prefix,
                "master_playlist_key": f"{prefix}/{stream.master_playlist}",
                "duration_seconds": stream.duration_seconds,
                "renditions": [r.model_dump() for r in stream.renditions],
                "audio": [a.model_dump() for a in stream.audio],
            }
        )

    async def _fail(
        self, envelope: Envelope, upload: VideoUploaded, reason: str, message: str
    ) -> None:
        log.warning("encode refused", extra={"video_id": upload.video_id, "reason": reason})
        failed = VideoEncodingFailed(
            video_id=upload.video_id, kind=upload.kind, reason=reason, message=message[:2000]
        )
        await self._publish(envelope, "video.encoding.failed", failed, "failed")
        self._jobs.labels(outcome="failed").inc()

    async def _publish(self, cause: Envelope, type_: str, data: EventData, name: str) -> None:
        # Each report has one id per upload, so when a redelivered upload is encoded again
        # (say the worker died between publishing `completed` and acking), consumers' inboxes
        # drop the repeats rather than see a new `started` after `completed`.
        event_id = uuid.uuid5(cause.id, name)
        event = new_event(type_, data, subject=cause.subject, producer=PRODUCER, event_id=event_id)
        await self.bus.publish(event)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
