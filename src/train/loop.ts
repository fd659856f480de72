// The one training loop of v2meow: the codec trainer and the three stage trainers (issue 12, item 6) each
// supply a TrainingTask (model, batches, a step's loss, validation, how to save); the loop owns the rest:
// AdamW with warmup then cosine decay (or constant), gradient clipping, step and time limits, validation
// every N steps with the best model kept apart, checkpoints every few minutes (written atomically, with the
// optimizer state, the step and the data position), resume from the checkpoint in the output folder,
// --init weights for fresh runs, SIGINT/SIGTERM -> stop after the current step with a checkpoint, log.jsonl
// (trainLog.ts), a loss plot redrawn at each checkpoint, and a progress line.
// Randomness is a function of (seed, rank, step): before each step libtorch's generator is reseeded and the
// task gets its own seeded RandomSource, so a resumed run takes exactly the steps an uninterrupted one would.
// Data parallelism plugs in through `DataParallel` (dataParallel.ts on c10d, torchrun-style ranks): rank 0's
// state is broadcast at the start, gradients are averaged before clipping, and only rank 0 writes files.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { writeAtomically } from '../media/atomicFile.js';
import type { LossSeries } from '../plot/lossCurves.js';
import {
  AdamW,
  clipGradNorm,
  manualSeed,
  type ParamGroup,
  type Schedule,
  Tensor,
  tidy,
  warmupConstant,
  warmupCosine,
} from '../torch/index.js';
import { gitCommit } from '../util/git.js';
import { createRandom, mixSeed, type RandomSource } from '../util/random.js';
import {
  appendLog,
  formatMetrics,
  type LogValue,
  readLog,
  type TrainLogRecord,
  truncateLog,
  writeLossPlot,
} from './trainLog.js';

/** File names in a run's output folder. */
export const runFiles = {
  /** Latest state: model, optimizer moments, step, data position (resume reads it). */
  checkpoint: 'checkpoint.safetensors',
  /** The model of the best validation score so far (no optimizer state). */
  best: 'best.safetensors',
  log: 'log.jsonl',
  plot: 'loss.png',
} as const;

/** This process's place among data-parallel ranks, and the run's seed. */
export interface DataShard {
  /** 0..worldSize-1. */
  readonly rank: number;
  /** Number of processes training together (1 without data parallelism). */
  readonly worldSize: number;
  /** The run's seed (the same on every rank). */
  readonly seed: number;
}

/** Endless training batches of one rank. */
export interface BatchSource<B> {
  /** The batch of the next step. */
  next(): B;
  /**
   * JSON-serialisable position, saved with each checkpoint and handed back to `TrainingTask.batches` on
   * resume so that the data order continues. Saved by the main rank: keep it rank-independent (a count).
   */
  state(): unknown;
  /** Releases files or workers. */
  close?(): void;
}

/**
 * Data-parallel training (c10d, torchrun-style ranks): one process per rank, each with its own shard of the
 * global batch. Implemented by `DataParallel` in dataParallel.ts (Gloo/NCCL); `singleProcess` does nothing.
 * The loop calls `broadcastNumbers` (rank 0's run state) and `broadcastFromMain` (parameters, buffers,
 * optimizer moments) once at the start, `anyRank` once per step (stop), `averageGradients` after each
 * backward pass and before clipping, `averageTensors` on the task's buffers after each step when the task's
 * forward pass updates them, and lets only the main rank validate and write checkpoints, logs and plots.
 */
export interface DataParallel {
  /** This process's rank, 0..worldSize-1. */
  readonly rank: number;
  /** Number of ranks. */
  readonly worldSize: number;
  /** True on the rank that validates and writes files (rank 0). */
  readonly isMain: boolean;
  /** Gives every rank the main rank's values of `tensors` (same shapes on every rank), in place. */
  broadcastFromMain(tensors: readonly Tensor[], what?: string): Promise<void>;
  /** The main rank's `values` on every rank (every rank passes as many). */
  broadcastNumbers(values: readonly number[]): Promise<number[]>;
  /** Averages the parameters' gradients over the ranks (all-reduce), after backward, before clipping. */
  averageGradients(params: readonly Tensor[]): Promise<void>;
  /** Averages tensors in place over the ranks (buffers that each rank's forward pass updated). */
  averageTensors(tensors: readonly Tensor[]): Promise<void>;
  /** True on every rank when `flag` is true on any (so that all ranks stop after the same step). */
  anyRank(flag: boolean): Promise<boolean>;
}

