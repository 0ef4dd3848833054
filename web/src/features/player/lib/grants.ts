/** Grant URLs put the grant in one path component: `/media/g/<grant>/videos/<id>/hls/...`.
 * A renewed grant covers the same tree, so every URL the player already knows keeps working
 * once its grant component is swapped for the new one. */
const GRANT = /\/media\/g\/[^/]+\//;

export function grantOf(url: string): string | null {
  const match = GRANT.exec(url);
  return match ? match[0] : null;
}

export function withGrant(url: string, grantUrl: string): string {
  const fresh = grantOf(grantUrl);
  return fresh && GRANT.test(url) ? url.replace(GRANT, fresh) : url;
}

/** Seconds before expiry at which to renew: a minute early, never less than 5 s from now. */
export function renewDelayMs(expiresAt: string, now: number = Date.now()): number {
  return Math.max(5_000, new Date(expiresAt).getTime() - now - 60_000);
}
