import { lazy, Suspense } from "react";
import { createBrowserRouter } from "react-router";
import { Spinner } from "@/components/Feedback";
import { AccountPage } from "@/features/account/components/AccountPage";
import { CheckoutPage } from "@/features/account/components/CheckoutPage";
import { PlansPage } from "@/features/account/components/PlansPage";
import { CallbackPage } from "@/features/auth/components/CallbackPage";
import { Landing } from "@/features/auth/components/Landing";
import { RequireAuth } from "@/features/auth/components/RequireAuth";
import { HomePage } from "@/features/browse/components/HomePage";
import { TitlePage } from "@/features/browse/components/TitlePage";
import { SearchPage } from "@/features/search/components/SearchPage";
import { CALLBACK_PATH, useAuth } from "@/lib/auth";
import { Layout } from "./Layout";

// The admin console is its own chunk: the viewer app never downloads it.
const AdminApp = lazy(() => import("@/features/admin/routes"));

// The player (and hls.js with it) loads only when someone presses play.
const PlayerPage = lazy(() =>
  import("@/features/player/components/PlayerPage").then((m) => ({ default: m.PlayerPage })),
);

function Home() {
  const { user, ready } = useAuth();
  if (!ready) return <Spinner />;
  return user ? <HomePage /> : <Landing />;
}

const signedIn = (page: React.ReactNode) => <RequireAuth>{page}</RequireAuth>;

export const router = createBrowserRouter([
  { path: CALLBACK_PATH, element: <CallbackPage /> },
  {
    path: "/admin/*",
    element: (
      <Suspense fallback={<Spinner />}>
        <AdminApp />
      </Suspense>
    ),
  },
  {
    path: "/watch/:id",
    element: signedIn(
      <Suspense fallback={<Spinner />}>
        <PlayerPage />
      </Suspense>,
    ),
  },
  {
    element: <Layout />,
    children: [
      { path: "/", element: <Home /> },
      { path: "/plans", element: <PlansPage /> },
      { path: "/checkout/:planId", element: signedIn(<CheckoutPage />) },
      { path: "/account", element: signedIn(<AccountPage />) },
      { path: "/search", element: signedIn(<SearchPage />) },
      { path: "/title/:id", element: signedIn(<TitlePage />) },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

function NotFound() {
  return (
    <div className="empty">
      <h1>Page not found</h1>
      <a href="/">Back to the home page</a>
    </div>
  );
}
