import { randomUUID } from 'node:crypto';

export const FAULT_KINDS = [
  'throttle',
  'unavailable',
  'gatewayTimeout',
  'latency',
  'reset',
  'hang',
  'slowBody',
  'dropNotifications',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  id: string;
  kind: FaultKind;
  /** Only requests whose method (if set) and path (regex, if set) match. */
  method?: string;
  path?: string;
  /** Chance per matching request, 0–1 (default 1). */
  probability: number;
  /** How many more times it may fire; absent = unlimited. */
  remaining?: number;
  /** For throttle/unavailable: the Retry-After header's form and value. */
  retryAfter?: { format: 'seconds' | 'decimal' | 'httpDate'; seconds: number };
  /** For throttle: Exchange's `ApplicationThrottled` instead of `TooManyRequests`. */
  code?: string;
  /** For latency (added before answering) and slowBody (between chunks). */
  latencyMs?: number;
}

/** mulberry32: small, fast, and reproducible from one seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Injected failures, per route or global, drawn from a seeded generator for reproducible runs. */
export class Faults {
  private rules: FaultRule[] = [];
  private random = prng(1);
  seed = 1;

  /** Validates and adds a rule; returns an error message instead when it makes no sense. */
  add(input: Partial<FaultRule>): FaultRule | string {
    if (!input.kind || !FAULT_KINDS.includes(input.kind)) {
      return `kind must be one of ${FAULT_KINDS.join(', ')}`;
    }
    const probability = input.probability ?? 1;
    if (typeof probability !== 'number' || probability < 0 || probability > 1) {
      return 'probability must be a number from 0 to 1';
    }
    if (input.path !== undefined) {
      try {
        new RegExp(input.path);
      } catch {
        return `path is not a valid regular expression: ${input.path}`;
      }
    }
    if (
      input.remaining !== undefined &&
      (!Number.isInteger(input.remaining) || input.remaining < 1)
    ) {
      return 'remaining must be a whole number of at least 1';
    }
    if ((input.kind === 'latency' || input.kind === 'slowBody') && !(Number(input.latencyMs) > 0)) {
      return `${input.kind} needs latencyMs > 0`;
    }
    const rule: FaultRule = {
      ...input,
      id: input.id ?? randomUUID(),
      kind: input.kind,
      probability,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.random = prng(seed);
  }

  /** The first rule that fires for this request, consuming one of its uses. */
  pick(method: string, path: string, kinds?: readonly FaultKind[]): FaultRule | null {
    for (const rule of this.rules) {
      if (kinds && !kinds.includes(rule.kind)) continue;
      if (!kinds && rule.kind === 'dropNotifications') continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (this.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.remove(rule.id);
      }
      return rule;
    }
    return null;
  }
}

/** The Retry-After header value for a rule, in the form it asks for. */
export function retryAfterHeader(rule: FaultRule, now: Date): string | undefined {
  const ra = rule.retryAfter;
  if (!ra) return undefined;
  switch (ra.format) {
    case 'seconds':
      return String(Math.ceil(ra.seconds));
    case 'decimal':
      return ra.seconds.toFixed(3);
    case 'httpDate':
      return new Date(now.getTime() + ra.seconds * 1000).toUTCString();
  }
}
