// The training log shared by every trainer (src/train/loop.ts): one JSON record per step in log.jsonl, the
// loss and named numbers of the step plus, on validating steps, the validation figures. Append-only while a
// run goes; a run resumed from a checkpoint first drops the records after the checkpoint's step, so the log
// always tells one history. The loss plot is drawn from it (plotLossCurves).
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { V2meowError } from '../errors.js';
import { temporaryPathFor } from '../media/atomicFile.js';
import { type LossSeries, plotLossCurves } from '../plot/lossCurves.js';

/** A value in a log record: a number, a label, or numbers by name (e.g. validation mel-L1 by level count). */
export type LogValue = number | string | Readonly<Record<string, number>>;

/** One step of training, as written to log.jsonl. */
export interface TrainLogRecord {
  /** Steps done after this one (1 for the first step). */
  readonly step: number;
  /** ISO time the step ended. */
  readonly time: string;
  /** The training loss of the step's batch (on the main rank). */
  readonly loss: number;
  /** Wall-clock seconds of the step (forward, backward, update; validation not included). */
  readonly seconds: number;
  /** CPU seconds (user + system, all threads) of the run up to this step, validations included, over resumes. */
  readonly cpuSeconds?: number;
  /** Named numbers of the task (training metrics, lr, gradNorm, and `validation*` on validating steps). */
  readonly [name: string]: LogValue | undefined;
}

/** Appends one record as a line. */
export function appendLog(path: string, record: TrainLogRecord): void {
  appendFileSync(path, `${JSON.stringify(record)}\n`);
}

/**
 * Records of a log, one per step in step order. Should a log hold a step twice (a run resumed from a
 * checkpoint before truncateLog existed), the later record of a step wins. Throws BAD_FORMAT naming the line
 * for a line that is not a record; a last line cut short by a crash is skipped.
 */
export function readLog<R extends TrainLogRecord = TrainLogRecord>(path: string): R[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const byStep = new Map<number, R>();
  lines.forEach((line, index) => {
    if (line.trim().length === 0) return;
    let record: R;
    try {
      record = JSON.parse(line) as R;
    } catch {
      const last = lines.slice(index + 1).every((l) => l.trim().length === 0);
      if (last) return; // a line cut short by a crash mid-write
      throw new V2meowError('BAD_FORMAT', `line ${index + 1} is not JSON`, path);
    }
    if (typeof record?.step !== 'number')
      throw new V2meowError('BAD_FORMAT', `line ${index + 1} has no step`, path);
    byStep.set(record.step, record);
  });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/**
 * Rewrites the log (atomically) without the records after `lastStep`: a run resumed from a checkpoint at
 * `lastStep` repeats those steps and its records replace them. Returns how many records were dropped.
 */
export function truncateLog(path: string, lastStep: number): number {
  if (!existsSync(path)) return 0;
  const records = readLog(path);
  const kept = records.filter((r) => r.step <= lastStep);
  const text = kept.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (text === readFileSync(path, 'utf8')) return 0;
  const temporary = temporaryPathFor(path);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
  return records.length - kept.length;
}

/** Moving average over `window` values (per-step training losses are noisy). */
export function movingAverage(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window]!;
    return sum / Math.min(i + 1, window);
  });
}

/** Window of the moving average of the plotted training loss. */
export const plotSmoothingSteps = 20;

/**
 * The default curves of a run: the training loss (moving average over 20 steps) and every numeric
 * `validation*` field of the validating steps (a field holding numbers by name gives one curve per name).
 */
export function defaultLossSeries(records: readonly TrainLogRecord[]): LossSeries[] {
  if (records.length === 0) return [];
  const series: LossSeries[] = [
    {
      name: `train loss (avg ${plotSmoothingSteps})`,
      steps: records.map((r) => r.step),
      values: movingAverage(
        records.map((r) => r.loss),
        plotSmoothingSteps,
      ),
    },
  ];
  const curves = new Map<string, { steps: number[]; values: number[] }>();
  const add = (name: string, step: number, value: number) => {
    if (!Number.isFinite(value)) return;
    const curve = curves.get(name) ?? { steps: [], values: [] };
    curve.steps.push(step);
    curve.values.push(value);
    curves.set(name, curve);
  };
  for (const r of records)
    for (const [key, value] of Object.entries(r)) {
      if (!key.startsWith('validation')) continue;
      if (typeof value === 'number') add(key, r.step, value);
      else if (value && typeof value === 'object')
        for (const [name, v] of Object.entries(value)) add(`${key} ${name}`, r.step, v);
    }
  for (const [name, curve] of curves) series.push({ name, ...curve });
  return series;
}

/** Draws `series` (default: defaultLossSeries of the records) to a PNG; nothing for an empty log. */
export async function writeLossPlot(
  records: readonly TrainLogRecord[],
  path: string,
  options: { title?: string; series?: (records: readonly TrainLogRecord[]) => LossSeries[] } = {},
): Promise<void> {
  const series = (options.series ?? defaultLossSeries)(records);
  if (series.length === 0) return;
  await plotLossCurves(series, path, { title: options.title ?? 'training' });
}

/** The numbers of a record as `name value` pairs for a progress line (labels and nested values left out). */
export function formatMetrics(values: Readonly<Record<string, LogValue | undefined>>, digits = 4): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) =>
      typeof v === 'number'
        ? `${k} ${Number.isInteger(v) ? v : v.toPrecision(digits)}`
        : typeof v === 'string'
          ? `${k} ${v}`
          : `${k} ${Object.entries(v!)
              .map(([n, x]) => `${n}:${x.toPrecision(digits)}`)
              .join(',')}`,
    )
    .join(' ');
}
