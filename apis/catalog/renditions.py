"""What an encode left in storage, for the admin's rendition table: each rung's size on disk
and the seek-preview sprite sheets.

The encoder's ``video.encoding.completed`` names the rungs and the WebVTT of the previews; the
bytes each rung takes and the sheets the WebVTT points at are read from the HLS tree itself,
in one listing, when the catalog records the completion.
"""

from __future__ import annotations

import logging
import posixpath
from typing import Any

from codeflix.events import VideoEncodingCompleted
from codeflix.storage import ObjectStore

log = logging.getLogger("codeflix.catalog")
SPRITE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def encoded_inventory(
    store: ObjectStore, completed: VideoEncodingCompleted
) -> tuple[list[dict[str, Any]], list[str] | None]:
    """The renditions with ``size_bytes`` (init and segments of the rung's folder) and the
    sprite sheets beside the WebVTT; sizes and sheets stay unknown (None) if storage fails."""
    renditions = [r.model_dump() for r in completed.renditions]
    prefix = completed.hls_prefix.strip("/")
    try:
        sizes = store.sizes(prefix)
    except Exception:  # the encode is done all the same: its table just lacks sizes
        log.exception("listing the HLS tree %s failed", prefix)
        return [{**r, "size_bytes": None} for r in renditions], None
    for rendition in renditions:
        folder = posixpath.dirname(rendition["playlist"])
        inside = f"{prefix}/{folder}/" if folder else None
        rendition["size_bytes"] = (
            sum(size for key, size in sizes.items() if not key.endswith(".m3u8")
                and key.startswith(inside))
            if inside
            else None  # a rung whose playlist shares the root with others: not separable
        )  # fmt: skip
    sprites = None
    if completed.thumbnails_key:
        folder = posixpath.dirname(completed.thumbnails_key)
        sprites = sorted(
            key
            for key in sizes
            if posixpath.dirname(key) == folder and key.lower().endswith(SPRITE_EXTENSIONS)
        )
    return renditions, sprites
