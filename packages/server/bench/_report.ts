/** Shared output format of the benchmarks: a result, its baseline, and the ratio. */

export interface Stat {
  label: string;
  value: number;
  unit: string;
}

export function percentile(sortedMs: number[], p: number): number {
  if (!sortedMs.length) return 0;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index]!;
}

export interface Latency {
  p50: number;
  p99: number;
}

/** The p50/p99 row every benchmark prints, ours against the baseline's. */
export function latencyRow(name: string, ours: Latency, baseline: Latency): { name: string; ours: Stat[]; baseline: Stat[] } {
  const stats = (l: Latency): Stat[] => [
    { label: 'p50', value: l.p50, unit: 'ms' },
    { label: 'p99', value: l.p99, unit: 'ms' },
  ];
  return { name, ours: stats(ours), baseline: stats(baseline) };
}

export function printComparison(title: string, rows: Array<{ name: string; ours: Stat[]; baseline: Stat[] }>, notes: string[] = []): void {
  const lines = [`\n== ${title}`];
  for (const row of rows) {
    lines.push(`\n${row.name}`);
    for (let i = 0; i < row.ours.length; i++) {
      const ours = row.ours[i]!;
      const base = row.baseline[i];
      const ratio = base && base.value ? ours.value / base.value : NaN;
      lines.push(
        `  ${ours.label.padEnd(22)} tollgate ${fmt(ours.value).padStart(10)} ${ours.unit.padEnd(6)}` +
          (base ? ` | baseline ${fmt(base.value).padStart(10)} ${base.unit.padEnd(6)} | ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}` : ''),
      );
    }
  }
  for (const note of notes) lines.push(`  note: ${note}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}
