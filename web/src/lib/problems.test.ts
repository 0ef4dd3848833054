import { describe, expect, it } from "vitest";
import { describeError, isProblem, ProblemError, problemFrom } from "./problems";

describe("problem details", () => {
  it("reads an RFC 9457 document and its field errors", async () => {
    const response = new Response(
      JSON.stringify({
        type: "https://codeflix.dev/problems/unprocessable",
        title: "Unprocessable Content",
        status: 422,
        detail: "number: not a card number",
        errors: [
          { loc: ["body", "payment_method", "number"], msg: "not a card number" },
          { loc: ["body", "payment_method", "exp_month"], msg: "must be 1 to 12" },
        ],
      }),
      { status: 422, headers: { "Content-Type": "application/problem+json" } },
    );
    const problem = await problemFrom(response);
    expect(isProblem(problem, 422)).toBe(true);
    expect(problem.message).toBe("number: not a card number");
    expect(problem.fieldErrors()).toEqual({
      number: "not a card number",
      exp_month: "must be 1 to 12",
    });
  });

  it("copes with a body that is not a problem document", async () => {
    const problem = await problemFrom(
      new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    );
    expect(problem.status).toBe(502);
    expect(problem.message).toBe("Bad Gateway");
  });

  it("says what a network failure means to a person", () => {
    expect(describeError(new TypeError("Failed to fetch"))).toMatch(/cannot be reached/);
    expect(describeError(new ProblemError({ status: 402, detail: "card_declined" }))).toBe(
      "card_declined",
    );
  });
});