/** One process, no communication. */
export const singleProcess: DataParallel = Object.freeze({
  rank: 0,
  worldSize: 1,
  isMain: true,
  broadcastFromMain: async () => {},
  broadcastNumbers: async (values: readonly number[]) => [...values],
  averageGradients: async () => {},
  averageTensors: async () => {},
  anyRank: async (flag: boolean) => flag,
});

/** `value` (JSON) of the main rank on every rank, sent as character codes. */
async function broadcastJson<T>(parallel: DataParallel, value: T): Promise<T> {
  if (parallel.worldSize === 1) return value;
  const text = parallel.isMain ? JSON.stringify(value) : '';
  const [length] = await parallel.broadcastNumbers([text.length]);
  const codes = await parallel.broadcastNumbers(
    Array.from({ length: length! }, (_, k) => text.charCodeAt(k) || 0),
  );
  return JSON.parse(String.fromCharCode(...codes)) as T;
}

/** Where the model of a run comes from. */
export type TrainingStart =
  /** Resume: the checkpoint in the output folder (model, optimizer moments, provenance). */
  | { readonly from: 'checkpoint'; readonly path: string }
  /** A fresh run starting from these weights (--init FILE); no optimizer state. */
  | { readonly from: 'init'; readonly path: string }
  /**
   * A fresh run from the task's own initialisation. `replica` is true on the non-main ranks of a
   * data-parallel run: the weights are overwritten by rank 0's (a broadcast), so a task may skip costly
   * initialisation (k-means, pretrained weights, validation data) and build the model's structure only.
   */
  | { readonly from: 'fresh'; readonly replica?: boolean };

/** What `TrainingTask.start` hands back. */
export interface StartedTask {
  /** Provenance of the checkpoint resumed from (what `save` stored); ignored for other starts. */
  readonly provenance?: Record<string, unknown>;
  /** Tensors of the checkpoint beyond the model's (the optimizer moments); the loop loads and disposes them. */
  readonly extraTensors?: Map<string, Tensor>;
}

/** What a step knows besides its batch. */
export interface StepContext {
  /** Steps done before this one (0 for the first). */
  readonly step: number;
  /** Seeded by (seed, rank, step): use it, not Math.random, for choices such as dropout of levels. */
  readonly random: RandomSource;
  /**
   * Seeded by (seed, step) only: the same on every rank, for choices that all ranks must share within a
   * step (e.g. the codec's number of quantizer levels), so that W ranks x B/W rows train like 1 x B.
   */
  readonly sharedRandom: RandomSource;
  /** Learning rate of this step's update. */
  readonly learningRate: number;
  readonly rank: number;
}

/** The result of a task's forward pass on one batch. */
export interface StepOutput {
  /** The scalar loss to minimise; the loop runs backward and the update. */
  readonly loss: Tensor;
  /** Named figures for the log (scalar tensors are read after backward). */
  readonly metrics?: Readonly<Record<string, Tensor | LogValue>>;
}

/** Result of a validation. */
export interface ValidationResult {
  /** Lower is better; the best so far is kept as best.safetensors. */
  readonly score: number;
  /** Logged with the step; name them `validation...` so the default plot draws them. */
  readonly metrics: Readonly<Record<string, LogValue>>;
}

