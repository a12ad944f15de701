import type { Router } from './http';
import type { Store } from './store';
import type { SandboxClock } from './clock';
import type { Faults } from './faults';
import type { TlsMaterial } from './tls';
import type { SandboxTenant } from './seed';
import type { Keys } from './keys';

/** What every sandbox module gets: routes, state, time, faults and where it is reachable. */
export interface Sandbox {
  router: Router;
  store: Store;
  clock: SandboxClock;
  faults: Faults;
  tls: TlsMaterial;
  keys: Keys;
  /** In-process events between modules (meetings produce artifacts; subscriptions notify). */
  bus: Bus;
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

/** What modules tell each other. */
export interface SandboxEvents {
  meetingStarted: { tenantId: string; organizerOid: string; meetingId: string; at: string };
  meetingEnded: { tenantId: string; organizerOid: string; meetingId: string; at: string };
  /** A recording or transcript just became listable (after its configured delay). */
  artifactCreated: {
    tenantId: string;
    organizerOid: string;
    meetingId: string;
    kind: 'recording' | 'transcript';
    artifactId: string;
  };
}

/** A tiny typed event bus; listeners run synchronously, a throwing one is logged and skipped. */
export class Bus {
  private readonly listeners = new Map<keyof SandboxEvents, ((e: never) => void)[]>();

  on<K extends keyof SandboxEvents>(name: K, fn: (event: SandboxEvents[K]) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn as (e: never) => void);
    this.listeners.set(name, list);
  }

  emit<K extends keyof SandboxEvents>(name: K, event: SandboxEvents[K]): void {
    for (const fn of this.listeners.get(name) ?? []) {
      try {
        (fn as (e: SandboxEvents[K]) => void)(event);
      } catch (err) {
        console.error(`sandbox: ${String(name)} listener failed`, err);
      }
    }
  }
}
