import { describe, expect, it } from "vitest";
import { changedFields, diffVersions, sameValue } from "./diff";

interface V {
  title: string;
  description: string | null;
  launch_year: number;
  genres: string[];
  published: boolean;
}

const base: V = {
  title: "Big Buck Bunny",
  description: null,
  launch_year: 2008,
  genres: ["a", "b"],
  published: false,
};
const fields = ["title", "description", "launch_year", "genres", "published"] as const;

describe("changedFields", () => {
  it("keeps only what the admin changed, treating id lists as sets", () => {
    const draft = { ...base, title: "Bunny", genres: ["b", "a"] };
    expect(changedFields(base, draft)).toEqual({ title: "Bunny" });
  });

  it("treats an empty description and a missing one alike only when both are null", () => {
    expect(changedFields(base, { description: "" })).toEqual({ description: "" });
    expect(changedFields(base, { description: null })).toEqual({});
  });
});

describe("diffVersions", () => {
  it("lists what the other admin changed and what this admin changed", () => {
    const current = { ...base, launch_year: 2009, published: true };
    const rows = diffVersions(base, current, { ...base, title: "Bunny" }, fields);
    expect(rows).toEqual([
      {
        field: "title",
        base: "Big Buck Bunny",
        current: "Big Buck Bunny",
        mine: "Bunny",
        conflict: false,
      },
      { field: "launch_year", base: 2008, current: 2009, conflict: false },
      { field: "published", base: false, current: true, conflict: false },
    ]);
  });

  it("flags a conflict when both changed a field to different values", () => {
    const current = { ...base, title: "Their title" };
    const [row] = diffVersions(base, current, { title: "My title" }, fields);
    expect(row).toMatchObject({
      field: "title",
      mine: "My title",
      current: "Their title",
      conflict: true,
    });
  });

  it("is no conflict when both made the same change", () => {
    const current = { ...base, genres: ["c"] };
    const [row] = diffVersions(base, current, { genres: ["c"] }, fields);
    expect(row?.conflict).toBe(false);
  });

  it("is empty when nothing differs", () => {
    expect(diffVersions(base, { ...base }, { ...base }, fields)).toEqual([]);
  });
});

describe("sameValue", () => {
  it("compares scalars, null and undefined, lists and objects", () => {
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue(0, null)).toBe(false);
    expect(sameValue(["1", "2"], ["2", "1"])).toBe(true);
    expect(sameValue(["1"], ["1", "1"])).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1 })).toBe(true);
  });
});
