"""Per-grant views of HLS playlists: a master playlist limited to the rungs a viewer may watch."""

from __future__ import annotations

import re

_RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")


def _height(tag_line: str) -> int | None:
    match = _RESOLUTION.search(tag_line)
    return int(match.group(2)) if match else None


def is_master_playlist(text: str) -> bool:
    return "#EXT-X-STREAM-INF" in text


def limit_master_playlist(text: str, max_height: int) -> str:
    """The master playlist without the variants taller than ``max_height``.

    Variants without a RESOLUTION (audio-only) stay. If every video variant is too tall the
    shortest one stays, so a viewer on a small plan still gets a playable, if sharper, stream
    rather than an empty playlist.
    """
    lines = text.splitlines()
    heights = [h for line in lines if (h := _height(line)) is not None and "STREAM-INF" in line]
    if heights and min(heights) > max_height:
        max_height = min(heights)
    kept: list[str] = []
    skip_uri = False
    for line in lines:
        if skip_uri:
            # The URI line that follows a dropped #EXT-X-STREAM-INF (comments may sit between).
            if line and not line.startswith("#"):
                skip_uri = False
            continue
        height = _height(line)
        too_tall = height is not None and height > max_height
        if line.startswith("#EXT-X-STREAM-INF") and too_tall:
            skip_uri = True
            continue
        if line.startswith("#EXT-X-I-FRAME-STREAM-INF") and too_tall:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def variant_uris_above(text: str, max_height: int) -> set[str]:
    """The URIs of the variants that :func:`limit_master_playlist` removes (relative as written)."""
    limited = limit_master_playlist(text, max_height)
    return _variant_uris(text) - _variant_uris(limited)


def _variant_uris(text: str) -> set[str]:
    uris: set[str] = set()
    expect_uri = False
    for line in text.splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            expect_uri = True
        elif expect_uri and line and not line.startswith("#"):
            uris.add(line.strip())
            expect_uri = False
    return uris
