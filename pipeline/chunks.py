"""Splitting the timeline into chunks on segment boundaries, one transcode task each.

The first chunk is a single segment: the coordinator encodes the front of the timeline first,
and a short first chunk gives every rung its first segment early, so viewers can start
watching long before the whole title is encoded (see :mod:`pipeline.publishing`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Chunking depends on the master only, never on the cluster's size, so a job retried on a
# cluster that has grown or shrunk still finds the chunks it finished before.
TARGET_CHUNKS = 64  # enough chunks to keep a large cluster busy and balance a small one
MAX_SEGMENTS_PER_CHUNK = 8  # 32 s: longer chunks only lengthen the tail of the job


@dataclass(frozen=True)
class Chunk:
    """Output frames ``[start_frame, end_frame)``; the last chunk runs to the end of the master."""

    index: int
    first_segment: int
    start_frame: int
    end_frame: int | None  # None: until the master ends

    @property
    def key(self) -> str:
        return f"chunk_{self.index:05d}"


def plan_chunks(
    estimated_frames: int, segment_frames: int, *, segments_per_chunk: int = 0
) -> list[Chunk]:
    """Chunks of whole segments covering ``estimated_frames``.

    ``segments_per_chunk`` forces one length for every chunk (1 segment minimum); 0 chooses
    it, with a first chunk of one segment so the stream can start early.
    """
    segments = max(1, math.ceil(estimated_frames / segment_frames))
    lengths: list[int] = []
    if segments_per_chunk <= 0:
        segments_per_chunk = min(MAX_SEGMENTS_PER_CHUNK, max(1, segments // TARGET_CHUNKS))
        lengths.append(1)
    while sum(lengths) < segments:
        lengths.append(segments_per_chunk)
    chunks, first = [], 0
    for i, length in enumerate(lengths):
        last_chunk = i == len(lengths) - 1
        chunks.append(
            Chunk(
                index=i,
                first_segment=first,
                start_frame=first * segment_frames,
                end_frame=None if last_chunk else (first + length) * segment_frames,
            )
        )
        first += length
    return chunks
