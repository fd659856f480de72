// A data-parallel training worker for dataParallelTraining.test.ts: a float64 two-layer regression model on
// seeded synthetic data, trained by the shared loop (loop.ts's runTraining with dataParallel.ts's
// DataParallel: rank 0's state broadcast, shards of the global batch, averaged gradients, clipping, AdamW;
// a checkpoint after every step from rank 0); rank 0 then writes the final parameters as JSON. Run as
// `node dataParallelWorker.js CONFIG_JSON`, alone or with the torchrun variables set. Without an argument
// (as when `node --test` visits this folder) it does nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, type Tensor, tensor } from '../../src/torch/index.js';
import { EpochOrder, indexedBatches } from '../../src/train/batchOrder.js';
import { localBatchSize } from '../../src/train/dataParallel.js';
import { launchOrJoin, parseLaunchFlags } from '../../src/train/launch.js';
import {
  type BatchSource,
  type DataShard,
  defaultTrainingOptions,
  runTraining,
  type StartedTask,
  type StepOutput,
  type TrainingStart,
  type TrainingTask,
} from '../../src/train/loop.js';
import { createRandom, mixSeed } from '../../src/util/random.js';

export interface WorkerConfig {
  /** Train until this many steps in total. */
  readonly steps: number;
  readonly globalBatch: number;
  /** Rank 0 writes checkpoint.safetensors (after every step) and params.json here. */
  readonly outDir: string;
  /** Pause in each step (so a test can kill a worker mid-run). */
  readonly stepDelayMs: number;
  readonly timeoutMs: number;
}

const numItems = 48;
const inputs = 6;
const hidden = 12;
const seed = 11;
const names = ['w1', 'b1', 'w2', 'b2'];

function randomArray(length: number, label: string, scale: number): Float64Array {
  const random = createRandom(mixSeed(seed, label));
  return Float64Array.from({ length }, () => (random() * 2 - 1) * scale);
}

const features = randomArray(numItems * inputs, 'x', 1);
const targets = Float64Array.from({ length: numItems }, (_, i) => {
  let s = 0;
  for (let k = 0; k < inputs; k++) s += features[i * inputs + k]! * (k % 2 ? 0.7 : -0.4);
  return Math.sin(2 * s);
});

type Batch = readonly number[];

/** The regression model as a task of the shared loop. */
class RegressionTask implements TrainingTask<Batch> {
  readonly name = 'regression';
  readonly scoreName = 'mse on all items';
  params: Tensor[] = [];
  initial: Record<string, number[]> = {};
  final: Record<string, number[]> = {};

  constructor(readonly config: WorkerConfig) {}

  start(start: TrainingStart): StartedTask {
    this.params = [
      tensor(randomArray(hidden * inputs, 'w1', 0.5), [hidden, inputs]),
      tensor(randomArray(hidden, 'b1', 0.1), [hidden]),
      tensor(randomArray(hidden, 'w2', 0.5), [1, hidden]),
      tensor(randomArray(1, 'b2', 0.1), [1]),
    ].map((p) => p.keep().requiresGrad_(true));
    this.initial = Object.fromEntries(this.params.map((p, k) => [names[k]!, p.toArray()]));
    if (start.from !== 'checkpoint') return {};
    const saved = loadSafetensors(start.path);
    const rest = new Map<string, Tensor>();
    for (const [name, t] of saved.tensors) {
      const k = names.indexOf(name);
      if (k < 0) rest.set(name, t);
      else {
        this.params[k]!.detach().copy_(t);
        t.dispose();
      }
    }
    return { provenance: JSON.parse(saved.metadata.provenance ?? '{}'), extraTensors: rest };
  }

  parameters(): Tensor[] {
    return this.params;
  }

  batches(shard: DataShard, resume: { step: number; state: unknown }): BatchSource<Batch> {
    const order = new EpochOrder(numItems, localBatchSize(this.config.globalBatch, shard.worldSize), shard);
    return indexedBatches((index) => order.batch(index).items, resume.state, resume.step);
  }

  #loss(items: Batch): Tensor {
    const x = tensor(
      Float64Array.from(items.flatMap((item) => [...features.subarray(item * inputs, (item + 1) * inputs)])),
      [items.length, inputs],
    );
    const y = tensor(
      Float64Array.from(items, (item) => targets[item]!),
      [items.length, 1],
    );
    const [w1, b1, w2, b2] = this.params as [Tensor, Tensor, Tensor, Tensor];
    return x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2).sub(y).square().mean();
  }

  step(items: Batch): StepOutput {
    if (this.config.stepDelayMs > 0)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.config.stepDelayMs);
    return { loss: this.#loss(items) };
  }

  validate() {
    const score = this.#loss(Array.from({ length: numItems }, (_, k) => k)).item();
    return { score, metrics: { validationMse: score } };
  }

  save(path: string, provenance: Record<string, unknown>, optimizerState?: ReadonlyMap<string, Tensor>) {
    const state = new Map<string, Tensor>(optimizerState ?? []);
    this.params.forEach((p, k) => {
      state.set(names[k]!, p);
    });
    saveSafetensors(path, state, { step: String(provenance.steps), provenance: JSON.stringify(provenance) });
  }

  dispose(): void {
    this.final = Object.fromEntries(this.params.map((p, k) => [names[k]!, p.toArray()]));
    for (const p of this.params) p.dispose();
    this.params = [];
  }
}

async function run(config: WorkerConfig): Promise<void> {
  const launch = await launchOrJoin(
    parseLaunchFlags({ 'dist-timeout': String(config.timeoutMs / 1000) }),
    () => {},
  );
  if (launch.kind !== 'worker') throw new Error('the test worker is started per rank');
  const dp = launch.parallel;
  const task = new RegressionTask(config);
  const summary = await runTraining(task, {
    ...defaultTrainingOptions,
    outDir: config.outDir,
    learningRate: 0.02,
    warmupSteps: 0,
    schedule: 'constant',
    adamW: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
    maxGradNorm: 0.05, // small enough to clip at every step: it must see the averaged gradients
    maxSteps: config.steps,
    checkpointMinutes: 0,
    validateEvery: 1000,
    seed,
    progressEvery: 1000,
    parallel: dp,
    log: () => {},
    handleSignals: false,
  });
  if (dp.isMain)
    writeFileSync(
      join(config.outDir, 'params.json'),
      JSON.stringify({
        step: summary.step,
        worldSize: dp.worldSize,
        values: task.final,
        initial: task.initial,
      }),
    );
  await dp.barrier();
  dp.destroy();
}

if (process.argv[2]) {
  run(JSON.parse(process.argv[2]) as WorkerConfig).then(
    () => {
      process.exitCode = 0;
    },
    (err) => {
      process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
