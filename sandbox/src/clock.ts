/** The sandbox's clock: real time, moved forward or sped up through the control API. */
export class SandboxClock {
  private offsetMs = 0;
  private speed = 1;
  private anchorReal = Date.now();
  private anchorVirtual = Date.now();

  now(): Date {
    return new Date(
      this.anchorVirtual + (Date.now() - this.anchorReal) * this.speed + this.offsetMs,
    );
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Virtual milliseconds per real millisecond (1 = real time; 60 = a minute per second). */
  setSpeed(speed: number): void {
    const now = this.now().getTime();
    this.anchorReal = Date.now();
    this.anchorVirtual = now;
    this.offsetMs = 0;
    this.speed = speed;
  }

  /** Real milliseconds to wait for `virtualMs` of sandbox time to pass. */
  realDelay(virtualMs: number): number {
    return Math.max(0, Math.ceil(virtualMs / this.speed));
  }

  describe(): { now: string; speed: number } {
    return { now: this.now().toISOString(), speed: this.speed };
  }

  reset(): void {
    this.offsetMs = 0;
    this.speed = 1;
    this.anchorReal = Date.now();
    this.anchorVirtual = Date.now();
  }
}
