/** The viewer's captions choice, remembered in this browser per signed-in viewer. */

const PREFIX = "codeflix.captions.";
export const CAPTIONS_OFF = "off";

export interface CaptionTrack {
  index: number;
  label: string;
  lang?: string;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled (private mode, sandboxed frame): nothing is remembered
  }
}

/** The language last chosen (or "off"); null when this viewer never chose. */
export function rememberedCaptions(viewer: string | undefined): string | null {
  if (!viewer) return null;
  return storage()?.getItem(PREFIX + viewer) ?? null;
}

export function rememberCaptions(viewer: string | undefined, choice: string): void {
  if (!viewer) return;
  try {
    storage()?.setItem(PREFIX + viewer, choice);
  } catch {
    // a full storage only loses the preference
  }
}

/** The track to show for a remembered choice: -1 for off, the index of the same language
 * (or the same primary language: "pt" for "pt-BR"), or null to leave the stream's default. */
export function pickCaptions(tracks: CaptionTrack[], remembered: string | null): number | null {
  if (remembered === null) return null;
  if (remembered === CAPTIONS_OFF) return -1;
  const wanted = remembered.toLowerCase();
  const exact = tracks.find((t) => t.lang?.toLowerCase() === wanted);
  if (exact) return exact.index;
  const primary = wanted.split("-")[0];
  const near = tracks.find((t) => t.lang?.toLowerCase().split("-")[0] === primary);
  return near ? near.index : null;
}

/** What to remember for the track at ``index`` (-1: off). */
export function captionsChoice(tracks: CaptionTrack[], index: number): string | null {
  if (index < 0) return CAPTIONS_OFF;
  return tracks.find((t) => t.index === index)?.lang ?? null;
}
