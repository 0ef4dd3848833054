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


def check_media(
    store: ObjectStore,
    key: str,
    kind: str,
    storage_options: dict[str, Any],
    *,
    max_image_pixels: int,
) -> None:
    """Raise :class:`NotMedia` unless the object at ``key`` is a playable video (video,
    trailer) or a JPEG/PNG/WebP image of at most ``max_image_pixels`` pixels (banner,
    thumbnail). Blocking: call it from a thread."""
    if kind in ("video", "trailer"):
        _check_video(store, key, storage_options)
    else:
        _check_image(store, key, max_image_pixels)


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


def _check_image(store: ObjectStore, key: str, max_pixels: int) -> None:
    from PIL import Image, UnidentifiedImageError

    # Only the accepted formats are parsed at all: Pillow's other readers are no concern of a
    # banner and only widen what a crafted file can reach.
    try:
        with store.open_read(key) as f, Image.open(f, formats=sorted(IMAGE_FORMATS)) as image:
            width, height = image.size
            if width * height <= max_pixels:
                image.verify()  # the structure and checksums, without decoding the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (its warning is an error where warnings are) at a size far past
        # ours; a declared size is all it takes, so the answer is the same.
        raise _too_large(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise NotMedia(
            "not_an_image", f"the file is not a readable JPEG, PNG or WebP image: {e}"
        ) from None
    if width * height > max_pixels:
        raise _too_large(max_pixels, f"{width}x{height}")


def _too_large(max_pixels: int, size: str = "") -> NotMedia:
    declared = f" ({size})" if size else ""
    return NotMedia(
        "image_too_large",
        f"the image declares more pixels{declared} than the {max_pixels} pixels accepted",
    )
