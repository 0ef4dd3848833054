import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useId, useState } from "react";
import { Link, useNavigate } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { describeError, isProblem, type ProblemError } from "@/lib/problems";
import {
  type Collection,
  createOne,
  deleteOne,
  readOne,
  type Tagged,
  updateOne,
} from "../api/admin";
import { changedFields, diffVersions, type FieldChange } from "../lib/diff";

export type FormValues = Record<string, unknown>;

export interface FieldSpec {
  name: string;
  label: string;
  kind: "text" | "textarea" | "number" | "checkbox" | "select" | "multi";
  options?: { value: string; label: string }[];
  required?: boolean;
  hint?: string;
}

/** Field errors of a 422 problem by field name (`loc` is `["body", field, …]`); the rest
 * (errors about the body as a whole, or a field the form does not show) under "". */
export function errorsByField(
  error: ProblemError,
  fields: readonly string[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of error.problem.errors ?? []) {
    const named = e.loc.find((part) => typeof part === "string" && fields.includes(part));
    const key = typeof named === "string" ? named : "";
    out[key] = [...(out[key] ?? []), key ? e.msg : `${e.loc.join(".")}: ${e.msg}`];
  }
  return out;
}

/** What the form shows for a resource: its editable fields only. */
function formOf(item: object, fields: readonly FieldSpec[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const value = (item as Record<string, unknown>)[f.name];
    values[f.name] = f.kind === "multi" ? [...((value as string[] | undefined) ?? [])] : value;
  }
  return values;
}

/** Form values as the API takes them: numbers from number inputs, "" as no description. */
function bodyOf(values: FormValues, fields: readonly FieldSpec[]): FormValues {
  const body: FormValues = {};
  for (const [name, value] of Object.entries(values)) {
    const spec = fields.find((f) => f.name === name);
    if (spec?.kind === "number") body[name] = value === "" || value === null ? null : Number(value);
    else if (spec?.kind === "textarea" && value === "") body[name] = null;
    else body[name] = value;
  }
  return body;
}

function display(value: unknown, spec: FieldSpec | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) {
    const labels = value.map((v) => spec?.options?.find((o) => o.value === v)?.label ?? String(v));
    return labels.length ? labels.join(", ") : "none";
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  return spec?.options?.find((o) => o.value === value)?.label ?? String(value);
}

interface Conflict {
  current: Tagged<object>;
  rows: FieldChange[];
}

/** Create or edit one catalog item. Updates send If-Match; a 412 shows what someone else
 * changed and lets the admin reapply their own changes on top. A refused delete (409) shows
 * the API's detail, which names what still uses the item. */
