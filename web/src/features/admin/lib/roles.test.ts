import { describe, expect, it } from "vitest";
import { ANY_ADMIN, CATALOG, mayOpen, rolesOf, SUBSCRIPTIONS } from "./roles";

function token(claims: object): string {
  const json = new TextEncoder().encode(JSON.stringify(claims));
  const base64url = btoa(String.fromCharCode(...json))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  return `e30.${base64url}.signature`;
}

describe("rolesOf", () => {
  it("reads realm_access.roles from the access token", () => {
    expect(rolesOf(token({ realm_access: { roles: ["catalog-admin", "user"] } }))).toEqual([
      "catalog-admin",
      "user",
    ]);
  });

  it("decodes UTF-8 claims next to the roles", () => {
    expect(rolesOf(token({ name: "Zoë ✓", realm_access: { roles: ["admin"] } }))).toEqual([
      "admin",
    ]);
  });

  it("finds no roles in a token without them, or in something that is not a JWT", () => {
    expect(rolesOf(token({ sub: "1" }))).toEqual([]);
    expect(rolesOf(token({ realm_access: { roles: "admin" } }))).toEqual([]);
    expect(rolesOf("not-a-token")).toEqual([]);
    expect(rolesOf("a.%%%.c")).toEqual([]);
    expect(rolesOf(null)).toEqual([]);
  });
});

describe("mayOpen", () => {
  it("lets each admin role open its own pages only", () => {
    expect(mayOpen(["catalog-admin"], CATALOG)).toBe(true);
    expect(mayOpen(["catalog-admin"], SUBSCRIPTIONS)).toBe(false);
    expect(mayOpen(["subscription-admin"], SUBSCRIPTIONS)).toBe(true);
    expect(mayOpen(["subscription-admin"], ANY_ADMIN)).toBe(true);
  });

  it("lets admin open everything and a viewer nothing", () => {
    expect(mayOpen(["admin"], CATALOG)).toBe(true);
    expect(mayOpen(["admin"], SUBSCRIPTIONS)).toBe(true);
    expect(mayOpen(["user"], ANY_ADMIN)).toBe(false);
    expect(mayOpen([], ANY_ADMIN)).toBe(false);
  });
});
