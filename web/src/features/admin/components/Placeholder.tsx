/** A page that another part of the console fills in; it says so rather than pretending. */
export function Placeholder({ title }: { title: string }) {
  return (
    <section className="admin-page">
      <h1>{title}</h1>
      <p className="muted">This page is not built yet.</p>
    </section>
  );
}
