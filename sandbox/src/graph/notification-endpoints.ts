/** §6.6 slow-endpoint rule: counted per notification URL over 10-minute windows of sandbox time. */
const SLOW_WINDOW_MS = 10 * 60_000;
const SLOW_MIN_SAMPLE = 100;
const SLOW_DELAY_RATIO = 0.1;
const SLOW_DROP_RATIO = 0.15;

export type EndpointState = 'normal' | 'delayed' | 'dropping';

interface EndpointStats {
  windowStart: number;
  total: number;
  slow: number;
}

/** After 100 notifications, ≥ 10 % slow delays an endpoint's traffic and ≥ 15 % drops it. */
export class SlowEndpoints {
  private readonly stats = new Map<string, EndpointStats>();

  /** Counts `count` notifications sent to `url` in one POST, all slow or all not. */
  account(url: string, count: number, slow: boolean, now: number): void {
    const s = this.current(url, now);
    s.total += count;
    if (slow) s.slow += count;
  }

  state(url: string, now: number): EndpointState {
    const s = this.current(url, now);
    if (s.total < SLOW_MIN_SAMPLE) return 'normal';
    const ratio = s.slow / s.total;
    if (ratio >= SLOW_DROP_RATIO) return 'dropping';
    return ratio >= SLOW_DELAY_RATIO ? 'delayed' : 'normal';
  }

  private current(url: string, now: number): EndpointStats {
    let s = this.stats.get(url);
    if (!s || now - s.windowStart >= SLOW_WINDOW_MS) {
      s = { windowStart: now, total: 0, slow: 0 };
      this.stats.set(url, s);
    }
    return s;
  }

  describe(now: number) {
    return [...this.stats.keys()].map((url) => {
      const state = this.state(url, now);
      const s = this.current(url, now);
      return { url, state, ...s, windowStart: new Date(s.windowStart).toISOString() };
    });
  }

  clear(): void {
    this.stats.clear();
  }
}
