// The codec training log: one JSON record per step in log.jsonl (append-only, so a resumed run continues
// the same file), and the loss plot drawn from it.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { plotLossCurves } from '../plot/lossCurves.js';

export interface CodecLogRecord {
  step: number;
  time: string;
  /** 'decoder' (decoder-only phase) or 'both'. */
  phase: string;
  /** RVQ levels used in this batch (quantizer dropout). */
  numLevels: number;
  loss: number;
  stft: number;
  mel: number;
  commit: number;
  /** MusiCNN frame-feature distance, when that loss is on. */
  musicnn?: number;
  /** Standard deviation of the encoder latents (a collapse shows as a falling value). */
  latentStd: number;
  /** Distinct level-0 codes in the batch. */
  distinctCodes: number;
  gradNorm: number;
  /** Wall-clock seconds of the step. */
  seconds: number;
  /** Validation mel-L1 by number of levels, on the steps that validate. */
  validationMel?: Record<string, number>;
  /** Validation YAMNet embedding cosine at all levels, on the steps that validate (when enabled). */
  validationYamnetCos?: number;
}

export function appendLog(path: string, record: CodecLogRecord): void {
  appendFileSync(path, `${JSON.stringify(record)}\n`);
}

/**
 * Records of a log, one per step in step order. A run resumed from a checkpoint repeats the steps after it;
 * the later record of a step wins.
 */
export function readLog(path: string): CodecLogRecord[] {
  if (!existsSync(path)) return [];
  const byStep = new Map<number, CodecLogRecord>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim().length === 0) continue;
    const record = JSON.parse(line) as CodecLogRecord;
    byStep.set(record.step, record);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** Moving average over `window` records (the per-step training loss is noisy with quantizer dropout). */
function smooth(values: number[], window: number): number[] {
  return values.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    const slice = values.slice(from, i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
}

/** Training mel-L1 (smoothed), validation mel-L1 per level count and validation YAMNet cos, against steps. */
export async function writeLossPlot(records: readonly CodecLogRecord[], path: string): Promise<void> {
  if (records.length === 0) return;
  const series = [
    {
      name: 'train mel-L1 (avg 20)',
      steps: records.map((r) => r.step),
      values: smooth(
        records.map((r) => r.mel),
        20,
      ),
    },
  ];
  const validated = records.filter((r) => r.validationMel);
  for (const level of Object.keys(validated[0]?.validationMel ?? {}))
    series.push({
      name: `validation mel-L1, ${level} levels`,
      steps: validated.map((r) => r.step),
      values: validated.map((r) => r.validationMel![level]!),
    });
  const withCos = validated.filter((r) => r.validationYamnetCos !== undefined);
  if (withCos.length)
    series.push({
      name: 'validation YAMNet cos, all levels',
      steps: withCos.map((r) => r.step),
      values: withCos.map((r) => r.validationYamnetCos!),
    });
  await plotLossCurves(series, path, { title: 'codec training' });
}
