import type { ReactNode } from "react";
import { type AdminRole, mayOpen } from "../lib/roles";
import { useRoles } from "../lib/useRoles";
import { NotAllowed } from "./NotAllowed";

/** Shows `children` to the roles allowed, a "not allowed" page to anyone else. */
export function RoleGate({
  roles,
  what,
  children,
}: {
  roles: readonly AdminRole[];
  what?: string;
  children: ReactNode;
}) {
  const mine = useRoles();
  return mayOpen(mine, roles) ? children : <NotAllowed what={what} />;
}
