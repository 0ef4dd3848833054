"""The encoding job coordinator: plan, fan the chunks out over Ray, package the result.

``run_encode_job`` is the pipeline's one entry point for the rest of Codeflix (the encoder
worker, the ``codeflix encode`` command). It blocks; async code calls it from a thread.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ray

from actors import cluster
from actors.tasks import encode_audio_task, transcode_chunk_task
from codeflix.settings import common_settings
from codeflix.storage import ObjectStore
from pipeline.audio import AudioOutcome
from pipeline.errors import PipelineError
from pipeline.job import EncodePlan, EncodeProgress, EncodeRequest, EncodeResult, PlayableStream
from pipeline.packaging import package
from pipeline.planning import plan_job
from pipeline.publishing import Publisher
from pipeline.transcode import ChunkOutcome, load_outcome

ProgressCallback = Callable[[EncodeProgress], None]
PlayableCallback = Callable[[PlayableStream], None]
LEGACY_STATE_FOLDER = "_job"


def run_encode_job(
    request: EncodeRequest,
    *,
    on_progress: ProgressCallback | None = None,
    on_playable: PlayableCallback | None = None,
) -> EncodeResult:
    """Encode ``request.source_uri`` into an HLS tree at ``request.output_uri``.

    Raises :class:`pipeline.errors.UnplayableMaster` before writing anything when the master
    cannot be streamed, :class:`~pipeline.errors.InvalidLadder` when no requested rung fits
    it, :class:`~pipeline.errors.ChunkFailed` when part of it cannot be decoded (both
    :class:`~pipeline.errors.PipelineError`). Chunks finished by an earlier run of the same
    job are not encoded again; ``EncodeResult.chunks_encoded`` says how many this run did.
    Progress is reported after every finished chunk; ``rung`` is None because a chunk
    encodes all rungs at once.

    The stream is published as it is encoded (see :mod:`pipeline.publishing`):
    ``on_playable`` is called once every rendition has its first segments and the master
    playlist is written, long before the job ends; a job that had nothing left to encode only
    packages, and does not call it.
    """
    return _run(_plan_while_ray_starts(request), request, on_progress, on_playable)


def _plan_while_ray_starts(request: EncodeRequest) -> EncodePlan:
    """Probe and plan the job in a thread while this one joins Ray (or starts a local Ray,
    ten seconds and more on a small machine): neither waits for the other.

    Ray is joined here, not in the thread: a driver that ``ray.init``-ed in a thread that
    then ended loses its tasks. A master that cannot be encoded is the error reported, even
    when Ray could not be reached either.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="codeflix-plan") as pool:
        planning = pool.submit(plan_job, request)
        try:
            cluster.connect(common_settings().ray_address)
        except Exception:
            planning.result()
            raise
        return planning.result()


def _run(
    plan: EncodePlan,
    request: EncodeRequest,
    on_progress: ProgressCallback | None,
    on_playable: PlayableCallback | None = None,
) -> EncodeResult:
    store = ObjectStore(plan.output_uri, **plan.storage_options)
    state = ObjectStore(plan.state_uri, **plan.storage_options)
    outcomes: dict[int, ChunkOutcome] = {}
    for chunk in plan.chunks:
        found = load_outcome(state, plan.chunk_manifest_key(chunk))
        if found is not None:
            outcomes[chunk.index] = found
    audio: dict[int, AudioOutcome] = {}
    for number, name in enumerate(plan.audio_names):
        found_audio = _load_audio(state, plan.audio_manifest_key(name))
        if found_audio is not None:
            audio[number] = found_audio
    missing_chunks = [c.index for c in plan.chunks if c.index not in outcomes]
    missing_audio = [n for n in range(len(plan.audio_names)) if n not in audio]
    encoded = 0
    chunk_nodes: dict[str, int] = {}
    if missing_chunks or missing_audio:
        publisher = _Publishing(plan, store, state, on_playable)
        publisher.update(outcomes, audio)  # what an earlier run of this job finished
        try:
            with cluster.job():  # Ray stays up until this job has let go of it
                encoded = _encode_missing(
                    plan, request, missing_chunks, missing_audio, outcomes, audio, chunk_nodes,
                    on_progress, publisher,
                )  # fmt: skip
        except PipelineError:
            publisher.withdraw()  # anything else is retried, and the stream stays up
            raise
    result = package(
        plan,
        store,
        state,
        list(outcomes.values()),
        [audio[n] for n in sorted(audio)],
        chunks_encoded=encoded,
    )
    # Earlier versions kept the job state inside the published tree; it has no place there.
    store.delete_prefix(LEGACY_STATE_FOLDER)
    return result.model_copy(update={"chunk_nodes": chunk_nodes})


