"""The pipeline's steps as Ray tasks: one CPU each, retried when their worker process dies.

A task that fails with a :class:`~pipeline.errors.PipelineError` is not retried: bad data in
the master stays bad. A task whose process is killed (OOM, lost node, preemption) is retried
by Ray; the retry rewrites the same deterministic keys, so a half-written chunk is harmless.
"""

from __future__ import annotations

import ray

from pipeline.audio import AudioOutcome, encode_audio
from pipeline.job import EncodePlan
from pipeline.transcode import ChunkOutcome, transcode_chunk

MAX_RETRIES = 3


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)
def transcode_chunk_task(plan: EncodePlan, chunk_index: int) -> tuple[ChunkOutcome, str]:
    """Decode one chunk of the master and encode it for every rung (see ``transcode_chunk``).

    Returns the outcome and the id of the Ray node that did the work, so a job can tell
    operators how it spread over the cluster.
    """
    return transcode_chunk(plan, chunk_index), ray.get_runtime_context().get_node_id()


@ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)
def encode_audio_task(plan: EncodePlan, track_number: int) -> AudioOutcome:
    """Encode one audio track of the master for its whole length (see ``encode_audio``)."""
    return encode_audio(plan, track_number)
