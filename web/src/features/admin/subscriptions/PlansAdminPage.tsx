import { Placeholder } from "../components/Placeholder";

// Built by the subscriptions side of the console (issue 15, part 5).
export function PlansAdminPage() {
  return <Placeholder title="Plans" />;
}
