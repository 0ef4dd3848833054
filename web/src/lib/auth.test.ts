import { describe, expect, it } from "vitest";
import { createUserManager, safeReturnPath } from "./auth";

describe("sign-in", () => {
  it("uses the codeflix-web client with code + PKCE on the address the app is served from", () => {
    const manager = createUserManager("http://media-box:9000");
    expect(manager.settings.authority).toBe("http://media-box:9000/realms/codeflix");
    expect(manager.settings.client_id).toBe("codeflix-web");
    expect(manager.settings.response_type).toBe("code");
    expect(manager.settings.redirect_uri).toBe("http://media-box:9000/auth/callback");
  });

  it("keeps tokens out of web storage", async () => {
    const manager = createUserManager("http://codeflix.test");
    await manager.storeUser(
      // biome-ignore lint/suspicious/noExplicitAny: a minimal user for the store
      { toStorageString: () => JSON.stringify({ access_token: "secret-token" }) } as any,
    );
    const everything = JSON.stringify({ ...window.localStorage, ...window.sessionStorage });
    expect(everything).not.toContain("secret-token");
  });

  it("returns only to paths of this app", () => {
    expect(safeReturnPath("/title/42?x=1")).toBe("/title/42?x=1");
    expect(safeReturnPath("https://evil.test/")).toBe("/");
    expect(safeReturnPath("//evil.test/")).toBe("/");
    expect(safeReturnPath(undefined)).toBe("/");
    expect(safeReturnPath("/auth/callback")).toBe("/");
  });
});
