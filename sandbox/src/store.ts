import fs from 'node:fs';
import path from 'node:path';

/**
 * Everything the sandbox remembers, as named collections of JSON-serialisable records. Each module
 * owns its collections; `save()` writes all of them so a restarted sandbox keeps events, meetings
 * and subscriptions in step with the product's database.
 */
export class Store {
  private collections = new Map<string, Map<string, unknown>>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(private readonly file: string | null) {}

  collection<T>(name: string): Map<string, T> {
    let c = this.collections.get(name);
    if (!c) {
      c = new Map();
      this.collections.set(name, c);
    }
    return c as Map<string, T>;
  }

  clear(): void {
    for (const c of this.collections.values()) c.clear();
  }

  /** Loads a saved state; false when there is none (or it is unreadable, which is logged). */
  load(): boolean {
    if (!this.file || !fs.existsSync(this.file)) return false;
    try {
      const data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<
        string,
        [string, unknown][]
      >;
      for (const [name, entries] of Object.entries(data)) {
        const c = this.collection(name);
        c.clear();
        for (const [k, v] of entries) c.set(k, v);
      }
      return true;
    } catch (err) {
      console.error(`sandbox: ignoring unreadable state file ${this.file}: ${String(err)}`);
      return false;
    }
  }

  /** Schedules a save (coalesced); a no-op when the sandbox runs without a state file. */
  changed(): void {
    if (!this.file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saveNow();
    }, 50);
    this.saveTimer.unref();
  }

  saveNow(): void {
    if (!this.file) return;
    const data: Record<string, [string, unknown][]> = {};
    for (const [name, c] of this.collections) data[name] = [...c.entries()];
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data));
    fs.renameSync(tmp, this.file);
  }

  flush(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
      this.saveNow();
    }
  }
}
