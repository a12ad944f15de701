import type { DataSource } from 'typeorm';
import type { Clock } from '../domain/ports/clock';

const SQLITE_NOW = `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now`;
const MSSQL_NOW = `SELECT SYSUTCDATETIME() AS now`;
const RESYNC_MS = 60_000;

/**
 * The database server's clock, read synchronously: the offset between this host and the database
 * is measured (half the round trip corrects for latency) and refreshed every minute. Leases and
 * run times written by different hosts are compared against one clock, so a host whose clock is
 * minutes off neither steals running jobs nor runs them early.
 */
export class DatabaseClock implements Clock {
  private offsetMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly hostNow: () => number = Date.now,
  ) {}

  now(): Date {
    return new Date(this.hostNow() + this.offsetMs);
  }

  /** Measures the offset once; call before first use. */
  async sync(): Promise<void> {
    const sql = this.dataSource.options.type === 'mssql' ? MSSQL_NOW : SQLITE_NOW;
    const before = this.hostNow();
    const [row] = (await this.dataSource.query(sql)) as { now: string | Date }[];
    const after = this.hostNow();
    const db = row.now instanceof Date ? row.now.getTime() : Date.parse(row.now);
    if (!Number.isFinite(db)) throw new Error('the database did not return its time');
    this.offsetMs = db - Math.round((before + after) / 2);
  }

  /** Keeps the offset fresh until `stop()`; a failed refresh keeps the last offset. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sync().catch(() => undefined), RESYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Host clock minus database clock, for diagnostics. */
  get skewMs(): number {
    return -this.offsetMs;
  }
}
