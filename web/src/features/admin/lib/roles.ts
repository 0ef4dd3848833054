/** Admin roles, as the identity service puts them in the access token's `realm_access.roles`. */
export const ADMIN = "admin";
export const CATALOG_ADMIN = "catalog-admin";
export const SUBSCRIPTION_ADMIN = "subscription-admin";
export type AdminRole = typeof ADMIN | typeof CATALOG_ADMIN | typeof SUBSCRIPTION_ADMIN;

/** The realm roles in a JWT access token (an empty list for anything that is not one).
 * The browser only reads them to choose what to show: every API checks the token itself. */
export function rolesOf(accessToken: string | null | undefined): string[] {
  const payload = accessToken?.split(".")[1];
  if (!payload) return [];
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as {
      realm_access?: { roles?: unknown };
    };
    const roles = claims.realm_access?.roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  } catch {
    return [];
  }
}

/** Whether someone with `roles` may open a page meant for `allowed` (`admin` opens every page). */
export function mayOpen(roles: readonly string[], allowed: readonly AdminRole[]): boolean {
  return roles.includes(ADMIN) || allowed.some((role) => roles.includes(role));
}

/** The admin console is for anyone holding at least one admin role. */
export const ANY_ADMIN: readonly AdminRole[] = [ADMIN, CATALOG_ADMIN, SUBSCRIPTION_ADMIN];
export const CATALOG: readonly AdminRole[] = [CATALOG_ADMIN];
export const SUBSCRIPTIONS: readonly AdminRole[] = [SUBSCRIPTION_ADMIN];
