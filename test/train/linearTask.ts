// A tiny training task for the loop's tests: linear regression y = x . w* + b* on a fixed synthetic set,
// with input noise from libtorch's generator and a coin from the step's RandomSource, so that a resumed run
// only matches an uninterrupted one when the loop restores both RNGs and the data order.
import {
  F,
  loadModelWeights,
  nn,
  randn,
  readModelInfo,
  saveModel,
  type Tensor,
  tensor,
  tidy,
} from '../../src/torch/index.js';
import { EpochOrder, indexedBatches } from '../../src/train/batchOrder.js';
import type {
  BatchSource,
  DataShard,
  StartedTask,
  StepContext,
  StepOutput,
  TrainingStart,
  TrainingTask,
  ValidationResult,
} from '../../src/train/loop.js';
import { createRandom } from '../../src/util/random.js';

export const linearKind = 'test-linear';

export interface LinearBatch {
  /** [batchSize, inputDim] */
  readonly x: Float32Array;
  /** [batchSize] */
  readonly y: Float32Array;
  readonly items: readonly number[];
}

export interface LinearTaskOptions {
  readonly inputDim?: number;
  readonly numItems?: number;
  readonly batchSize?: number;
  /** Called at the start of each step (tests stop runs from here). */
  readonly onStep?: (step: number) => void;
  /** Milliseconds each step blocks (child-process tests: time to send a signal mid-run). */
  readonly stepMilliseconds?: number;
  /** The 0-based step whose loss is NaN (tests of skipped updates). */
  readonly nanAtStep?: number;
}

/** The fixed data set: rows [numItems, inputDim] and targets. */
function syntheticData(numItems: number, inputDim: number, seed: number) {
  const random = createRandom(seed);
  const weights = Array.from({ length: inputDim }, () => 2 * random() - 1);
  const x = Float32Array.from({ length: numItems * inputDim }, () => 2 * random() - 1);
  const y = Float32Array.from({ length: numItems }, (_, i) => {
    let sum = 0.5;
    for (let d = 0; d < inputDim; d++) sum += weights[d]! * x[i * inputDim + d]!;
    return sum;
  });
  return { x, y };
}

class Linear extends nn.Module {
  readonly layer: nn.Linear;
  constructor(readonly inputDim: number) {
    super();
    this.layer = this.child('layer', new nn.Linear(inputDim, 1));
  }
  forward(x: Tensor): Tensor {
    return this.layer.forward(x).squeeze(1);
  }
}

export class LinearTask implements TrainingTask<LinearBatch> {
  readonly name = 'linear';
  readonly scoreName = 'validation mse';
  readonly inputDim: number;
  readonly batchSize: number;
  model: Linear | null = null;
  readonly train: { x: Float32Array; y: Float32Array };
  readonly heldOut: { x: Float32Array; y: Float32Array };
  /** Shards the loop asked for (tests of the parallel hook). */
  readonly shards: DataShard[] = [];
  /** Validation scores in order (tests of the best checkpoint). */
  readonly scores: number[] = [];
  starts: TrainingStart[] = [];

  constructor(readonly options: LinearTaskOptions = {}) {
    this.inputDim = options.inputDim ?? 4;
    this.batchSize = options.batchSize ?? 4;
    this.train = syntheticData(options.numItems ?? 24, this.inputDim, 1);
    this.heldOut = syntheticData(16, this.inputDim, 2);
  }

  start(start: TrainingStart): StartedTask {
    this.starts.push(start);
    if (start.from === 'fresh') {
      this.model = new Linear(this.inputDim);
      return {};
    }
    const info = readModelInfo<{ inputDim: number }>(start.path, linearKind);
    this.model = new Linear(info.config.inputDim);
    const rest = loadModelWeights(start.path, this.model);
    if (start.from === 'init') {
      for (const t of rest.values()) t.dispose();
      return {};
    }
    return { provenance: info.extra, extraTensors: rest };
  }

  parameters(): Tensor[] {
    return this.model!.parameters();
  }

  batches(shard: DataShard, resume: { step: number; state: unknown }): BatchSource<LinearBatch> {
    this.shards.push(shard);
    const order = new EpochOrder(this.train.y.length, this.batchSize, shard);
    const d = this.inputDim;
    return indexedBatches(
      (index) => {
        const { items } = order.batch(index);
        const x = new Float32Array(items.length * d);
        items.forEach((item, row) => {
          x.set(this.train.x.subarray(item * d, (item + 1) * d), row * d);
        });
        return { x, y: Float32Array.from(items, (item) => this.train.y[item]!), items };
      },
      resume.state,
      resume.step,
    );
  }

  step(batch: LinearBatch, context: StepContext): StepOutput {
    this.options.onStep?.(context.step);
    if (this.options.stepMilliseconds)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.options.stepMilliseconds);
    const n = batch.y.length;
    const x = tensor(batch.x, [n, this.inputDim]).add(randn([n, this.inputDim]).mul(0.01));
    let loss = F.mseLoss(this.model!.forward(x), tensor(batch.y, [n]));
    if (context.step === this.options.nanAtStep) loss = loss.mul(Number.NaN);
    return { loss, metrics: { items: batch.items.join(','), coin: context.random() } };
  }

  validate(): ValidationResult {
    const n = this.heldOut.y.length;
    const mse = tidy(() =>
      F.mseLoss(
        this.model!.forward(tensor(this.heldOut.x, [n, this.inputDim])),
        tensor(this.heldOut.y, [n]),
      ).item(),
    );
    this.scores.push(mse);
    return { score: mse, metrics: { validationMse: mse } };
  }

  save(
    path: string,
    provenance: Record<string, unknown>,
    optimizerState?: ReadonlyMap<string, Tensor>,
  ): void {
    saveModel(
      path,
      this.model!,
      { kind: linearKind, config: { inputDim: this.inputDim }, extra: provenance },
      optimizerState,
    );
  }

  provenance(): Record<string, unknown> {
    return { recipe: { batchSize: this.batchSize }, data: { hoursBySource: { synthetic: 0.01 } } };
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}

/** Parameters and optimizer state of a saved file, as plain arrays by name. */
export function fileTensors(
  path: string,
  load: (p: string) => Map<string, Tensor>,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const tensors = load(path);
  for (const [name, t] of [...tensors].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[name] = t.toArray();
    t.dispose();
  }
  return out;
}
