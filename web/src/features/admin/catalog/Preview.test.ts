import { describe, expect, it } from "vitest";
import { renditionSize } from "./Preview";

describe("renditionSize", () => {
  it("uses the size the encoder reported", () => {
    expect(renditionSize({ size_bytes: 3_145_728, average_bandwidth: 1 }, 10)).toBe("3.0 MB");
  });

  it("estimates it from the average bit rate and the length, and says so", () => {
    expect(renditionSize({ average_bandwidth: 2_000_000 }, 6)).toBe("≈ 1.4 MB");
  });

  it("has nothing to show without either", () => {
    expect(renditionSize({ bandwidth: 2_000_000 }, 6)).toBe("–");
    expect(renditionSize({ average_bandwidth: 2_000_000 }, null)).toBe("–");
  });
});
