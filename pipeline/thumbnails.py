"""Poster and seek-preview sprites: tiles picked from the chunks' decoded frames, then sheets.

Each chunk stores its tiles as one horizontal strip; once every chunk is done the strips are
cut up and laid out on sprite sheets of ``SHEET_COLUMNS`` x ``SHEET_ROWS`` tiles, indexed by
a WebVTT file whose cues point at ``sheet.jpg#xywh=x,y,w,h`` as seek-preview players expect.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from fractions import Fraction

from av.video.frame import VideoFrame
from av.video.reformatter import Interpolation, VideoReformatter
from PIL import Image

from codeflix.storage import ObjectStore
from pipeline.job import THUMBNAILS_VTT, ThumbnailSpec

SHEET_COLUMNS = 10
SHEET_ROWS = 10
TILE_WIDTH = 160
POSTER_MAX_WIDTH = 1280
JPEG_QUALITY = 80


def plan_thumbnails(
    display_width: int, display_height: int, duration: float, frame_rate: Fraction
) -> ThumbnailSpec:
    """Tile size and spacing (denser for short titles) and which frame becomes the poster."""
    interval = 2 if duration < 120 else 5 if duration < 1800 else 10
    tile_h = max(2, round(TILE_WIDTH * display_height / display_width / 2) * 2)
    poster_w = min(POSTER_MAX_WIDTH, display_width) // 2 * 2
    poster_h = max(2, round(poster_w * display_height / display_width / 2) * 2)
    poster_seconds = min(duration * 0.1, 30.0)  # past opening black, well inside the title
    return ThumbnailSpec(
        interval_frames=max(1, round(interval * frame_rate)),
        tile_width=TILE_WIDTH,
        tile_height=tile_h,
        poster_frame=int(poster_seconds * frame_rate),
        poster_width=max(2, poster_w),
        poster_height=poster_h,
    )


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


class TileCollector:
    """Keeps the tiles (and the poster) that fall in one chunk while its frames go by."""

    def __init__(self, spec: ThumbnailSpec) -> None:
        self.spec = spec
        self.scaler = VideoReformatter()
        self.tiles: list[tuple[int, Image.Image]] = []
        self.poster: Image.Image | None = None

    def offer(self, n: int, frame: VideoFrame) -> None:
        spec = self.spec
        if n % spec.interval_frames == 0:
            self.tiles.append((n, self._image(frame, spec.tile_width, spec.tile_height)))
        if n == spec.poster_frame:
            self.poster = self._image(frame, spec.poster_width, spec.poster_height)

    def _image(self, frame: VideoFrame, width: int, height: int) -> Image.Image:
        rgb = self.scaler.reformat(
            frame, width=width, height=height, format="rgb24", interpolation=Interpolation.AREA
        )
        return rgb.to_image()

    def upload(
        self, store: ObjectStore, poster_key: str, state: ObjectStore, strip_key: str
    ) -> list[int]:
        """Store the poster (published) and the strip of tiles (job state, until the sprites
        are laid out); return the frame index of every tile."""
        if self.poster is not None:
            store.write_bytes(poster_key, _jpeg(self.poster))
        if not self.tiles:
            return []
        w, h = self.spec.tile_width, self.spec.tile_height
        strip = Image.new("RGB", (w * len(self.tiles), h))
        for i, (_, tile) in enumerate(self.tiles):
            strip.paste(tile, (i * w, 0))
        state.write_bytes(strip_key, _jpeg(strip))
        return [n for n, _ in self.tiles]


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def write_sprites(
    store: ObjectStore,
    state: ObjectStore,
    spec: ThumbnailSpec,
    strips: Iterable[tuple[str, list[int]]],
    frame_rate: Fraction,
    duration: float,
) -> str:
    """Lay the chunks' strips (read from ``state``) out on sprite sheets, write them and the
    WebVTT to ``store``; return the WebVTT's key."""
    w, h = spec.tile_width, spec.tile_height
    tiles: list[tuple[int, Image.Image]] = []
    for key, frames in strips:
        if not frames:
            continue
        strip = Image.open(io.BytesIO(state.read_bytes(key)))
        tiles += [(n, strip.crop((i * w, 0, (i + 1) * w, h))) for i, n in enumerate(frames)]
    tiles.sort(key=lambda t: t[0])
    per_sheet = SHEET_COLUMNS * SHEET_ROWS
    cues = ["WEBVTT", ""]
    folder = THUMBNAILS_VTT.rsplit("/", 1)[0]
    for sheet_no in range(0, len(tiles), per_sheet):
        batch = tiles[sheet_no : sheet_no + per_sheet]
        rows = (len(batch) + SHEET_COLUMNS - 1) // SHEET_COLUMNS
        sheet = Image.new("RGB", (w * min(SHEET_COLUMNS, len(batch)), h * rows))
        name = f"sprite_{sheet_no // per_sheet:03d}.jpg"
        for i, (n, tile) in enumerate(batch):
            x, y = (i % SHEET_COLUMNS) * w, (i // SHEET_COLUMNS) * h
            sheet.paste(tile, (x, y))
            start = float(n / frame_rate)
            end = min(duration, float((n + spec.interval_frames) / frame_rate))
            cues += [
                f"{_timestamp(start)} --> {_timestamp(end)}",
                f"{name}#xywh={x},{y},{w},{h}",
                "",
            ]
        store.write_bytes(f"{folder}/{name}", _jpeg(sheet))
    store.write_bytes(THUMBNAILS_VTT, "\n".join(cues).encode())
    return THUMBNAILS_VTT