export function CatalogEditor<T extends { id: string }>({
  collection,
  id,
  noun,
  plural,
  fields,
  defaults,
  listPath,
  titleOf,
  children,
}: {
  collection: Collection;
  id: string | "new";
  noun: string;
  /** The list's name in "← All …". */
  plural: string;
  fields: FieldSpec[];
  defaults: FormValues;
  listPath: string;
  titleOf: (item: T) => string;
  /** More of the page for an item that exists (media, uploads, preview). */
  children?: (item: Tagged<T>, patch: (changes: FormValues) => Promise<void>) => ReactNode;
}) {
  const creating = id === "new";
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const formId = useId();
  const item = useQuery({
    queryKey: ["admin", collection, "one", id],
    queryFn: () => readOne<T>(collection, id),
    enabled: !creating,
  });
  // The version the form started from: a refetch (a live media change) does not move it,
  // so the If-Match the form sends is the one its values were read with.
  const [base, setBase] = useState<Tagged<T> | null>(null);
  const [draft, setDraft] = useState<FormValues>(defaults);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const names = fields.map((f) => f.name);

  useEffect(() => {
    if (item.data && !base) {
      setBase(item.data);
      setDraft(formOf(item.data.data, fields));
    }
  }, [item.data, base, fields]);

  const adopt = (tagged: Tagged<T>) => {
    setBase(tagged);
    setDraft(formOf(tagged.data, fields));
    queryClient.setQueryData(["admin", collection, "one", id], tagged);
    void queryClient.invalidateQueries({ queryKey: ["admin", collection, "list"] });
  };

  const fail = (error: unknown) => {
    if (isProblem(error, 422)) setErrors(errorsByField(error, names));
    else setFailure(error);
  };

  const reset = () => {
    setErrors({});
    setFailure(null);
    setSaved(false);
  };

  /** PATCH `changes` against the version the form started from; a 412 opens the diff. */
  const patch = async (changes: FormValues, from: Tagged<T> | null = base) => {
    if (!from) return;
    reset();
    setSaving(true);
    try {
      adopt(await updateOne<T>(collection, from.data.id, bodyOf(changes, fields), from.etag));
      setConflict(null);
      setSaved(true);
    } catch (error) {
      if (isProblem(error, 412)) {
        const current = await readOne<T>(collection, from.data.id);
        const rows = diffVersions(
          formOf(from.data, fields),
          formOf(current.data, fields),
          { ...formOf(from.data, fields), ...changes },
          names,
        );
        setConflict({ current, rows });
      } else fail(error);
    } finally {
      setSaving(false);
    }
  };

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    reset();
    if (creating) {
      setSaving(true);
      try {
        const created = await createOne<T>(collection, bodyOf(draft, fields));
        void queryClient.invalidateQueries({ queryKey: ["admin", collection, "list"] });
        navigate(`${listPath}/${created.data.id}`, { replace: true });
      } catch (error) {
        fail(error);
      } finally {
        setSaving(false);
      }
      return;
    }
    if (!base) return;
    const changes = changedFields(formOf(base.data, fields), draft);
    if (Object.keys(changes).length === 0) {
      setSaved(true);
      return;
    }
    await patch(changes);
  };

  const remove = async () => {
    if (!base) return;
    reset();
    try {
      await deleteOne(collection, base.data.id, base.etag);
      void queryClient.invalidateQueries({ queryKey: ["admin", collection, "list"] });
      navigate(listPath, { replace: true });
    } catch (error) {
      setConfirmDelete(false);
      setFailure(error);
    }
  };

  if (!creating && item.isPending) return <Spinner />;
  if (!creating && item.isError) {
    return (
      <section className="admin-page">
        <ErrorNotice error={item.error} onRetry={() => item.refetch()} />
        <Link to={listPath}>Back to the list</Link>
      </section>
    );
  }

  const general = errors[""];
  const heading = creating ? `New ${noun}` : base ? titleOf(base.data) : noun;
  return (
    <section className="admin-page">
      <p className="admin-crumbs">
        <Link to={listPath}>← All {plural}</Link>
      </p>
      <h1>{heading}</h1>
      {conflict && (
        <ConflictPanel
          noun={noun}
          conflict={conflict}
          fields={fields}
          saving={saving}
          onReapply={() => {
            const mine = Object.fromEntries(
              conflict.rows.filter((r) => "mine" in r).map((r) => [r.field, r.mine]),
            );
            void patch(mine, conflict.current as Tagged<T>);
          }}
          onDiscard={() => {
            adopt(conflict.current as Tagged<T>);
            setConflict(null);
          }}
        />
      )}
      <form className="admin-form" id={formId} onSubmit={save} noValidate>
        {fields.map((f) => (
          <Field
            key={f.name}
            spec={f}
            value={draft[f.name]}
            errors={errors[f.name]}
            onChange={(value) => setDraft((d) => ({ ...d, [f.name]: value }))}
          />
        ))}
        {general && (
          <div className="notice notice--error" role="alert">
            {general.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        )}
        {failure !== null && (
          <div className="notice notice--error" role="alert">
            <p>{describeError(failure)}</p>
          </div>
        )}
        <div className="admin-form__actions">
          <button type="submit" className="button" disabled={saving}>
            {creating ? `Create ${noun}` : "Save changes"}
          </button>
          {saved && (
            <span className="admin-saved" role="status">
              Saved
            </span>
          )}
          {!creating &&
            (confirmDelete ? (
              <span className="admin-confirm">
                Delete this {noun}?{" "}
                <button
                  type="button"
                  className="button button--danger button--small"
                  onClick={remove}
                >
                  Delete for good
                </button>{" "}
                <button
                  type="button"
                  className="button button--ghost button--small"
                  onClick={() => setConfirmDelete(false)}
                >
                  Keep it
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="button button--ghost"
                onClick={() => setConfirmDelete(true)}
              >
                Delete
              </button>
            ))}
        </div>
      </form>
      {!creating && base && children?.(item.data ?? base, (changes) => patch(changes))}
    </section>
  );
}

