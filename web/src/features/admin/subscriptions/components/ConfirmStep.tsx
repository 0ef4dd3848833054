import { type ReactNode, useEffect, useId, useRef } from "react";

/** The step between asking for something that cannot be undone and doing it: it says what
 * will happen, and nothing happens until the admin confirms. */
export function ConfirmStep({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  pending = false,
  canConfirm = true,
  error,
  testId,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  pending?: boolean;
  /** False while what the step asks for is not complete (an amount to type). */
  canConfirm?: boolean;
  /** A failure to show inside the step (the admin may correct and confirm again). */
  error?: ReactNode;
  testId?: string;
}) {
  const titleId = useId();
  const box = useRef<HTMLElement>(null);
  // Keyboard and screen reader users land on the question they have to answer.
  useEffect(() => box.current?.focus(), []);
  return (
    <section
      ref={box}
      className="confirm-step"
      role="alertdialog"
      aria-labelledby={titleId}
      tabIndex={-1}
      data-testid={testId}
      onKeyDown={(e) => {
        if (e.key === "Escape" && !pending) onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      {error}
      <div className="confirm-step__actions">
        <button
          type="button"
          className="button"
          onClick={onConfirm}
          disabled={pending || !canConfirm}
        >
          {confirmLabel}
        </button>
        <button
          type="button"
          className="button button--ghost"
          onClick={onCancel}
          disabled={pending}
        >
          Go back
        </button>
      </div>
    </section>
  );
}
