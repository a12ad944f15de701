/** Who is acting, in which tenant; built by a transport from a verified token, never from input. */
export interface TenantContext {
  tenantId: string;
  /** Entra object id of the user (or a service identity for background work). */
  userOid: string;
}
