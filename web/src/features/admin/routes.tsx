import type { ReactNode } from "react";
import { Link, Route, Routes } from "react-router";
import { RequireAuth } from "@/features/auth/components/RequireAuth";
import { CastMemberPage, CastPage } from "./catalog/CastPage";
import { CategoriesPage, CategoryPage } from "./catalog/CategoriesPage";
import { GenrePage, GenresPage } from "./catalog/GenresPage";
import { VideoPage, VideosPage } from "./catalog/VideosPage";
import { AdminLayout } from "./components/AdminLayout";
import { RoleGate } from "./components/RoleGate";
import { DashboardPage } from "./dashboard/components/DashboardPage";
import { type AdminRole, ANY_ADMIN, CATALOG, SUBSCRIPTIONS } from "./lib/roles";
import { PlansAdminPage } from "./subscriptions/components/PlansAdminPage";
import { SubscribersPage } from "./subscriptions/components/SubscribersPage";
import { SubscriptionPage } from "./subscriptions/components/SubscriptionPage";

interface AdminRoute {
  /** Below /admin ("" is the dashboard). */
  path: string;
  /** Puts the page in the side nav under this name. */
  label?: string;
  roles: readonly AdminRole[];
  element: ReactNode;
}

/** Every page of the console, one line each; a page opens only for its roles. */
export const adminRoutes: readonly AdminRoute[] = [
  { path: "", label: "Dashboard", roles: ANY_ADMIN, element: <DashboardPage /> },
  { path: "videos", label: "Videos", roles: CATALOG, element: <VideosPage /> },
  { path: "videos/:id", roles: CATALOG, element: <VideoPage /> },
  { path: "categories", label: "Categories", roles: CATALOG, element: <CategoriesPage /> },
  { path: "categories/:id", roles: CATALOG, element: <CategoryPage /> },
  { path: "genres", label: "Genres", roles: CATALOG, element: <GenresPage /> },
  { path: "genres/:id", roles: CATALOG, element: <GenrePage /> },
  { path: "cast", label: "Cast", roles: CATALOG, element: <CastPage /> },
  { path: "cast/:id", roles: CATALOG, element: <CastMemberPage /> },
  { path: "plans", label: "Plans", roles: SUBSCRIPTIONS, element: <PlansAdminPage /> },
  { path: "subscribers", label: "Subscribers", roles: SUBSCRIPTIONS, element: <SubscribersPage /> },
  { path: "subscribers/:id", roles: SUBSCRIPTIONS, element: <SubscriptionPage /> },
];

const nav = adminRoutes.flatMap((r) => (r.label ? [{ ...r, label: r.label }] : []));

/** The console under /admin: loaded lazily by the app's router, in its own chunk. */
export default function AdminApp() {
  return (
    <RequireAuth>
      <RoleGate roles={ANY_ADMIN}>
        <Routes>
          <Route element={<AdminLayout nav={nav} />}>
            {adminRoutes.map((r) => {
              const page = (
                <RoleGate key={r.path} roles={r.roles} what="this page">
                  {r.element}
                </RoleGate>
              );
              return r.path ? (
                <Route key={r.path} path={r.path} element={page} />
              ) : (
                <Route key="" index element={page} />
              );
            })}
            <Route path="*" element={<AdminNotFound />} />
          </Route>
        </Routes>
      </RoleGate>
    </RequireAuth>
  );
}

function AdminNotFound() {
  return (
    <div className="empty">
      <h1>Page not found</h1>
      <Link to="/admin">Back to the dashboard</Link>
    </div>
  );
}
