import { InMemoryWebStorage, type User, UserManager, WebStorageStateStore } from "oidc-client-ts";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import { setAccessTokenSource } from "./api/client";

export const CALLBACK_PATH = "/auth/callback";

/** The OIDC client of the web app: authorization code + PKCE with the `codeflix-web` client.
 * Tokens stay in memory (never in web storage); only the PKCE state of a redirect in progress
 * is kept in the tab's session storage so it survives the round trip to the sign-in page. */
export function createUserManager(origin: string = window.location.origin): UserManager {
  return new UserManager({
    authority: `${origin}/realms/codeflix`,
    client_id: "codeflix-web",
    redirect_uri: `${origin}${CALLBACK_PATH}`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: "code",
    scope: "openid profile email",
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: true,
    // The refresh token rotates: oidc-client-ts renews with it shortly before expiry.
    accessTokenExpiringNotificationTimeInSeconds: 30,
  });
}

interface AuthState {
  user: User | null;
  ready: boolean;
  signIn: (returnTo?: string) => Promise<void>;
  signUp: (returnTo?: string) => Promise<void>;
  signOut: () => Promise<void>;
  completeSignIn: () => Promise<string>;
  /** New tokens from the refresh token, so claims that changed (a confirmed address) show. */
  refresh: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({
  children,
  manager,
}: {
  children: ReactNode;
  manager?: UserManager;
}) {
  const [users] = useState(() => manager ?? createUserManager());
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let currentUser: User | null = null;
    setAccessTokenSource(() => currentUser?.access_token ?? null);
    const loaded = (u: User) => {
      currentUser = u;
      setUser(u);
    };
    const gone = () => {
      currentUser = null;
      setUser(null);
    };
    users.events.addUserLoaded(loaded);
    users.events.addUserUnloaded(gone);
    users.events.addSilentRenewError(gone);
    users
      .getUser()
      .then((u) => {
        if (u && !u.expired) loaded(u);
      })
      .finally(() => setReady(true));
    return () => {
      users.events.removeUserLoaded(loaded);
      users.events.removeUserUnloaded(gone);
      users.events.removeSilentRenewError(gone);
    };
  }, [users]);

  const value = useMemo<AuthState>(
    () => ({
      user,
      ready,
      signIn: (returnTo = currentPath()) => users.signinRedirect({ state: { returnTo } }),
      signUp: (returnTo = currentPath()) =>
        users.signinRedirect({ state: { returnTo }, prompt: "create" }),
      signOut: async () => {
        const idToken = user?.id_token;
        await users.removeUser();
        await users.signoutRedirect({ id_token_hint: idToken });
      },
      refresh: async () => {
        await users.signinSilent();
      },
      completeSignIn: async () => {
        const signedIn = await users.signinRedirectCallback();
        const state = signedIn.state as { returnTo?: string } | undefined;
        return safeReturnPath(state?.returnTo);
      },
    }),
    [user, ready, users],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

function currentPath(): string {
  return window.location.pathname + window.location.search;
}

/** Only paths of this app: never an absolute URL someone slipped into the state. */
export function safeReturnPath(path: string | undefined): string {
  return path?.startsWith("/") && !path.startsWith("//") && path !== CALLBACK_PATH ? path : "/";
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth needs an AuthProvider");
  return state;
}
