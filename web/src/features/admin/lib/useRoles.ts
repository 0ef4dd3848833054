import { useMemo } from "react";
import { useAuth } from "@/lib/auth";
import { rolesOf } from "./roles";

/** The signed-in person's realm roles, read from the current access token. */
export function useRoles(): string[] {
  const { user } = useAuth();
  const token = user?.access_token;
  return useMemo(() => rolesOf(token), [token]);
}
