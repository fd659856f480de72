// The codec's records in the shared training log (trainLog.ts) and the curves of its loss plot: training
// mel-L1 (smoothed), validation mel-L1 per level count and validation YAMNet cosine.
import type { LossSeries } from '../plot/lossCurves.js';
import {
  movingAverage,
  plotSmoothingSteps,
  readLog as readTrainLog,
  type TrainLogRecord,
  writeLossPlot as writeTrainPlot,
} from './trainLog.js';

export { appendLog } from './trainLog.js';

export interface CodecLogRecord extends TrainLogRecord {
  /** 'decoder' (decoder-only phase) or 'both'. */
  readonly phase: string;
  /** RVQ levels used in this batch (quantizer dropout). */
  readonly numLevels: number;
  readonly stft: number;
  readonly mel: number;
  readonly commit: number;
  /** MusiCNN frame-feature distance, when that loss is on. */
  readonly musicnn?: number;
  /** Standard deviation of the encoder latents (a collapse shows as a falling value). */
  readonly latentStd: number;
  /** Distinct level-0 codes in the batch. */
  readonly distinctCodes: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Validation mel-L1 by number of levels, on the steps that validate. */
  readonly validationMel?: Readonly<Record<string, number>>;
  /** Validation YAMNet embedding cosine at all levels, on the steps that validate (when enabled). */
  readonly validationYamnetCos?: number;
}

/** Records of a codec run's log.jsonl, one per step in step order. */
export function readLog(path: string): CodecLogRecord[] {
  return readTrainLog<CodecLogRecord>(path);
}

/** Training mel-L1 (smoothed), validation mel-L1 per level count and validation YAMNet cos, against steps. */
export function codecLossSeries(records: readonly CodecLogRecord[]): LossSeries[] {
  if (records.length === 0) return [];
  const series: LossSeries[] = [
    {
      name: `train mel-L1 (avg ${plotSmoothingSteps})`,
      steps: records.map((r) => r.step),
      values: movingAverage(
        records.map((r) => r.mel),
        plotSmoothingSteps,
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
  return series;
}

/** Draws the codec's loss plot to a PNG at `path`. */
export function writeLossPlot(records: readonly CodecLogRecord[], path: string): Promise<void> {
  return writeTrainPlot(records, path, {
    title: 'codec training',
    series: (r) => codecLossSeries(r as readonly CodecLogRecord[]),
  });
}
