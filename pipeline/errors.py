"""What can go wrong in the encoding pipeline.

PipelineError
├── UnplayableMaster   the master is refused before any work (``.reason`` says why)
├── InvalidLadder      the requested rungs cannot be made from this master
└── ChunkFailed        a chunk's transcode failed for a reason a retry will not fix
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of the encoding pipeline's errors."""


class UnplayableMaster(PipelineError):
    """The master is not a playable video; ``reason`` is a short snake_case code.

    Codes: ``not_media``, ``unreadable``, ``truncated``, ``no_video_stream``, ``zero_duration``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[UnplayableMaster], tuple[str, str]]:
        # Keeps reason and message when the error crosses a process boundary (Ray).
        return (type(self), (self.reason, self.message))


class InvalidLadder(PipelineError):
    """The requested ladder is empty or asks for rungs the master cannot feed."""


class ChunkFailed(PipelineError):
    """A chunk could not be transcoded (bad data in the master, full disk, ...)."""
