import { Link } from "react-router";
import { useAuth } from "@/lib/auth";

/** What a visitor who is not signed in sees at `/`. */
export function Landing() {
  const { signIn, signUp } = useAuth();
  return (
    <section className="landing">
      <h1>Films and series, wherever you are.</h1>
      <p>Watch on your phone, your laptop and your TV. Cancel anytime.</p>
      <div className="landing__actions">
        <button type="button" className="button" onClick={() => signUp("/plans")}>
          Sign up
        </button>
        <button type="button" className="button button--ghost" onClick={() => signIn("/")}>
          Sign in
        </button>
      </div>
      <p>
        <Link to="/plans">See the plans</Link>
      </p>
    </section>
  );
}
