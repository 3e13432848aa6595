/**
 * Who owns data (ARCHITECTURE decision 10: tenancy is a dimension of everything). A tenant ID is
 * validated once, where it enters (a credential, a header, config), and carried as the branded
 * type from there, so storage never binds an unchecked string as a tenant.
 */

declare const tenantBrand: unique symbol;
/** Letters, digits, `-`, `_`, `.`; 1..64 characters (Tempo's `X-Scope-OrgID` rules, narrowed). */
export type TenantId = string & { readonly [tenantBrand]: true };

/** Tempo's tenant ID when multi-tenancy is off: every span's owner until authentication lands. */
export const DEFAULT_TENANT = 'single-tenant' as TenantId;

const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export class InvalidTenantError extends Error {
  override readonly name = 'InvalidTenantError';
}

/** The value as a TenantId; throws {@link InvalidTenantError} naming it when it is not one. */
export function parseTenantId(value: string): TenantId {
  // `.` and `..` alone are path-like (Tempo refuses them too: tenant IDs name directories there).
  if (!TENANT_PATTERN.test(value) || value === '.' || value === '..') {
    throw new InvalidTenantError(`invalid tenant ID ${JSON.stringify(value.slice(0, 80))}: use 1 to 64 letters, digits, '-', '_' or '.'`);
  }
  return value as TenantId;
}

export function isTenantId(value: string): value is TenantId {
  return TENANT_PATTERN.test(value) && value !== '.' && value !== '..';
}
