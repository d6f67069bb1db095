/** Role name to the permissions it grants. */
export type RolePermissions = Readonly<Record<string, readonly string[]>>;

/** The claim ZITADEL puts project roles in: `{ROLE: {orgId: orgDomain}}`. */
export const rolesClaim = "urn:zitadel:iam:org:project:roles";

const readPermissions = ["execution.target.read", "execution.read"];
const callPermissions = ["execution.function.call", "execution.event.push"];

/**
 * The default mapping of API.md section 6: IAM_OWNER everything,
 * IAM_OWNER_VIEWER the two read permissions, ACTIONS_CALLER the right to
 * call functions and push events. Any other role grants nothing.
 */
export const defaultRolePermissions: RolePermissions = {
  IAM_OWNER: [
    "execution.target.read",
    "execution.target.write",
    "execution.target.delete",
    "execution.read",
    "execution.write",
    "execution.delete",
    ...callPermissions,
  ],
  IAM_OWNER_VIEWER: readPermissions,
  ACTIONS_CALLER: callPermissions,
};

/** The union of the permissions the roles grant under `mapping`. */
export function permissionsForRoles(
  roles: readonly string[],
  mapping: RolePermissions = defaultRolePermissions,
): Set<string> {
  const permissions = new Set<string>();
  for (const role of roles) {
    for (const permission of mapping[role] ?? []) {
      permissions.add(permission);
    }
  }
  return permissions;
}

/** Roles and the first organization named by a roles claim value. */
export interface ClaimedRoles {
  readonly roles: string[];
  readonly orgId: string;
}

/**
 * Reads a roles claim of the shape `{ROLE: {orgId: orgDomain}}`. A value of
 * another shape yields no roles rather than an error, since the token is
 * still a valid identity.
 */
export function readRolesClaim(value: unknown): ClaimedRoles {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { roles: [], orgId: "" };
  }
  const roles: string[] = [];
  let orgId = "";
  for (const [role, orgs] of Object.entries(value)) {
    roles.push(role);
    if (orgId === "" && orgs !== null && typeof orgs === "object") {
      orgId = Object.keys(orgs)[0] ?? "";
    }
  }
  return { roles: roles.sort(), orgId };
}

/**
 * Reads a role mapping from JSON such as `{"IAM_OWNER":
 * ["execution.read"]}`, e.g. from configuration. Throws a TypeError naming
 * the problem for anything but an object of string arrays.
 */
export function parseRoleMapping(json: string): RolePermissions {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new TypeError("role mapping is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError("role mapping must be an object of role names");
  }
  const mapping: Record<string, readonly string[]> = {};
  for (const [role, permissions] of Object.entries(value)) {
    if (
      !Array.isArray(permissions) ||
      !permissions.every((permission) => typeof permission === "string")
    ) {
      throw new TypeError(`role ${role} must map to an array of strings`);
    }
    mapping[role] = [...permissions];
  }
  return Object.freeze(mapping);
}
