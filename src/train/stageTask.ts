// The TrainingTask shared by the three stage trainers (issue 12 item 6): each stage (stage1Task.ts,
// stage2Task.ts, stage3Task.ts) supplies a StageDefinition (its config for a preset and a dataset, the check
// of a config against the dataset, how reader windows become its batch tensors) and this file does the rest
// on the shared loop (src/train/loop.ts): the dataset opened and checked before any work (nothing is written
// for a dataset that does not fit), the model built fresh, from --init or from the run's checkpoint,
// training windows per rank, validation on fixed windows of the validation split (loss, accuracy, accuracy
// per level; score = validation loss), and model files that carry the config and the provenance (data hours
// by source and kind, recipe) that `v2meow train export` records in a bundle.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExampleKind } from '../dataset/format.js';
import { type PairBatch, PairDataset } from '../dataset/reader.js';
import { styleDim } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import { curveNames } from '../features/streams.js';
import { type PresetName, presetNames, type StreamInputs, type StreamSpec } from '../models/common.js';
import type { StageKind, StageModel } from '../models/modelFile.js';
import type { StageOutput } from '../models/stage1.js';
import {
  loadModelWeights,
  manualSeed,
  noGrad,
  readModelInfo,
  saveModel,
  type Tensor,
  tensor,
  tidy,
} from '../torch/index.js';
import {
  type BatchSource,
  type DataShard,
  runFiles,
  type StartedTask,
  type StepContext,
  type StepOutput,
  type TrainingStart,
  type TrainingTask,
  type ValidationResult,
} from './loop.js';
import {
  checkSplitHasWindows,
  checkStyleSegments,
  type DatasetFacts,
  datasetFacts,
  type RankBatch,
  trainingSilence,
  trainingWindows,
  validationWindows,
  type WindowSourceOptions,
} from './stageData.js';
import type { StageName, StageTaskEntry, StageTrainOptions } from './stageRegistry.js';

/** What a stage supplies to the shared stage task. */
export interface StageDefinition<C extends { readonly version: number }, M extends StageModel, I> {
  readonly name: StageName;
  /** Model file kind (stage1Kind, ...). */
  readonly kind: StageKind;
  /** Version of the stage's config and weights this v2meow reads. */
  readonly version: number;
  /** Example kinds the stage trains on. */
  readonly kinds: readonly ExampleKind[];
  /** Codec level of the first per-level accuracy (1 for stage 2, 5 for stage 3): metric names use it. */
  firstLevel?(config: C): number;
  /** The config of a fresh run: the preset, with vocabularies and lengths from the dataset. */
  config(preset: PresetName, facts: DatasetFacts, seconds: number): C;
  /** Parameters of `config` that an --init file may lack (modules newer than the file; they keep their init). */
  newParameters?(config: C): (name: string) => boolean;
  /** Throws (naming the dataset) when a config, fresh or read from a file, does not fit the dataset. */
  check(config: C, facts: DatasetFacts): void;
  build(config: C): M;
  /** The model batch of rows [first, first + count) of a reader batch (called inside tidy). */
  inputs(batch: PairBatch, first: number, count: number, config: C): I;
  forward(model: M, inputs: I): StageOutput;
}

/** Rows [first, first + count) of a row-major array with `perRow` values per row. */
export function rowsOf<A extends Float32Array | Int32Array | Uint8Array>(
  data: A,
  perRow: number,
  first: number,
  count: number,
): A {
  return data.subarray(first * perRow, (first + count) * perRow) as A;
}

/** Semantic tokens [count, S] (int32). */
export function semanticOf(batch: PairBatch, first: number, count: number): Tensor {
  const s = batch.numSemanticFrames;
  return tensor(rowsOf(batch.semantic, s, first, count), [count, s], { dtype: 'int32' });
}

/** Codec tokens [count, L, 2S] (int32, all stored levels). */
export function acousticOf(batch: PairBatch, first: number, count: number): Tensor {
  const l = batch.acousticLevels;
  const t = 2 * batch.numSemanticFrames;
  return tensor(rowsOf(batch.acoustic, l * t, first, count), [count, l, t], { dtype: 'int32' });
}

/** Style vectors [count, styleDim]. */
export function styleOf(batch: PairBatch, first: number, count: number): Tensor {
  return tensor(rowsOf(batch.style, styleDim, first, count), [count, styleDim]);
}

/**
 * The configured streams of rows [first, first + count): 'curves' are the video's rhythm curves for a paired
 * row and the music's own for a music-only row (V2M-Zero: music teaches the model to follow curves, the
 * video's are fed at generation); visual streams with the rows that hold them (absent in music-only rows,
 * and in every row of a batch without a paired row).
 */