/** A model to train: everything the loop does not own. */
export interface TrainingTask<B> {
  /** Title of the plot and of progress lines, e.g. 'codec', 'stage1'. */
  readonly name: string;
  /**
   * What the validation score measures (e.g. 'validation mel-L1 at 12 levels, definition 2'). A checkpoint
   * whose best score measured something else does not carry its best score over.
   */
  readonly scoreName: string;
  /** Builds the model (and whatever the steps need) from a checkpoint, --init weights, or anew. */
  start(start: TrainingStart, log: (message: string) => void): StartedTask | Promise<StartedTask>;
  /** The trainable parameters, always in the same order (optimizer state is stored by position). */
  parameters(): Tensor[] | ParamGroup[];
  /**
   * Buffers that are part of the model's state but not trained by the optimizer (running statistics, EMA
   * codebooks): broadcast from rank 0 at the start of a data-parallel run.
   */
  buffers?(): Tensor[];
  /** True when `step` updates `buffers()` from its batch: they are then averaged over the ranks each step. */
  readonly stepUpdatesBuffers?: boolean;
  /**
   * This rank's batches; `resume.state` is the saved BatchSource.state() (undefined for a fresh run). With
   * several ranks, each takes 1/worldSize of the global batch (batchOrder.ts's EpochOrder, on
   * dataParallel.ts's shardItems, keeps the global batches independent of the number of ranks).
   */
  batches(shard: DataShard, resume: { readonly step: number; readonly state: unknown }): BatchSource<B>;
  /** Forward pass and loss on one batch, in training mode. Runs inside tidy(); the loop does the update. */
  step(batch: B, context: StepContext): StepOutput;
  /** Scores the model (leave it in training mode afterwards). Runs on the main rank only. */
  validate(step: number): ValidationResult | Promise<ValidationResult>;
  /** Writes the model with `provenance` and, for checkpoints, the optimizer state to `path` (a temp file). */
  save(
    path: string,
    provenance: Record<string, unknown>,
    optimizerState?: ReadonlyMap<string, Tensor>,
  ): void | Promise<void>;
  /** Task provenance stored with every save (data, recipe); `bestScore` is the best validation score so far. */
  provenance?(state: { readonly step: number; readonly bestScore: number }): Record<string, unknown>;
  /** The middle of a progress line (default: loss and the step's metrics). */
  describe?(record: TrainLogRecord): string;
  /** Curves of the loss plot (default: defaultLossSeries). */
  plotSeries?(records: readonly TrainLogRecord[]): LossSeries[];
  /** The best score recorded by a checkpoint written before the loop's own fields existed. */
  bestScoreOf?(provenance: Record<string, unknown>): number | undefined;
  /** Frees the model and everything `start` built. */
  dispose(): void;
}

export interface TrainingOptions {
  /** Output folder: checkpoint.safetensors, best.safetensors, log.jsonl, loss.png (created if missing). */
  readonly outDir: string;
  /** Weights to start a fresh run from (--init FILE); a checkpoint in outDir wins. */
  readonly initFrom?: string;
  /** Peak learning rate. */
  readonly learningRate: number;
  /** Linear warmup from lr/warmupSteps to the peak over this many steps (0: none). */
  readonly warmupSteps: number;
  /** After warmup: cosine decay to finalLearningRateFraction x peak at maxSteps, or constant. */
  readonly schedule: 'cosine' | 'constant';
  /** Final learning rate of the cosine decay, as a fraction of the peak. */
  readonly finalLearningRateFraction: number;
  /** AdamW's betas, epsilon and decoupled weight decay (a task's param groups may override the decay). */
  readonly adamW: {
    readonly beta1: number;
    readonly beta2: number;
    readonly eps: number;
    readonly weightDecay: number;
  };
  /** Gradients are scaled down to this global L2 norm (Infinity: no clipping). */
  readonly maxGradNorm: number;
  /** Stop when this many steps are done in total (resumed runs count from the checkpoint's step). */
  readonly maxSteps: number;
  /** Stop after this many minutes of this run. */
  readonly maxMinutes: number;
  /** Write a checkpoint (and redraw the plot) when this many minutes passed since the last one. */
  readonly checkpointMinutes: number;
  /** Validate after step 1 and every this many steps. */
  readonly validateEvery: number;
  /** Seed of the data order, the per-step RNGs and the task's initialisation (a resumed run keeps its own). */
  readonly seed: number;
  /** Print a progress line every this many steps. */
  readonly progressEvery: number;
  /** Stored with every checkpoint (the command line, the data). */
  readonly provenance?: Record<string, unknown>;
  /** Data-parallel hook (default: one process). */
  readonly parallel?: DataParallel;
  /** Progress and events (default: stderr). */
  readonly log?: (message: string) => void;
  /** Stop on SIGINT/SIGTERM after the current step with a checkpoint (default true). */
  readonly handleSignals?: boolean;
}

