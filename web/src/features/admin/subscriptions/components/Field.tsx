import type { ReactNode } from "react";

/** A labelled form control with its problem detail right below it (announced with it). */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  /** The control: it takes `id`, and `fieldProps(id, error)` for its ARIA state. */
  children: ReactNode;
}) {
  return (
    <div className="admin-field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error && (
        <p className="admin-field__hint muted" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The ARIA state of a control whose Field may show an error or a hint. */
export function fieldProps(id: string, error: string | undefined, hasHint = false) {
  const describedBy = error ? `${id}-error` : hasHint ? `${id}-hint` : undefined;
  return { id, "aria-invalid": Boolean(error), "aria-describedby": describedBy };
}
