import { useCallback, useState } from "react";

/** Walk the API's cursor pages forwards and back. A cursor only leads forwards, so the cursors
 * of the pages seen are kept; `null` is the first page. A new `key` (other filters) starts
 * again from the first page. */
export function useCursorPages(key: string) {
  const [state, setState] = useState<{ key: string; trail: (string | null)[] }>({
    key,
    trail: [null],
  });
  const trail = state.key === key ? state.trail : [null];
  const cursor = trail[trail.length - 1] ?? null;
  const next = useCallback(
    (nextCursor: string) =>
      setState((s) => ({ key, trail: [...(s.key === key ? s.trail : [null]), nextCursor] })),
    [key],
  );
  const previous = useCallback(
    () =>
      setState((s) => ({
        key,
        trail: s.key === key && s.trail.length > 1 ? s.trail.slice(0, -1) : [null],
      })),
    [key],
  );
  return { cursor, page: trail.length, next, previous };
}
