import type { Role } from "./users.ts";

/**
 * Who may do what: the one access table. The middleware enforces it and the route tests
 * (and the hardening suite) iterate over it. "public" needs no sign-in.
 */
export type Access = "public" | readonly Role[];

export const READERS: readonly Role[] = ["admin", "uploader", "analyst", "viewer"];

export const ACCESS = {
  health: "public",
  signIn: "public",
  overview: READERS,
  estimates: READERS,
  studies: READERS,
  charts: READERS,
  figures: READERS,
  uploads: ["admin", "uploader"],
  users: ["admin"],
  sql: ["admin", "analyst"],
  releases: ["admin", "analyst", "viewer", "assessment"],
  createRelease: ["admin"],
  scores: ["admin", "analyst", "viewer", "assessment"],
  docs: "public",
  editThemes: ["admin", "analyst"],
} as const satisfies Record<string, Access>;

export type Capability = keyof typeof ACCESS;

export function allowed(capability: Capability, role: Role | undefined): boolean {
  const rule: Access = ACCESS[capability];
  if (rule === "public") return true;
  return role !== undefined && rule.includes(role);
}
