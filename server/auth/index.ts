export { ACCESS, type Access, allowed, type Capability, READERS } from "./access.ts";
export { authenticate, LOCAL_ADMIN, type Principal, principal, requireRole } from "./authenticate.ts";
export {
  listTokens,
  listUsers,
  revokeTokens,
  setUserDisabled,
  type TokenRow,
  type UserRow,
} from "./manageUsers.ts";
export { hashPassword, verifyPassword } from "./passwords.ts";
export { SESSION_COOKIE, Sessions } from "./sessions.ts";
export {
  audit,
  createToken,
  createUser,
  ROLES,
  type Role,
  setPassword,
  sha256,
  type User,
  userByToken,
} from "./users.ts";
