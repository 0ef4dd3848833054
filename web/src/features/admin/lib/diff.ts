/** What a 412 means for the admin: the fields someone else changed since the form was read,
 * and which of them the admin changed too (a conflict), so they can decide what to reapply. */
export interface FieldChange {
  field: string;
  /** The value the admin's form started from. */
  base: unknown;
  /** The value on the server now. */
  current: unknown;
  /** The admin's value, when they changed this field. */
  mine?: unknown;
  /** Both changed it, to different values. */
  conflict: boolean;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    // Id lists (categories, genres, …) are sets: their order carries no meaning.
    return (
      a.length === b.length && [...a].map(String).sort().join() === [...b].map(String).sort().join()
    );
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return (a ?? null) === (b ?? null);
}

/** The fields of `draft` whose value differs from `base`: what a PATCH should send. */
export function changedFields<T extends object>(base: T, draft: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(draft) as (keyof T)[]) {
    if (!sameValue(draft[key], base[key])) out[key] = draft[key];
  }
  return out;
}

/** Compare the version the admin edited (`base`) with the server's (`current`), over `fields`. */
export function diffVersions<T extends object>(
  base: T,
  current: T,
  draft: Partial<T>,
  fields: readonly (keyof T & string)[],
): FieldChange[] {
  const mine = changedFields(base, draft);
  const rows: FieldChange[] = [];
  for (const field of fields) {
    const theirs = !sameValue(base[field], current[field]);
    const ours = field in mine;
    if (!theirs && !ours) continue;
    rows.push({
      field,
      base: base[field],
      current: current[field],
      ...(ours ? { mine: mine[field] } : {}),
      conflict: theirs && ours && !sameValue(mine[field], current[field]),
    });
  }
  return rows;
}
