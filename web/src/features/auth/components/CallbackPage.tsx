import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { ErrorNotice, Spinner } from "@/components/Feedback";
import { useAuth } from "@/lib/auth";

/** Where the identity service sends the browser back with the authorization code. */
export function CallbackPage() {
  const { completeSignIn } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const once = useRef(false);
  useEffect(() => {
    if (once.current) return;
    once.current = true;
    completeSignIn()
      .then((to) => navigate(to, { replace: true }))
      .catch(setError);
  }, [completeSignIn, navigate]);
  return error ? <ErrorNotice error={error} /> : <Spinner label="Signing you in" />;
}