/** Defaults of the loop (the stage trainers' unless they say otherwise). */
export const defaultTrainingOptions: Omit<TrainingOptions, 'outDir'> = {
  learningRate: 3e-4,
  warmupSteps: 500,
  schedule: 'cosine',
  finalLearningRateFraction: 0.1,
  adamW: { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01 },
  maxGradNorm: 1,
  maxSteps: 100_000,
  maxMinutes: 24 * 60,
  checkpointMinutes: 4,
  validateEvery: 500,
  seed: 0,
  progressEvery: 10,
};

/** Why a run ended. */
export type StopReason = 'maxSteps' | 'maxMinutes' | 'signal';

export interface TrainingSummary {
  /** Steps done in total. */
  readonly step: number;
  /** Best validation score so far (Infinity before any validation). */
  readonly bestScore: number;
  readonly stopReason: StopReason;
  /** The signal that stopped the run, if one did. */
  readonly signal?: string;
}

/** The loop's own record in each checkpoint's provenance (under `training`). */
interface LoopState {
  seed: number;
  worldSize: number;
  /** Updates applied (steps whose gradients were not finite were skipped). */
  optimizerSteps: number;
  dataState: unknown;
  bestValidationScore: number | null;
  validationScoreName: string;
}

/** The learning-rate schedule of the options. */
export function learningRateSchedule(o: TrainingOptions): Schedule {
  return o.schedule === 'constant'
    ? warmupConstant(o.learningRate, o.warmupSteps)
    : warmupCosine({
        peak: o.learningRate,
        warmupSteps: o.warmupSteps,
        totalSteps: o.maxSteps,
        floor: o.learningRate * o.finalLearningRateFraction,
      });
}

/** Flat list of a parameter list or of groups. */
function flatParameters(params: Tensor[] | ParamGroup[]): Tensor[] {
  return params.length > 0 && 'params' in (params[0] as object)
    ? (params as ParamGroup[]).flatMap((g) => g.params)
    : (params as Tensor[]);
}

