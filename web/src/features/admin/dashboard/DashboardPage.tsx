import { Placeholder } from "../components/Placeholder";

// Built by the subscriptions side of the console (issue 15, part 6).
export function DashboardPage() {
  return <Placeholder title="Dashboard" />;
}
