/**
 * Progress of a long copy (schema migrations move every stored span: minutes for millions): what
 * is done, the rate so far and the time left at that rate, one line per step, so whoever waits
 * for a start-up can tell a slow migration from a stuck one.
 */
export class CopyProgress {
  private done = 0;
  private readonly startedMillis: number;

  constructor(
    /** Prefix of every line, e.g. `schema v3`. */
    private readonly label: string,
    /** What is counted, plural, e.g. `span rows`. */
    private readonly unit: string,
    /** The total when known in advance (percent and ETA need it); undefined: counts and rate only. */
    private readonly total: number | undefined,
    private readonly report: (line: string) => void,
    private readonly nowMillis: () => number = () => performance.now(),
  ) {
    this.startedMillis = nowMillis();
  }

  /** `count` more copied; `where` names the step (a day, a page), in parentheses. */
  advance(count: number, where: string): void {
    this.done += count;
    const elapsedSeconds = Math.max(0.001, (this.nowMillis() - this.startedMillis) / 1000);
    const rate = this.done / elapsedSeconds;
    const parts = [
      `${this.label}: ${grouped(this.done)}${this.total === undefined ? '' : ` of ${grouped(this.total)}`} ${this.unit} copied (${where})`,
    ];
    if (this.total !== undefined && this.total > 0) parts[0] += `, ${((this.done / this.total) * 100).toFixed(1)} %`;
    parts.push(`${grouped(Math.round(rate))}/s`);
    if (this.total !== undefined) {
      const left = Math.max(0, this.total - this.done);
      parts.push(left === 0 ? 'done' : `ETA ${formatSeconds(rate > 0 ? left / rate : Infinity)}`);
    }
    this.report(parts.join(', '));
  }
}

function grouped(value: number): string {
  return value.toLocaleString('en-US');
}

/** 42 s, 3 min 20 s, 2 h 05 min: precise enough to plan a coffee. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}
