import { Link } from "react-router";

/** What someone without the role a page needs sees instead of it. */
export function NotAllowed({ what = "the admin console" }: { what?: string }) {
  return (
    <div className="empty admin-refused">
      <h1>Not allowed</h1>
      <p>Your account does not have a role that may open {what}.</p>
      <p className="muted">Ask an administrator for the role if you need it.</p>
      <Link className="button" to="/">
        Back to the home page
      </Link>
    </div>
  );
}