function Field({
  spec,
  value,
  errors,
  onChange,
}: {
  spec: FieldSpec;
  value: unknown;
  errors?: string[];
  onChange: (value: unknown) => void;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const invalid = errors && errors.length > 0;
  const described = invalid ? { "aria-invalid": true, "aria-describedby": errorId } : {};
  const message = invalid && (
    <span className="field-error" id={errorId}>
      {errors.join("; ")}
    </span>
  );
  if (spec.kind === "checkbox") {
    return (
      <div className="admin-field admin-field--check">
        <label>
          <input
            type="checkbox"
            checked={Boolean(value)}
            onChange={(e) => onChange(e.target.checked)}
            {...described}
          />{" "}
          {spec.label}
        </label>
        {message}
      </div>
    );
  }
  if (spec.kind === "multi") {
    const selected = (value as string[] | undefined) ?? [];
    return (
      <fieldset className="admin-field admin-field--multi" {...described}>
        <legend>{spec.label}</legend>
        {spec.options?.length ? (
          spec.options.map((o) => (
            <label key={o.value}>
              <input
                type="checkbox"
                checked={selected.includes(o.value)}
                onChange={(e) =>
                  onChange(
                    e.target.checked
                      ? [...selected, o.value]
                      : selected.filter((v) => v !== o.value),
                  )
                }
              />{" "}
              {o.label}
            </label>
          ))
        ) : (
          <span className="muted">None to choose from yet.</span>
        )}
        {spec.hint && <span className="muted admin-field__hint">{spec.hint}</span>}
        {message}
      </fieldset>
    );
  }
  const common = {
    id,
    name: spec.name,
    required: spec.required,
    ...described,
  };
  return (
    <div className="admin-field">
      <label htmlFor={id}>{spec.label}</label>
      {spec.kind === "textarea" ? (
        <textarea
          {...common}
          rows={4}
          value={(value as string | null) ?? ""}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : spec.kind === "select" ? (
        <select
          {...common}
          value={(value as string | null) ?? ""}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">Choose…</option>
          {spec.options?.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={spec.kind === "number" ? "number" : "text"}
          value={value === null || value === undefined ? "" : String(value)}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {spec.hint && <span className="muted admin-field__hint">{spec.hint}</span>}
      {message}
    </div>
  );
}

function ConflictPanel({
  noun,
  conflict,
  fields,
  saving,
  onReapply,
  onDiscard,
}: {
  noun: string;
  conflict: Conflict;
  fields: FieldSpec[];
  saving: boolean;
  onReapply: () => void;
  onDiscard: () => void;
}) {
  const mine = conflict.rows.some((r) => "mine" in r);
  return (
    <div className="notice admin-conflict" role="alert" aria-labelledby="conflict-title">
      <h2 id="conflict-title">Someone else changed this {noun} while you were editing</h2>
      <p>Your changes were not saved. This is what differs:</p>
      <div className="admin-table__wrap">
        <table className="admin-table admin-conflict__table">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">When you opened it</th>
              <th scope="col">Now</th>
              <th scope="col">Your change</th>
            </tr>
          </thead>
          <tbody>
            {conflict.rows.map((row) => {
              const spec = fields.find((f) => f.name === row.field);
              return (
                <tr key={row.field} className={row.conflict ? "admin-conflict__clash" : undefined}>
                  <th scope="row">{spec?.label ?? row.field}</th>
                  <td>{display(row.base, spec)}</td>
                  <td>{display(row.current, spec)}</td>
                  <td>
                    {"mine" in row ? (
                      display(row.mine, spec)
                    ) : (
                      <span className="muted">unchanged</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="admin-form__actions">
        {mine && (
          <button type="button" className="button" onClick={onReapply} disabled={saving}>
            Reapply my changes
          </button>
        )}
        <button type="button" className="button button--ghost" onClick={onDiscard}>
          Discard mine, load theirs
        </button>
      </div>
    </div>
  );
}
