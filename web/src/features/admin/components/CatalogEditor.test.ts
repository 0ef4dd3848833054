import { describe, expect, it } from "vitest";
import { ProblemError } from "@/lib/problems";
import { errorsByField } from "./CatalogEditor";

describe("errorsByField", () => {
  it("puts each problem detail next to the field its loc names", () => {
    const error = new ProblemError({
      status: 422,
      detail: "the request is not valid",
      errors: [
        { loc: ["body", "title"], msg: "String should have at least 1 character" },
        { loc: ["body", "genres", 0], msg: "genre Comedy is in none of the video's categories" },
        { loc: ["body", "genres", 1], msg: "no genre with this id" },
        { loc: ["body"], msg: "not_media" },
        { loc: ["query", "limit"], msg: "too large" },
      ],
    });
    expect(errorsByField(error, ["title", "genres", "description"])).toEqual({
      title: ["String should have at least 1 character"],
      genres: ["genre Comedy is in none of the video's categories", "no genre with this id"],
      "": ["body: not_media", "query.limit: too large"],
    });
  });

  it("has nothing to show for a problem without field errors", () => {
    expect(errorsByField(new ProblemError({ status: 422 }), ["title"])).toEqual({});
  });
});