export function streamInputsOf(
  batch: PairBatch,
  specs: readonly StreamSpec[],
  first: number,
  count: number,
): StreamInputs {
  const streams: Record<string, Tensor> = {};
  const present: Record<string, boolean[]> = {};
  const s = batch.numSemanticFrames;
  const channels = curveNames.length;
  for (const spec of specs) {
    if (spec.name === 'curves') {
      const curves = new Float32Array(count * s * channels);
      for (let r = 0; r < count; r++) {
        const row = first + r;
        const from = batch.hasVideo[row] && batch.videoCurves ? batch.videoCurves : batch.musicCurves;
        curves.set(rowsOf(from, s * channels, row, 1), r * s * channels);
      }
      streams.curves = tensor(curves, [count, s, channels]);
      continue;
    }
    const stream = batch.visual[spec.name as keyof PairBatch['visual']];
    if (!stream || stream.numFrames < 1) continue;
    const rows = Array.from(rowsOf(stream.present, 1, first, count), (p) => p === 1);
    if (!rows.some((p) => p)) continue;
    const perRow = stream.numFrames * stream.dim;
    streams[spec.name] = tensor(rowsOf(stream.data, perRow, first, count), [
      count,
      stream.numFrames,
      stream.dim,
    ]);
    present[spec.name] = rows;
  }
  return { streams, present };
}

/** Mean loss, accuracy and per-level accuracy over the validation windows. */
interface Totals {
  rows: number;
  loss: number;
  accuracy: number;
  levels: number[];
}

export class StageTask<C extends { readonly version: number }, M extends StageModel, I>
  implements TrainingTask<RankBatch>
{
  readonly name: string;
  readonly scoreName = 'validation cross-entropy (nats per token), fixed windows';
  model: M | null = null;
  private readonly windows: WindowSourceOptions;

  constructor(
    readonly definition: StageDefinition<C, M, I>,
    readonly options: StageTrainOptions,
    readonly dataset: PairDataset,
    readonly facts: DatasetFacts,
    readonly config: C,
  ) {
    this.name = definition.name;
    this.windows = {
      seconds: options.cropSeconds,
      batchSize: options.batchSize,
      kinds: definition.kinds,
      styleScope: options.styleScope,
    };
  }

  start(start: TrainingStart, log: (message: string) => void): StartedTask {
    const model = this.definition.build(this.config);
    this.model = model;
    if (start.from === 'fresh') return {};
    const mayLack = start.from === 'init' ? this.definition.newParameters?.(this.config) : undefined;
    const rest = loadModelWeights(start.path, model, mayLack ? { mayLack } : {});
    if (start.from === 'init') {
      for (const t of rest.values()) t.dispose();
      log(`${this.name}: weights from ${start.path}`);
      return {};
    }
    return { provenance: readModelInfo(start.path, this.definition.kind).extra, extraTensors: rest };
  }

  parameters(): Tensor[] {
    return this.model!.parameters();
  }

  batches(
    shard: DataShard,
    resume: { readonly step: number; readonly state: unknown },
  ): BatchSource<RankBatch> {
    return trainingWindows(this.dataset, shard, this.windows, resume.state, this.options.log);
  }

  private metricsOf(out: StageOutput, prefix: string): Record<string, number> {
    const first = this.definition.firstLevel?.(this.config) ?? 1;
    const metrics: Record<string, number> = { [`${prefix}ccuracy`]: out.accuracy };
    out.levelAccuracy?.forEach((a, i) => {
      metrics[`${prefix}ccuracyLevel${first + i}`] = a;
    });
    return metrics;
  }

  step(rb: RankBatch, _context: StepContext): StepOutput {
    const inputs = this.definition.inputs(rb.batch, rb.firstRow, rb.numRows, this.config);
    const out = this.definition.forward(this.model!, inputs);
    return { loss: out.loss, metrics: this.metricsOf(out, 'a') };
  }

  validate(): ValidationResult {
    const model = this.model!;
    model.eval();
    // the masked stage 3 draws its masks from libtorch's generator: the same masks at every validation
    manualSeed(0x5eed);
    const totals: Totals = { rows: 0, loss: 0, accuracy: 0, levels: [] };
    try {
      for (const batch of validationWindows(this.dataset, this.windows)) {
        const n = batch.batchSize;
        noGrad(() =>
          tidy(() => {
            const out = this.definition.forward(model, this.definition.inputs(batch, 0, n, this.config));
            totals.loss += out.loss.item() * n;
            totals.accuracy += out.accuracy * n;
            out.levelAccuracy?.forEach((a, i) => {
              totals.levels[i] = (totals.levels[i] ?? 0) + a * n;
            });
          }),
        );
        totals.rows += n;
      }
    } finally {
      model.train();
    }
    if (totals.rows === 0) throw new V2meowError('EMPTY_CORPUS', 'no validation windows', this.dataset.dir);
    const loss = totals.loss / totals.rows;
    const metrics: Record<string, number> = {
      validationLoss: loss,
      ...this.metricsOf(
        {
          accuracy: totals.accuracy / totals.rows,
          levelAccuracy: totals.levels.map((a) => a / totals.rows),
        } as StageOutput,
        'validationA',
      ),
      validationWindows: totals.rows,
    };
    return { score: loss, metrics };
  }

  save(
    path: string,
    provenance: Record<string, unknown>,
    optimizerState?: ReadonlyMap<string, Tensor>,
  ): void {
    saveModel(
      path,
      this.model!,
      { kind: this.definition.kind, config: this.config, extra: provenance },
      optimizerState,
    );
  }

  provenance(): Record<string, unknown> {
    const f = this.facts;
    return {
      recipe: {
        stage: this.name,
        preset: this.options.preset,
        cropSeconds: this.options.cropSeconds,
        styleScope: this.options.styleScope,
        batchSize: this.options.batchSize,
        exampleKinds: this.definition.kinds,
        silence: trainingSilence,
        ...(this.name === 'stage1'
          ? { curves: 'video curves for paired rows, music curves for music rows' }
          : {}),
      },
      data: {
        dir: f.dir,
        hoursBySource: f.trainHoursBySource,
        hoursByKind: f.trainHoursByKind,
        featurizers: f.featurizers,
        acousticLevels: f.acousticLevels,
      },
    };
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
    this.dataset.close();
  }
}

