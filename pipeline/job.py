"""Encoding jobs: the request, its progress and result, the plan, and where everything lands.

A job's id is a digest of the master's identity (URI, size, version) and of the plan, so asking
again for the same encode finds the chunks an earlier attempt already finished.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.chunks import Chunk
from pipeline.ladder import Ladder
from pipeline.probe import SourceInfo

PIPELINE_VERSION = "1"  # bump when the output of the same plan changes
MASTER_PLAYLIST = "master.m3u8"
POSTER = "poster.jpg"
THUMBNAILS_VTT = "thumbnails/thumbnails.vtt"
TIMESTAMP_OFFSET_GOPS = 1  # every output timestamp starts one GOP in: B-frame DTS stay positive


def job_state_uri(output_uri: str) -> str:
    """Where a job keeps what lets a retry resume (chunk manifests, tile strips) by default:
    beside the published tree, never in it (``…/videos/1/hls`` → ``…/videos/1/hls.jobs``), so
    nothing of it is ever served with the stream."""
    parts = urlsplit(output_uri)
    path = parts.path.rstrip("/")
    if not path or (not parts.scheme and path in (".", "")):
        raise ValueError(
            "the output is the root of its store, so the job state has no place beside it: "
            "give state_uri"
        )
    return urlunsplit(parts._replace(path=path + ".jobs"))


class EncodeRequest(BaseModel):
    """Encode the master at ``source_uri`` into an HLS tree under ``output_uri``; the job's
    own state goes to ``state_uri`` (default: :func:`job_state_uri`)."""

    model_config = ConfigDict(extra="forbid")

    source_uri: str = Field(min_length=1)
    output_uri: str = Field(min_length=1)
    # Filled in from output_uri when not given (see _state_beside_the_output).
    state_uri: str = Field(default="")
    storage_options: dict[str, Any] = Field(default_factory=dict)
    heights: list[int] | None = None
    max_workers: int | None = Field(default=None, ge=1)
    # per-title: bitrates from the master's measured complexity; fixed: from bits per pixel.
    quality: Literal["per-title", "fixed"] = "per-title"
    # The folder of the title's subtitle sources (WebVTT + tracks.json), packaged with the
    # master; empty: none.
    subtitles_uri: str = ""

    @model_validator(mode="before")
    @classmethod
    def _state_beside_the_output(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("state_uri"):
            output = data.get("output_uri")
            if isinstance(output, str) and output:
                return {**data, "state_uri": job_state_uri(output)}
        return data


class EncodeProgress(BaseModel):
    """How far a job is: chunks done out of all, the rung just finished, an ETA."""

    chunks_done: int
    chunks_total: int
    rung: str | None = None
    eta_seconds: float | None = None


class RenditionInfo(BaseModel):
    name: str
    width: int
    height: int
    bandwidth: int  # measured peak of video + default audio, bits per second
    average_bandwidth: int
    codecs: str
    frame_rate: float
    playlist: str  # key relative to the output URI


class AudioRenditionInfo(BaseModel):
    name: str
    language: str
    default: bool
    playlist: str


class LadderDecision(BaseModel):
    """How the rungs' bitrates were chosen, and from what measurement."""

    quality: Literal["per-title", "fixed"]
    # per-title: bits per pixel of the constant-quality trial encodes (pipeline.complexity)
    complexity: float | None = None
    # per-title: bits ~ pixels ** size_exponent between the trial's sizes
    size_exponent: float | None = None
    sample_starts: list[float] = []  # seconds into the master
    sample_seconds: float = 0.0  # of video, all samples together
    sample_cpu_seconds: float = 0.0  # what measuring cost this run
    bitrates: dict[str, int] = {}  # rung name -> target bitrate, bits per second
    max_bitrates: dict[str, int] = {}  # rung name -> VBV ceiling
    crfs: dict[str, int] = {}  # rung name -> x264's CRF, for the rungs at constant quality


class PlayableStream(BaseModel):
    """A job's stream once every rendition has its first segments: the master is written and
    the media playlists are EVENT playlists that grow until the job ends (then VOD)."""

    master_playlist: str = MASTER_PLAYLIST
    duration_seconds: float  # of the whole title, as planned
    renditions: list[RenditionInfo]  # bandwidths measured on the segments so far
    audio: list[AudioRenditionInfo]
    segments: int  # segments of the shortest rendition published so far


class EncodeResult(BaseModel):
    """What a finished job produced; every key is relative to the request's ``output_uri``."""

    job_id: str
    master_playlist: str = MASTER_PLAYLIST
    duration_seconds: float
    renditions: list[RenditionInfo]
    audio: list[AudioRenditionInfo]
    poster: str | None
    thumbnails: str | None
    chunks_total: int
    chunks_encoded: int
    # Ray node id -> chunks that node encoded in this run (empty when nothing was encoded).
    chunk_nodes: dict[str, int] = {}
    ladder: LadderDecision | None = None


@dataclass(frozen=True)
class ThumbnailSpec:
    interval_frames: int  # one sprite tile every this many output frames
    tile_width: int
    tile_height: int
    poster_frame: int
    poster_width: int
    poster_height: int


@dataclass(frozen=True)
class EncodePlan:
    """Everything a worker needs to do its part of a job; sent to every task."""

    job_id: str
    source_uri: str
    output_uri: str
    state_uri: str  # the job's manifests and tile strips: never under the published tree
    storage_options: dict[str, Any]
    source: SourceInfo
    ladder: Ladder
    chunks: tuple[Chunk, ...]
    thumbnails: ThumbnailSpec
    audio_names: tuple[str, ...] = field(default_factory=tuple)
    decision: LadderDecision | None = None
    subtitles_uri: str = ""  # not part of the job's identity: subtitles never touch segments

    @property
    def timestamp_offset_frames(self) -> int:
        return self.ladder.gop_frames * TIMESTAMP_OFFSET_GOPS

    # Keys in the store at ``state_uri``; the job id keeps apart the jobs of other masters.
    def chunk_manifest_key(self, chunk: Chunk) -> str:
        return f"{self.job_id}/chunks/{chunk.key}.json"

    def chunk_tiles_key(self, chunk: Chunk) -> str:
        return f"{self.job_id}/tiles/{chunk.key}.jpg"

    def audio_manifest_key(self, name: str) -> str:
        return f"{self.job_id}/audio/{name}.json"

    def audio_progress_key(self, name: str) -> str:
        """The segments of a track stored so far, while its task still runs."""
        return f"{self.job_id}/audio/{name}.progress.json"


def video_dir(rung_name: str) -> str:
    return f"video/{rung_name}"


def audio_dir(name: str) -> str:
    return f"audio/{name}"


def segment_name(index: int) -> str:
    return f"seg_{index:05d}.ts"


def make_job_id(source_fingerprint: str, ladder: Ladder, chunks: list[Chunk], extra: dict) -> str:
    """A stable id for "this master, this plan": the same inputs always give the same id."""
    identity = {
        "version": PIPELINE_VERSION,
        "source": source_fingerprint,
        "ladder": asdict(ladder),
        "chunks": [asdict(c) for c in chunks],
        **extra,
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:20]
