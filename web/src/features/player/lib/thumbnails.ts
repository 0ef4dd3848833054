/** Seek-preview thumbnails: the encoder's WebVTT whose cues name a sprite and a tile,
 * `sprite_000.jpg#xywh=160,90,160,90`. */
export interface Thumbnail {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function seconds(stamp: string): number {
  const parts = stamp.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

export function parseThumbnails(vtt: string, baseUrl: string): Thumbnail[] {
  const cues: Thumbnail[] = [];
  const lines = vtt.replace(/\r/g, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!line.includes("-->")) continue;
    const [from = "", to = ""] = line.split("-->");
    const target = (lines[i + 1] ?? "").trim();
    const match = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(target);
    if (!match) continue;
    const [, file = "", x, y, w, h] = match;
    cues.push({
      start: seconds(from),
      end: seconds(to.trim().split(/\s/)[0] ?? ""),
      url: new URL(file, baseUrl).toString(),
      x: Number(x),
      y: Number(y),
      w: Number(w),
      h: Number(h),
    });
  }
  return cues;
}

export function thumbnailAt(cues: Thumbnail[], time: number): Thumbnail | undefined {
  return cues.find((c) => time >= c.start && time < c.end) ?? cues[cues.length - 1];
}
