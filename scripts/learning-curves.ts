// Learning curves of the default model's training runs (issue 13: plan the training in CPU-hours): validation
// cross-entropy of each stage against the CPU-hours its run has used (log.jsonl's cpuSeconds), one PNG per
// stage plus a table, and a fit of loss = a + b * h^-c per stage (least squares on the validation points after
// the first 10% of the run) extrapolated to more CPU-hours.
// Usage: node dist/scripts/learning-curves.js [RUNS_DIR (runs/default)] [--out learning-curves] [--at 2,5,10]
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { plotLossCurves } from '../src/plot/lossCurves.js';
import { readLog, type TrainLogRecord } from '../src/train/trainLog.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, at: { type: 'string', default: '2,5,10' } },
});
const runs = positionals[0] ?? 'runs/default';
const outDir = values.out ?? join(runs, 'learning-curves');
const horizons = values.at.split(',').map(Number);

/** Power law a + b h^-c (a >= 0: a loss floor) fitted by a grid over c and least squares for (a, b). */
function fitPowerLaw(h: number[], y: number[]): { a: number; b: number; c: number; rms: number } | null {
  if (h.length < 3) return null;
  let best: { a: number; b: number; c: number; rms: number } | null = null;
  for (let c = 0.05; c <= 2.0001; c += 0.05) {
    const x = h.map((v) => v ** -c);
    const n = x.length;
    const mx = x.reduce((s, v) => s + v, 0) / n;
    const my = y.reduce((s, v) => s + v, 0) / n;
    const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
    if (sxx === 0) continue;
    const b = x.reduce((s, v, i) => s + (v - mx) * (y[i]! - my), 0) / sxx;
    const a = my - b * mx;
    const rms = Math.sqrt(x.reduce((s, v, i) => s + (a + b * v - y[i]!) ** 2, 0) / n);
    if (b > 0 && a >= 0 && (!best || rms < best.rms)) best = { a, b, c, rms };
  }
  return best;
}

const validationKeys = (r: TrainLogRecord) =>
  Object.keys(r).filter((k) => /^validationAccuracyLevel\d+$/.test(k));

if (!existsSync(runs)) {
  console.log(`learning-curves: no runs folder ${runs} (nothing to do)`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const stage of ['stage1', 'stage2', 'stage3']) {
    const log = join(runs, stage, 'log.jsonl');
    if (!existsSync(log)) continue;
    const records = readLog(log);
    const points = records.filter(
      (r) => typeof r.validationLoss === 'number' && typeof r.cpuSeconds === 'number',
    );
    if (points.length === 0) continue;
    const hours = points.map((r) => (r.cpuSeconds as number) / 3600);
    const loss = points.map((r) => r.validationLoss as number);
    const last = records.at(-1)!;
    console.log(
      `${stage}: ${last.step} steps, ${((last.cpuSeconds as number) / 3600).toFixed(2)} CPU-h, ` +
        `validation cross-entropy ${loss[0]!.toFixed(3)} -> ${loss.at(-1)!.toFixed(3)} nats`,
    );
    console.log('  step  CPU-h  validation  accuracy per level');
    for (const r of points) {
      const levels = validationKeys(r)
        .map((k) => (r[k] as number).toFixed(3))
        .join(' ');
      console.log(
        `  ${String(r.step).padStart(5)}  ${((r.cpuSeconds as number) / 3600).toFixed(2).padStart(5)}  ` +
          `${(r.validationLoss as number).toFixed(4).padStart(10)}  ${levels}`,
      );
    }
    const from = Math.floor(points.length / 10);
    const fit = fitPowerLaw(hours.slice(Math.max(1, from)), loss.slice(Math.max(1, from)));
    if (fit) {
      const at = horizons.map((h) => `${h} CPU-h: ${(fit.a + fit.b * h ** -fit.c).toFixed(3)}`).join(', ');
      console.log(
        `  fit loss = ${fit.a.toFixed(3)} + ${fit.b.toFixed(3)} h^-${fit.c.toFixed(2)} (rms ${fit.rms.toFixed(4)}); ${at}`,
      );
    }
    const png = join(outDir, `${stage}.png`);
    await plotLossCurves([{ name: `${stage} validation`, steps: hours, values: loss }], png, {
      title: `${stage}: validation cross-entropy against CPU-hours`,
      xLabel: 'CPU-hours',
      yLabel: 'nats per token',
    });
    console.log(`  plot: ${png}`);
  }
}
