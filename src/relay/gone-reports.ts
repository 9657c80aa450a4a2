/**
 * Which other processes this one reports gone: each whose lease ran out, once. None during a grace
 * period after a start or a recovery, since all leases may have vanished with Redis.
 */
export class GoneReports {
  private graceUntil = 0;
  private readonly reported = new Set<string>();

  constructor(private readonly self: string) {}

  /** A (re)sync: no report before `now + leaseMs`, and none made so far counts. */
  restart(now: number, leaseMs: number): void {
    this.graceUntil = now + leaseMs;
    this.reported.clear();
  }

  /** Leases may still be missing without their process being dead. */
  inGrace(now: number): boolean {
    return now < this.graceUntil;
  }

  /** Of the processes whose lease ran out, those to report now: never this one, each once. */
  toReport(expired: readonly string[]): string[] {
    const report: string[] = [];
    for (const node of expired) {
      if (node === this.self || this.reported.has(node)) continue;
      this.reported.add(node);
      report.push(node);
    }
    return report;
  }

  /** `node`'s report landed, or was refused (it had a lease again): it may be reported again. */
  forget(node: string): void {
    this.reported.delete(node);
  }
}