/** Seconds as '40 s', '12 min' or '3.5 h'. */
/** User + system CPU seconds of this process since `start` (process.cpuUsage()). */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Trains `task` until maxSteps, maxMinutes or a signal; resumes from outDir's checkpoint when there is one. */
export async function runTraining<B>(task: TrainingTask<B>, o: TrainingOptions): Promise<TrainingSummary> {
  const parallel = o.parallel ?? singleProcess;
  const isMain = parallel.isMain;
  // Only the main rank logs, reads the checkpoint or --init weights, and writes; the others get its state.
  const log = isMain ? (o.log ?? ((m: string) => process.stderr.write(`${m}\n`))) : () => {};
  const checkpointPath = join(o.outDir, runFiles.checkpoint);
  const logPath = join(o.outDir, runFiles.log);
  if (isMain) mkdirSync(o.outDir, { recursive: true });
  const resuming = isMain && existsSync(checkpointPath);
  if (isMain && !resuming && o.initFrom && !existsSync(o.initFrom))
    throw new V2meowError('FILE_NOT_FOUND', '--init weights do not exist', o.initFrom);
  const start: TrainingStart = !isMain
    ? { from: 'fresh', replica: true }
    : resuming
      ? { from: 'checkpoint', path: checkpointPath }
      : o.initFrom
        ? { from: 'init', path: o.initFrom }
        : { from: 'fresh' };
  if (resuming && o.initFrom) log(`${checkpointPath} exists: resuming from it, --init ${o.initFrom} ignored`);
  manualSeed(o.seed);
  const started = await task.start(start, log);
  let optimizer: AdamW | undefined;
  let batches: BatchSource<B> | undefined;
  let onSignal: ((signal: string) => void) | undefined;
  try {
    const saved = resuming ? (started.provenance ?? {}) : {};
    // The run's state as the main rank read it from the checkpoint, on every rank.
    const state = await broadcastJson(parallel, {
      ...((saved.training ?? {}) as Partial<LoopState>),
      steps: resuming ? Number(saved.steps ?? 0) : 0,
    });
    let step = state.steps;
    const seed = state.seed ?? o.seed;
    if (seed !== o.seed) log(`the checkpoint's run uses seed ${seed} (not ${o.seed}): keeping its seed`);
    if (state.worldSize !== undefined && state.worldSize !== parallel.worldSize)
      log(
        `the checkpoint was written by ${state.worldSize} ranks, now ${parallel.worldSize} (same global batches)`,
      );
    let bestScore = Number.POSITIVE_INFINITY;
    // CPU seconds of the run so far (user + system, every thread of this process), continued over resumes:
    // what the learning curves are plotted against (issue 13 plans training in CPU-hours)
    let cpuBase = 0;
    const cpuStart = process.cpuUsage();
    if (resuming) {
      if (state.validationScoreName === undefined) bestScore = task.bestScoreOf?.(saved) ?? bestScore;
      else if (state.validationScoreName === task.scoreName)
        bestScore = state.bestValidationScore ?? Number.POSITIVE_INFINITY;
      else log(`best score of the checkpoint measured '${state.validationScoreName}': starting best anew`);
      log(`resumed from ${checkpointPath} at step ${step}`);
      if (isMain) {
        const dropped = truncateLog(logPath, step);
        if (dropped > 0)
          log(`log.jsonl: ${dropped} records after step ${step} dropped (they are repeated now)`);
        const last = readLog(logPath).at(-1)?.cpuSeconds;
        cpuBase = typeof last === 'number' ? last : 0;
      }
    }

    const groups = task.parameters();
    const params = flatParameters(groups);
    const buffers = task.buffers?.() ?? [];
    const adamW = new AdamW(groups, { lr: o.learningRate, ...o.adamW });
    optimizer = adamW;
    const moments = started.extraTensors ?? new Map<string, Tensor>();
    try {
      if (resuming && [...adamW.stateDict().keys()].every((name) => moments.has(name)))
        adamW.loadStateDict(moments, state.optimizerSteps ?? step);
      else if (resuming) log(`${checkpointPath} holds no optimizer state: AdamW's moments start at zero`);
    } finally {
      for (const t of moments.values()) t.dispose();
    }
    // Every rank starts from the main rank's model, buffers and optimizer moments.
    await parallel.broadcastFromMain([...params, ...buffers, ...adamW.stateDict().values()], task.name);
    if (!isMain) adamW.step = state.optimizerSteps ?? step;
    const schedule = learningRateSchedule(o);
    const shard: DataShard = { rank: parallel.rank, worldSize: parallel.worldSize, seed };
    const source = task.batches(shard, { step, state: state.dataState });
    batches = source;
    const commit = gitCommit();

    const provenance = (): Record<string, unknown> => ({
      ...o.provenance,
      ...task.provenance?.({ step, bestScore }),
      gitCommit: commit,
      optimization: {
        learningRate: o.learningRate,
        warmupSteps: o.warmupSteps,
        schedule: o.schedule,
        finalLearningRateFraction: o.finalLearningRateFraction,
        adamW: o.adamW,
        maxGradNorm: o.maxGradNorm,
        maxSteps: o.maxSteps,
      },
      steps: step,
      training: {
        seed,
        worldSize: parallel.worldSize,
        optimizerSteps: adamW.step,
        dataState: source.state(),
        bestValidationScore: Number.isFinite(bestScore) ? bestScore : null,
        validationScoreName: task.scoreName,
      } satisfies LoopState,
      savedAt: new Date().toISOString(),
    });
    let lastCheckpoint = Date.now();
    /** Writes the checkpoint, then redraws the loss plot (main rank only). */
    const checkpoint = async (): Promise<void> => {
      lastCheckpoint = Date.now();
      if (!isMain) return;
      await writeAtomically(checkpointPath, (tmp) => task.save(tmp, provenance(), adamW.stateDict()));
      log(`step ${step}: checkpoint written`);
      await writeLossPlot(readLog(logPath), join(o.outDir, runFiles.plot), {
        title: `${task.name} training`,
        series: task.plotSeries?.bind(task),
      }).catch((e) => log(`plot failed: ${e instanceof Error ? e.message : e}`));
    };

    // SIGINT / SIGTERM end the run after the current step, with a checkpoint. The loop yields to the event
    // loop once per step, so that signals are seen and the loss plot (an async PNG encode) gets written.
    let stopSignal: string | null = null;
    onSignal = (signal: string) => {
      stopSignal = signal;
      log(`${signal}: stopping after this step`);
    };
    if (o.handleSignals ?? true) process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const runStart = Date.now();
    let stopReason: StopReason = 'maxSteps';
    let stepSeconds = 0; // moving average, for the time left
    for (;;) {
      await nextTick();
      const timeUp = Date.now() - runStart >= o.maxMinutes * 60_000;
      const wantStop = stopSignal !== null || timeUp;
      const stop = await parallel.anyRank(wantStop);
      if (step >= o.maxSteps) break;
      if (stop) {
        stopReason = stopSignal !== null || !timeUp ? 'signal' : 'maxMinutes';
        break;
      }
      const batch = source.next();
      manualSeed(mixSeed(seed, `torch:${parallel.rank}:${step}`));
      const context: StepContext = {
        step,
        random: createRandom(mixSeed(seed, `task:${parallel.rank}:${step}`)),
        sharedRandom: createRandom(mixSeed(seed, `shared:${step}`)),
        learningRate: schedule(step),
        rank: parallel.rank,
      };
      const t0 = Date.now();
      const numbers = tidy(() => {
        const out = task.step(batch, context);
        adamW.zeroGrad();
        out.loss.backward();
        const metrics: Record<string, LogValue> = {};
        for (const [name, value] of Object.entries(out.metrics ?? {}))
          metrics[name] = value instanceof Tensor ? value.item() : value;
        return { loss: out.loss.item(), metrics };
      });
      await parallel.averageGradients(params);
      if (task.stepUpdatesBuffers && buffers.length > 0) await parallel.averageTensors(buffers);
      const gradNorm = clipGradNorm(params, o.maxGradNorm);
      if (Number.isFinite(gradNorm)) adamW.stepWith(context.learningRate);
      else {
        adamW.zeroGrad();
        log(`step ${step + 1}: gradient norm ${gradNorm}, update skipped`);
      }
      step += 1;
      const seconds = (Date.now() - t0) / 1000;
      stepSeconds = stepSeconds === 0 ? seconds : 0.9 * stepSeconds + 0.1 * seconds;
      let record: TrainLogRecord = {
        step,
        time: new Date().toISOString(),
        ...numbers.metrics,
        loss: numbers.loss,
        lr: context.learningRate,
        gradNorm,
        seconds,
        cpuSeconds: cpuBase + cpuSecondsSince(cpuStart),
      };
      if (isMain && (step % o.validateEvery === 0 || step === 1)) {
        const validation = await task.validate(step);
        const improved = validation.score < bestScore;
        if (improved) {
          bestScore = validation.score;
          await writeAtomically(join(o.outDir, runFiles.best), (tmp) => task.save(tmp, provenance()));
        }
        record = { ...record, ...validation.metrics, validationScore: validation.score };
        log(
          `step ${step}: ${formatMetrics(validation.metrics)} (score ${validation.score.toPrecision(5)}, ` +
            `best ${bestScore.toPrecision(5)}${improved ? ', saved' : ''})`,
        );
      }
      if (isMain) appendLog(logPath, record);
      if (isMain && step % o.progressEvery === 0) {
        const middle = task.describe?.(record) ?? formatMetrics({ loss: record.loss, ...numbers.metrics });
        const left = Math.min(
          (o.maxSteps - step) * stepSeconds,
          o.maxMinutes * 60 - (Date.now() - runStart) / 1000,
        );
        log(
          `${task.name} step ${step}/${o.maxSteps} ${middle} lr ${context.learningRate.toExponential(2)} ` +
            `${seconds.toFixed(2)} s/step, ${formatDuration(left)} left`,
        );
      }
      if (Date.now() - lastCheckpoint >= o.checkpointMinutes * 60_000) await checkpoint();
    }
    await checkpoint();
    return { step, bestScore, stopReason, ...(stopSignal ? { signal: stopSignal } : {}) };
  } finally {
    if (onSignal) process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    batches?.close?.();
    optimizer?.dispose();
    task.dispose();
  }
}
