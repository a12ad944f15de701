/**
 * A sliding-window limit per conversation, in this process: a flood of messages from one chat
 * must not become a flood of Graph calls. (Per instance on purpose: it protects this process.)
 */
export class ConversationLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `key` may go ahead now; false when it is over its limit. */
  take(key: string): boolean {
    const t = this.now();
    const recent = (this.hits.get(key) ?? []).filter((h) => h > t - this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(t);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000) this.prune(t);
    return true;
  }

  private prune(t: number): void {
    for (const [key, list] of this.hits) {
      if (list.every((h) => h <= t - this.windowMs)) this.hits.delete(key);
    }
  }
}
