import { type ReactNode, useEffect } from "react";
import { Spinner } from "@/components/Feedback";
import { useAuth } from "@/lib/auth";

/** Pages for signed-in viewers: anyone else goes to the sign-in page and comes back here. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { user, ready, signIn } = useAuth();
  useEffect(() => {
    if (ready && !user) signIn();
  }, [ready, user, signIn]);
  return user ? children : <Spinner label="Signing you in" />;
}
