import { type Spread, spread } from './stats';

/**
 * Every column, in the order runs rotate from. `buffered` comes last so that scenarios without it
 * rotate plain, tuned and rxchat exactly as before it existed.
 */
export const SERVERS = ['plain', 'tuned', 'rxchat', 'buffered'] as const;
export type ServerName = (typeof SERVERS)[number];
/** The baselines rxchat's ratios are taken against, in table order. */
export const BASELINES = ['plain', 'tuned', 'buffered'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** One scenario, one server, one repetition: flat named numbers. */
export interface RunRecord {
  readonly scenario: string;
  readonly server: ServerName;
  readonly rep: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  /** How a value prints. */
  readonly unit: 'count' | 'rate' | 'ms' | 'share' | 'ns' | 'kb' | 's' | 'ratio';
  /** Whether rxchat/baseline ratios are shown for it. */
  readonly ratio?: boolean;
}

export interface ScenarioSummary {
  readonly scenario: string;
  readonly title: string;
  readonly metrics: Record<string, Record<ServerName, Spread>>;
  /**
   * Per-repetition ratios rxchat/baseline (same repetition, run back to back), summarised; a baseline
   * that did not run has NaN (null in the JSON).
   */
  readonly ratios: Record<string, Readonly<Record<BaselineName, Spread>>>;
}

export function summarise(
  scenario: string,
  title: string,
  specs: readonly MetricSpec[],
  runs: readonly RunRecord[],
): ScenarioSummary {
  const mine = runs.filter((run) => run.scenario === scenario);
  const values = (server: ServerName, key: string) =>
    mine
      .filter((run) => run.server === server)
      .sort((a, b) => a.rep - b.rep)
      .map((run) => run.metrics[key] ?? NaN);
  const metrics: ScenarioSummary['metrics'] = {};
  const ratios: ScenarioSummary['ratios'] = {};
  for (const spec of specs) {
    metrics[spec.key] = {
      plain: spread(values('plain', spec.key)),
      tuned: spread(values('tuned', spec.key)),
      rxchat: spread(values('rxchat', spec.key)),
      buffered: spread(values('buffered', spec.key)),
    };
    if (spec.ratio) {
      const rx = values('rxchat', spec.key);
      const per = (base: number[]) => spread(rx.map((v, i) => v / (base[i] ?? NaN)));
      ratios[spec.key] = {
        plain: per(values('plain', spec.key)),
        tuned: per(values('tuned', spec.key)),
        buffered: per(values('buffered', spec.key)),
      };
    }
  }
  return { scenario, title, metrics, ratios };
}

function format(value: number, unit: MetricSpec['unit']): string {
  if (!Number.isFinite(value)) return '-';
  switch (unit) {
    case 'rate':
      return value >= 1e6
        ? `${(value / 1e6).toFixed(2)}M`
        : value >= 1e3
          ? `${(value / 1e3).toFixed(1)}k`
          : value.toFixed(0);
    case 'ms':
      return value < 10 ? value.toFixed(2) : value.toFixed(1);
    case 'share':
      return `${(value * 100).toFixed(0)}%`;
    case 'ns':
      return value.toFixed(0);
    case 'kb':
      return (value / 1024).toFixed(2);
    case 's':
      return value.toFixed(1);
    case 'count':
      return value.toFixed(0);
    case 'ratio':
      return value.toFixed(3);
  }
}

function cell(s: Spread, unit: MetricSpec['unit']): string {
  if (!Number.isFinite(s.median) || s.min === s.max) return format(s.median, unit);
  return `${format(s.median, unit)} [${format(s.min, unit)}-${format(s.max, unit)}]`;
}

function ratioCell(s: Spread): string {
  if (!Number.isFinite(s.median)) return '-';
  return `${s.median.toFixed(2)}x [${s.min.toFixed(2)}-${s.max.toFixed(2)}]`;
}

/** The stdout table: medians with [min-max] over repetitions, and rxchat's ratios. */
export function renderTable(summary: ScenarioSummary, specs: readonly MetricSpec[]): string {
  const header = ['', 'plain', 'tuned', 'buffered', 'rxchat', ...BASELINES.map((base) => `rxchat/${base}`)];
  const rows: string[][] = [header];
  for (const spec of specs) {
    const m = summary.metrics[spec.key]!;
    const r = summary.ratios[spec.key];
    rows.push([
      spec.label,
      cell(m.plain, spec.unit),
      cell(m.tuned, spec.unit),
      cell(m.buffered, spec.unit),
      cell(m.rxchat, spec.unit),
      ...BASELINES.map((base) => (r ? ratioCell(r[base]) : '')),
    ]);
  }
  // A server that did not run this scenario (the hostile ones run rxchat alone) gets no column.
  const shown = header.map((_, c) => c === 0 || rows.slice(1).some((row) => row[c] !== '' && row[c] !== '-'));
  const kept = rows.map((row) => row.filter((_, c) => shown[c]));
  const widths = kept[0]!.map((_, c) => Math.max(...kept.map((row) => row[c]!.length)));
  const lines = kept.map((row) =>
    row.map((text, c) => (c === 0 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!))).join('  '),
  );
  return [`== ${summary.title}`, ...lines].join('\n');
}