/** Opens and checks the dataset and the config before any work; the task the registry runs. */
export function createStageTask<C extends { readonly version: number }, M extends StageModel, I>(
  definition: StageDefinition<C, M, I>,
  o: StageTrainOptions,
): StageTask<C, M, I> {
  const dataset = PairDataset.open(o.dataDir);
  try {
    const facts = datasetFacts(dataset);
    const windows = { seconds: o.cropSeconds, batchSize: o.batchSize, kinds: definition.kinds };
    checkSplitHasWindows(dataset, windows, 'train');
    if (o.styleScope === 'window') checkStyleSegments(dataset);
    checkSplitHasWindows(dataset, windows, 'validation');
    const checkpoint = join(o.outDir, runFiles.checkpoint);
    const from = existsSync(checkpoint) ? checkpoint : o.initFrom;
    let config: C;
    if (from) {
      config = readModelInfo<C>(from, definition.kind).config;
      if (config.version !== definition.version)
        throw new V2meowError(
          'VERSION_MISMATCH',
          `${definition.kind} version ${config.version}, this v2meow trains version ${definition.version}`,
          from,
        );
      o.log(`${definition.name}: the model's config comes from ${from} (--preset ${o.preset} not used)`);
      // --set applies to a fresh run from --init too (not to a resumed checkpoint); fields newer than the
      // file are known from the preset
      if (from !== checkpoint)
        config = withOverrides(
          config,
          o,
          definition.name,
          definition.config(o.preset as PresetName, facts, o.cropSeconds),
        );
    } else {
      config = withOverrides(
        definition.config(o.preset as PresetName, facts, o.cropSeconds),
        o,
        definition.name,
      );
    }
    definition.check(config, facts);
    return new StageTask(definition, o, dataset, facts, config);
  } catch (error) {
    dataset.close();
    throw error;
  }
}

/** A preset config with --set overrides: each key must be a field of the config, its value of the same type. */
function withOverrides<C>(config: C, o: StageTrainOptions, stage: string, preset?: C): C {
  const overrides = o.configOverrides ?? {};
  const fields = { ...(preset as Record<string, unknown>), ...(config as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in fields) || key === 'version')
      throw new V2meowError(
        'BAD_ARGUMENT',
        `--set: ${stage} has no config field '${key}' (fields: ${Object.keys(fields)
          .filter((k) => k !== 'version')
          .join(', ')})`,
      );
    const was = fields[key];
    const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
    if (was !== undefined && was !== null && kind(was) !== kind(value))
      throw new V2meowError(
        'BAD_ARGUMENT',
        `--set ${key}: ${stage}'s ${key} is ${kind(was)}, got ${JSON.stringify(value)}`,
      );
  }
  if (Object.keys(overrides).length) o.log(`${stage}: config overrides ${JSON.stringify(overrides)}`);
  return { ...config, ...overrides };
}

/** The registry entry of a stage: every size preset, and the task factory. */
export function stageTaskEntry<C extends { readonly version: number }, M extends StageModel, I>(
  definition: StageDefinition<C, M, I>,
): StageTaskEntry {
  return {
    presets: presetNames,
    create: (options) => createStageTask(definition, options) as unknown as TrainingTask<unknown>,
  };
}

/** Throws SHAPE_MISMATCH naming the dataset when a config's size differs from the dataset's. */
export function checkSize(
  facts: DatasetFacts,
  stage: string,
  what: string,
  config: number,
  data: number,
): void {
  if (config !== data)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${stage} has ${what} ${config}, the dataset's tokens have ${data}`,
      facts.dir,
    );
}
