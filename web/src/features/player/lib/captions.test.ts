import { beforeEach, describe, expect, it } from "vitest";
import {
  CAPTIONS_OFF,
  captionsChoice,
  pickCaptions,
  rememberCaptions,
  rememberedCaptions,
} from "./captions";

const tracks = [
  { index: 0, label: "Português", lang: "pt-BR" },
  { index: 1, label: "English", lang: "en" },
];

describe("captions choice", () => {
  beforeEach(() => window.localStorage.clear());

  it("is remembered per viewer", () => {
    rememberCaptions("viewer-1", "en");
    rememberCaptions("viewer-2", CAPTIONS_OFF);
    expect(rememberedCaptions("viewer-1")).toBe("en");
    expect(rememberedCaptions("viewer-2")).toBe(CAPTIONS_OFF);
    expect(rememberedCaptions("viewer-3")).toBeNull();
    expect(rememberedCaptions(undefined)).toBeNull();
  });

  it("picks the remembered language, its primary language, off, or leaves the default", () => {
    expect(pickCaptions(tracks, "en")).toBe(1);
    expect(pickCaptions(tracks, "EN")).toBe(1);
    expect(pickCaptions(tracks, "pt-PT")).toBe(0);
    expect(pickCaptions(tracks, CAPTIONS_OFF)).toBe(-1);
    expect(pickCaptions(tracks, "de")).toBeNull();
    expect(pickCaptions(tracks, null)).toBeNull();
  });

  it("turns a menu choice into what is remembered", () => {
    expect(captionsChoice(tracks, -1)).toBe(CAPTIONS_OFF);
    expect(captionsChoice(tracks, 0)).toBe("pt-BR");
    expect(captionsChoice(tracks, 7)).toBeNull();
  });
});
