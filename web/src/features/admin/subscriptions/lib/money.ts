/** Money as an admin types it ("19.90", "19,90", "20") and as the API keeps it (cents). */

/** Cents from a typed amount, or null when it is not an amount of money. */
export function parseCents(typed: string): number | null {
  const text = typed.trim().replace(",", ".");
  const found = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!found) return null;
  const [, whole = "0", fraction = ""] = found;
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** What goes back into an input for `cents` ("19.90"). */
export function centsToInput(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}