def _load_audio(store: ObjectStore, key: str) -> AudioOutcome | None:
    try:
        return AudioOutcome.from_json(store.read_bytes(key))
    except (FileNotFoundError, ValueError, TypeError):
        return None


class _Publishing:
    """The job's :class:`Publisher`, fed with the finished chunks and the audio so far."""

    def __init__(
        self,
        plan: EncodePlan,
        store: ObjectStore,
        state: ObjectStore,
        on_playable: PlayableCallback | None,
    ) -> None:
        self.plan, self.state, self.on_playable = plan, state, on_playable
        self.publisher = Publisher(plan, store)
        self.publisher.adopt()

    def update(self, outcomes: dict[int, ChunkOutcome], audio: dict[int, AudioOutcome]) -> None:
        tracks = {}
        for number, name in enumerate(self.plan.audio_names):
            # A track still encoding has stored its first segments already: they count.
            found = audio.get(number) or _load_audio(self.state, self.plan.audio_progress_key(name))
            if found is not None:
                tracks[name] = found
        stream = self.publisher.publish(outcomes, tracks)
        if stream is not None and self.on_playable is not None:
            self.on_playable(stream)

    def withdraw(self) -> None:
        self.publisher.withdraw()


class EncoderStopped(Exception):
    """The process is shutting Ray down: the job gives up now (not a pipeline failure, so the
    upload is delivered again and the next run resumes from the chunks already stored)."""


# How long a job waits on its tasks before it looks whether the encoder is stopping.
WAIT_SECONDS = 1.0


def _encode_missing(
    plan: EncodePlan,
    request: EncodeRequest,
    missing_chunks: list[int],
    missing_audio: list[int],
    outcomes: dict[int, ChunkOutcome],
    audio: dict[int, AudioOutcome],
    chunk_nodes: dict[str, int],
    on_progress: ProgressCallback | None,
    publishing: _Publishing,
) -> int:
    """Run the missing tasks with at most one per CPU (or ``max_workers``) in flight, the
    front of the timeline first, publishing the stream as it grows.

    Fills ``outcomes``, ``audio`` and ``chunk_nodes`` (chunks encoded per Ray node id).
    """
    limit = request.max_workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    plan_ref = ray.put(plan)
    # Audio first: a whole track is one long task that must not be left for last.
    queue: deque[tuple[str, int]] = deque([("audio", n) for n in missing_audio])
    queue.extend(("chunk", i) for i in missing_chunks)
    in_flight: dict[Any, tuple[str, int]] = {}

    def fill_free_slots() -> None:
        while queue and len(in_flight) < limit:
            kind, number = queue.popleft()
            task = encode_audio_task if kind == "audio" else transcode_chunk_task
            in_flight[task.remote(plan_ref, number)] = (kind, number)

    started = time.monotonic()
    encoded = 0
    try:
        while queue or in_flight:
            fill_free_slots()
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=WAIT_SECONDS)
            if not ready and cluster.stopping():
                raise EncoderStopped(
                    "the encoder stopped during the job; it resumes from its finished chunks"
                )
            finished_chunks = 0
            for ref in ready:
                kind, number = in_flight.pop(ref)
                result = _get(ref)
                if kind == "audio":
                    audio[number] = result
                else:
                    outcomes[number], node_id = result
                    chunk_nodes[node_id] = chunk_nodes.get(node_id, 0) + 1
                    finished_chunks += 1
            encoded += finished_chunks
            fill_free_slots()  # no CPU waits while the stream is published
            publishing.update(outcomes, audio)
            if finished_chunks and on_progress is not None:
                on_progress(_progress(len(outcomes), len(plan.chunks), encoded, started))
    except BaseException:
        for ref in in_flight:
            ray.cancel(ref, force=True)
        raise
    return encoded


def _get(ref: Any) -> Any:
    """``ray.get`` that re-raises a task's PipelineError as itself, not wrapped by Ray."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        if isinstance(e.cause, PipelineError):
            raise e.cause from None
        raise


def _progress(done: int, total: int, encoded: int, started: float) -> EncodeProgress:
    elapsed = time.monotonic() - started
    remaining = total - done
    eta = elapsed / encoded * remaining if encoded else None
    # A chunk encodes every rung at once, so progress is per chunk, not per rung.
    return EncodeProgress(chunks_done=done, chunks_total=total, rung=None, eta_seconds=eta)
