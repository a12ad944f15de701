import type { Router } from './http';
import type { Store } from './store';
import type { SandboxClock } from './clock';
import type { Faults } from './faults';
import type { TlsMaterial } from './tls';
import type { SandboxTenant } from './seed';

/** What every sandbox module gets: routes, state, time, faults and where it is reachable. */
export interface Sandbox {
  router: Router;
  store: Store;
  clock: SandboxClock;
  faults: Faults;
  tls: TlsMaterial;
  /** `https://127.0.0.1:<port>` — Graph, the authority, Bot Framework and the control API all live here. */
  baseUrl: string;
  tenant(tenantId: string): SandboxTenant | undefined;
  tenants(): SandboxTenant[];
  saveTenant(tenant: SandboxTenant): void;
  /** Runs after the state was cleared and reseeded (control API reset). */
  onReset(fn: () => void): void;
  /** Runs when the sandbox stops (cancel timers, close sockets). */
  onStop(fn: () => void | Promise<void>): void;
  /** Calls `fn` after `virtualMs` of sandbox time (honours clock speed-up); returns a cancel. */
  after(virtualMs: number, fn: () => void): () => void;
}

export type SandboxModule = (sb: Sandbox) => void;
