import { Link, NavLink, Outlet } from "react-router";
import { useAuth } from "@/lib/auth";

export function Layout() {
  const { user, signIn, signOut } = useAuth();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Codeflix home">
          CODEFLIX
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Home
          </NavLink>
          {user && <NavLink to="/search">Search</NavLink>}
          <NavLink to="/plans">Plans</NavLink>
          {user && <NavLink to="/account">Account</NavLink>}
        </nav>
        <div className="topbar__user">
          {user ? (
            <button
              type="button"
              className="button button--ghost button--small"
              onClick={() => signOut()}
            >
              Sign out
            </button>
          ) : (
            <button type="button" className="button button--small" onClick={() => signIn()}>
              Sign in
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
