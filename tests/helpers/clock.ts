import type { Clock } from '../../api/src/domain/ports/clock';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start = Date.parse('2026-06-01T09:00:00.000Z')) {
    this.t = start;
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
