// The stage trainers behind `v2meow train stage1|stage2|stage3`: each stage registers a factory of its
// TrainingTask (src/train/loop.ts) with its presets and defaults, in one line in ./stages.ts; the CLI parses
// the options every stage shares, checks them and the paths, and runs the stage's task in the shared loop.
// A registry rather than a switch on the stage name, so that the stages plug in without touching the CLI.
import type { StyleScope } from '../dataset/reader.js';
import { V2meowError } from '../errors.js';
import {
  type DataParallel,
  defaultTrainingOptions,
  runTraining,
  type TrainingOptions,
  type TrainingSummary,
  type TrainingTask,
} from './loop.js';

export const stageNames = ['stage1', 'stage2', 'stage3'] as const;
export type StageName = (typeof stageNames)[number];

/** The settings every stage trainer takes, with defaults (StageTrainOptions without the paths). */
export interface StageSettings {
  /** Model preset: 'debug', 'small' (trains on this machine) or 'paper'. */
  readonly preset: string;
  /** Training examples per step (per rank). */
  readonly batchSize: number;
  /** Peak learning rate of the warmup + cosine schedule. */
  readonly learningRate: number;
  /** Linear warmup steps. */
  readonly warmupSteps: number;
  /** Stop after this many steps in total; the cosine reaches its floor there. */
  readonly maxSteps: number;
  /** Stop after this many minutes of this run. */
  readonly maxMinutes: number;
  /** Minutes between checkpoints. */
  readonly checkpointMinutes: number;
  /** Validate every this many steps. */
  readonly validateEvery: number;
  /** Seconds of each random training crop (10 s for stages 1 and 2, 3 s for stage 3). */
  readonly cropSeconds: number;
  /** The style vector each row carries: the file's ('clip') or its crop's ('window'; src/dataset/reader.ts). */
  readonly styleScope: StyleScope;
  readonly seed: number;
}

/** What a stage's task factory receives. */
export interface StageTrainOptions extends StageSettings {
  /** Training data folder (data/pairs; music-only data for stages 2 and 3 as well). */
  readonly dataDir: string;
  /** Output folder of the run (the loop's checkpoint, best model, log and plot). */
  readonly outDir: string;
  /** Weights to start a fresh run from. */
  readonly initFrom?: string;
  /** Fields of the model config replaced on a fresh run, from the preset or --init (`--set KEY=JSON`); ignored on resume. */
  readonly configOverrides?: Readonly<Record<string, unknown>>;
  /** Progress and events. */
  readonly log: (message: string) => void;
}

/** A stage's entry in the registry. */
export interface StageTaskEntry {
  /** Presets of the stage's model; --preset must be one of them. */
  readonly presets: readonly string[];
  /** This stage's defaults where they differ from defaultStageSettings. */
  readonly defaults?: Partial<StageSettings>;
  /** Loop options where this stage differs from defaultTrainingOptions (AdamW betas, clipping, schedule). */
  readonly loop?: Partial<Omit<TrainingOptions, 'outDir'>>;
  /** Builds the stage's task; its start() builds or loads the model. */
  create(options: StageTrainOptions): TrainingTask<unknown> | Promise<TrainingTask<unknown>>;
}

/** Defaults shared by the stages. */
export const defaultStageSettings: StageSettings = {
  preset: 'small',
  batchSize: 8,
  learningRate: defaultTrainingOptions.learningRate,
  warmupSteps: defaultTrainingOptions.warmupSteps,
  maxSteps: 20_000,
  maxMinutes: defaultTrainingOptions.maxMinutes,
  checkpointMinutes: defaultTrainingOptions.checkpointMinutes,
  validateEvery: defaultTrainingOptions.validateEvery,
  cropSeconds: 10,
  styleScope: 'clip',
  seed: 0,
};

/** Issue 12: 10 s crops for stages 1 and 2, 3 s windows for stage 3. */
const cropSecondsByStage: Record<StageName, number> = { stage1: 10, stage2: 10, stage3: 3 };

const registry = new Map<StageName, StageTaskEntry>();

/** Registers the trainer of a stage (one line per stage in ./stages.ts). */
export function registerStageTask(name: StageName, entry: StageTaskEntry): void {
  registry.set(name, entry);
}

/** The registered trainer of a stage; V2meowError NOT_FOUND ('not available yet') when there is none. */
export function stageTaskEntry(name: StageName): StageTaskEntry {
  const entry = registry.get(name);
  if (!entry)
    throw new V2meowError(
      'NOT_FOUND',
      `${name} training is not available yet: this v2meow has no ${name} model to train (src/train/stages.ts)`,
    );
  return entry;
}

/** A stage's settings when no option is given. */
export function stageDefaults(name: StageName, entry?: StageTaskEntry): StageSettings {
  return { ...defaultStageSettings, cropSeconds: cropSecondsByStage[name], ...entry?.defaults };
}

/** Trains (or resumes) a stage in the shared loop. */
export async function trainStage(
  name: StageName,
  options: StageTrainOptions,
  extra: { provenance?: Record<string, unknown>; parallel?: DataParallel } = {},
): Promise<TrainingSummary> {
  const entry = stageTaskEntry(name);
  const task = await entry.create(options);
  return runTraining(task, {
    ...defaultTrainingOptions,
    ...entry.loop,
    outDir: options.outDir,
    initFrom: options.initFrom,
    learningRate: options.learningRate,
    warmupSteps: options.warmupSteps,
    maxSteps: options.maxSteps,
    maxMinutes: options.maxMinutes,
    checkpointMinutes: options.checkpointMinutes,
    validateEvery: options.validateEvery,
    seed: options.seed,
    provenance: {
      ...extra.provenance,
      stage: name,
      preset: options.preset,
      dataDir: options.dataDir,
      cropSeconds: options.cropSeconds,
      styleScope: options.styleScope,
      batchSize: options.batchSize,
    },
    parallel: extra.parallel,
    log: options.log,
  });
}
