"""Is an uploaded file what its slot says? Refuse a "video" that is not media, early."""

from __future__ import annotations

from typing import Any

from codeflix.storage import ObjectStore

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


class NotMedia(Exception):
    """The file does not fit its slot; ``reason`` is a short snake_case code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def check_media(store: ObjectStore, key: str, kind: str, storage_options: dict[str, Any]) -> None:
    """Raise :class:`NotMedia` unless the object at ``key`` is a playable video (video,
    trailer) or a JPEG/PNG/WebP image (banner, thumbnail). Blocking: call it from a thread."""
    if kind in ("video", "trailer"):
        _check_video(store, key, storage_options)
    else:
        _check_image(store, key)


def _check_video(store: ObjectStore, key: str, storage_options: dict[str, Any]) -> None:
    try:
        # The encoder refuses with the same probe, so what is accepted here it can encode.
        from pipeline.errors import UnplayableMaster
        from pipeline.probe import probe
    except ImportError:  # an installation without the encoding pipeline
        _check_video_streams(store, key)
        return
    try:
        probe(store.uri(key), storage_options)
    except UnplayableMaster as e:
        raise NotMedia(e.reason, e.message) from None


def _check_video_streams(store: ObjectStore, key: str) -> None:
    import av

    try:
        with store.open_read(key) as f, av.open(f, "r") as container:
            if not container.streams.video:
                raise NotMedia("no_video_stream", "the file has no video stream")
    except av.FFmpegError as e:
        raise NotMedia("not_media", f"the file is not a video: {e}") from None


def _check_image(store: ObjectStore, key: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with store.open_read(key) as f, Image.open(f) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise NotMedia("not_an_image", f"the file is not a readable image: {e}") from None
    if image_format not in IMAGE_FORMATS:
        raise NotMedia(
            "unsupported_image", f"{image_format} images are not accepted; use JPEG, PNG or WebP"
        )
