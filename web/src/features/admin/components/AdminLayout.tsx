import { Link, NavLink, Outlet } from "react-router";
import { useAuth } from "@/lib/auth";
import { type AdminRole, mayOpen } from "../lib/roles";
import { useRoles } from "../lib/useRoles";
import "../admin.css";

export interface NavEntry {
  path: string;
  label: string;
  roles: readonly AdminRole[];
}

/** The console's frame: a header, the side nav (each entry only for the roles it serves) and
 * the page. It sits outside the viewer's layout so the viewer app never loads admin code. */
export function AdminLayout({ nav }: { nav: readonly NavEntry[] }) {
  const { user, signOut } = useAuth();
  const roles = useRoles();
  const visible = nav.filter((entry) => mayOpen(roles, entry.roles));
  return (
    <div className="admin">
      <a className="skip-link" href="#admin-main">
        Skip to content
      </a>
      <header className="topbar admin__topbar">
        <Link to="/admin" className="brand" aria-label="Codeflix admin console">
          CODEFLIX <span className="admin__badge">Admin</span>
        </Link>
        <div className="topbar__user">
          <span className="muted admin__who">{user?.profile.email ?? user?.profile.sub}</span>
          <Link className="button button--ghost button--small" to="/">
            Viewer app
          </Link>
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => signOut()}
          >
            Sign out
          </button>
        </div>
      </header>
      <div className="admin__body">
        <nav className="admin__nav" aria-label="Admin">
          <ul>
            {visible.map((entry) => (
              <li key={entry.path}>
                <NavLink to={entry.path ? `/admin/${entry.path}` : "/admin"} end={!entry.path}>
                  {entry.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="admin-main" className="admin__main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
