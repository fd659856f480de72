// Data-parallel training (as PyTorch's DistributedDataParallel, on the same c10d engine): every rank holds a
// replica of the model, rank 0's parameters and buffers are broadcast at the start, each rank computes the
// gradients of its shard of the global batch, and the gradients are averaged across ranks in ~25 MB buckets
// (one all-reduce per bucket) after backward, so every replica takes the same optimizer step. The data order
// is a pure function of (seed, step): rank r takes items r, r+W, r+2W, ... of each global batch, so a run
// resumes at any step with the same or a different number of processes and sees the same global batches.
// Only rank 0 (isMain) writes checkpoints, logs and plots.
import { V2meowError } from '../errors.js';
import { ProcessGroup, type ProcessGroupOptions } from '../torch/distributed.js';
import { cat, type DType, noGrad, type Tensor, tensor, tidy, zeros } from '../torch/index.js';
import { createRandom, mixSeed, shuffleInPlace } from '../util/random.js';
import type { DataParallel as LoopDataParallel } from './loop.js';

/** Gradient bucket size of PyTorch's DDP (bucket_cap_mb = 25). */
export const defaultBucketBytes = 25 * 1024 * 1024;

const bytesPerElement: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
  complex64: 8,
  int8: 1,
};

/**
 * Splits tensors (given as [dtype, element count]) into buckets of one dtype and at most `bucketBytes` each
 * (a larger tensor gets a bucket of its own), in order. Returns the indices of each bucket.
 */
export function bucketIndices(
  tensors: readonly (readonly [DType, number])[],
  bucketBytes = defaultBucketBytes,
): number[][] {
  const open = new Map<DType, { indices: number[]; bytes: number }>();
  const out: number[][] = [];
  tensors.forEach(([dtype, numel], index) => {
    const bytes = numel * bytesPerElement[dtype];
    let bucket = open.get(dtype);
    if (bucket && bucket.bytes + bytes > bucketBytes) {
      out.push(bucket.indices);
      bucket = undefined;
    }
    if (!bucket) {
      bucket = { indices: [], bytes: 0 };
      open.set(dtype, bucket);
    }
    bucket.indices.push(index);
    bucket.bytes += bytes;
  });
  for (const bucket of open.values()) out.push(bucket.indices);
  return out;
}

/** Rows per rank of a global batch; the global batch must split evenly. */
export function localBatchSize(globalBatchSize: number, worldSize: number): number {
  if (!Number.isInteger(globalBatchSize / worldSize) || globalBatchSize < worldSize)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `batch size ${globalBatchSize} does not split evenly over ${worldSize} processes`,
    );
  return globalBatchSize / worldSize;
}

export interface ShardOptions {
  /** Items in the data set (they are visited once per epoch, in a seeded order). */
  readonly numItems: number;
  /** Seed of the epoch orders. */
  readonly seed: number;
  /** Training step, from 0: the global batch of step s holds positions s*B .. s*B+B-1 of the item stream. */
  readonly step: number;
  /** Items per step over all ranks together (B). */
  readonly globalBatchSize: number;
  readonly rank: number;
  readonly worldSize: number;
  /** Separates the orders of different data under one seed (default: none). */
  readonly label?: string;
}

/** One position of the endless item stream: its epoch and its item. */
export interface ShardItem {
  /** Position in the stream (step * globalBatchSize + slot); seeds per-item randomness such as crops. */
  readonly position: number;
  readonly epoch: number;
  /** Index of the item in the data set. */
  readonly item: number;
}

const epochOrders = new Map<string, Uint32Array>();

/** The seeded order of epoch `epoch` (a permutation of 0..numItems-1; the last few are cached). */
export function epochOrder(numItems: number, seed: number, epoch: number, label?: string): Uint32Array {
  const key = `${numItems}:${seed}:${epoch}:${label ?? ''}`;
  let order = epochOrders.get(key);
  if (!order) {
    const items = Array.from({ length: numItems }, (_, k) => k);
    order = Uint32Array.from(
      shuffleInPlace(
        items,
        createRandom(mixSeed(seed, label === undefined ? `epoch:${epoch}` : `${label}:epoch:${epoch}`)),
      ),
    );
    if (epochOrders.size >= 4) epochOrders.delete(epochOrders.keys().next().value!);
    epochOrders.set(key, order);
  }
  return order;
}

/**
 * This rank's items of one step: positions step*B + rank + k*W (k = 0 .. B/W-1) of the endless stream made of
 * seeded epoch orders. A pure function: the global batch of a step does not depend on the number of ranks.
 */
export function shardItems(o: ShardOptions): ShardItem[] {
  if (!Number.isInteger(o.numItems) || o.numItems < 1)
    throw new V2meowError('EMPTY_CORPUS', `cannot shard ${o.numItems} items`);
  const perRank = localBatchSize(o.globalBatchSize, o.worldSize);
  const out: ShardItem[] = [];
  for (let k = 0; k < perRank; k++) {
    const position = o.step * o.globalBatchSize + o.rank + k * o.worldSize;
    const epoch = Math.floor(position / o.numItems);
    out.push({
      position,
      epoch,
      item: epochOrder(o.numItems, o.seed, epoch, o.label)[position % o.numItems]!,
    });
  }
  return out;
}

/** Where a process stands in a data-parallel run. */
export interface ParallelContext {
  /** Rank of this process, 0..worldSize-1. */
  readonly rank: number;
  /** Processes in the run, over all machines. */
  readonly worldSize: number;
  /** Rank of this process on its machine (picks a GPU with NCCL). */
  readonly localRank: number;
  /** True on rank 0, the only rank that writes checkpoints, logs and plots. */
  readonly isMain: boolean;
}

/** The calls a trainer makes; with one process they do nothing. */
export class DataParallel implements ParallelContext, LoopDataParallel {
  readonly isMain: boolean;
  /** Where the small bookkeeping tensors go: NCCL reduces CUDA tensors only. */
  readonly #device: 'cpu' | 'cuda';
  /** Bytes all-reduced by the last averageGradients call (for benches and logs). */
  lastReducedBytes = 0;

  private constructor(
    readonly rank: number,
    readonly worldSize: number,
    readonly localRank: number,
    readonly group: ProcessGroup | null,
  ) {
    this.isMain = rank === 0;
    this.#device = group?.backend === 'nccl' ? 'cuda' : 'cpu';
  }

  /** A run of one process: every call is a no-op. */
  static single(): DataParallel {
    return new DataParallel(0, 1, 0, null);
  }

  /** Joins the process group of a run (worldSize 1 joins nothing). */
  static async join(options: ProcessGroupOptions & { readonly localRank?: number }): Promise<DataParallel> {
    if (options.worldSize === 1 && options.rank === 0) return DataParallel.single();
    const group = await ProcessGroup.init(options);
    return new DataParallel(options.rank, options.worldSize, options.localRank ?? options.rank, group);
  }

  /**
   * Gives every rank rank 0's values of `tensors` (parameters, buffers, optimizer moments, ...), after
   * checking that all ranks hold the same shapes (a different model on some rank fails here, clearly).
   */
  async broadcastFromMain(tensors: readonly Tensor[], what = 'model'): Promise<void> {
    if (!this.group) return;
    await this.#checkSameShapes(tensors, what);
    const group = this.group;
    await this.#inPlaceByBuckets(tensors, (flat) => group.broadcast([flat], 0));
  }

  /**
   * Runs `collective` on each bucket of `tensors` (same dtype, flattened into one tensor) and copies its
   * result back into them.
   */
  async #inPlaceByBuckets(
    tensors: readonly Tensor[],
    collective: (flat: Tensor) => Promise<void>,
  ): Promise<void> {
    for (const bucket of bucketIndices(tensors.map((t) => [t.dtype, t.numel]))) {
      const flat = tidy(() => cat(bucket.map((i) => tensors[i]!.detach().reshape([-1])))).keep();
      try {
        await collective(flat);
        noGrad(() =>
          tidy(() => {
            let offset = 0;
            for (const i of bucket) {
              const t = tensors[i]!;
              t.copy_(flat.narrow(0, offset, t.numel).reshape(t.shape));
              offset += t.numel;
            }
          }),
        );
      } finally {
        flat.dispose();
      }
    }
  }

  /**
   * Averages the gradients of `params` over the ranks, in buckets of at most `bucketBytes` (one all-reduce
   * each), after backward and before clipping and the optimizer step. A parameter without a gradient on some
   * ranks counts as zero there; one without a gradient on every rank keeps none (the optimizer skips it).
   */
  async averageGradients(params: readonly Tensor[], bucketBytes = defaultBucketBytes): Promise<void> {
    this.lastReducedBytes = 0;
    if (!this.group) return;
    const present = tensor(
      Float64Array.from(params, (p) => (tidy(() => p.grad !== null) ? 1 : 0)),
      undefined,
      { device: this.#device },
    ).keep();
    let counts: number[];
    try {
      await this.group.allReduce([present], 'sum');
      counts = present.toArray();
    } finally {
      present.dispose();
    }
    const used = params.filter((_, i) => counts[i]! > 0);
    for (const bucket of bucketIndices(
      used.map((p) => [p.dtype, p.numel]),
      bucketBytes,
    )) {
      const flat = tidy(() =>
        cat(
          bucket.map((i) =>
            (used[i]!.grad ?? zeros(used[i]!.shape, { dtype: used[i]!.dtype, device: this.#device })).reshape(
              [-1],
            ),
          ),
        ),
      ).keep();
      try {
        await this.group.allReduce([flat], 'mean');
        this.lastReducedBytes += flat.numel * bytesPerElement[flat.dtype];
        noGrad(() =>
          tidy(() => {
            let offset = 0;
            for (const i of bucket) {
              const p = used[i]!;
              const slice = flat.narrow(0, offset, p.numel).reshape(p.shape);
              const grad = p.grad;
              if (grad) grad.copy_(slice);
              else p.setGrad(slice.clone()); // the parameter holds it; the wrapper goes with the scope
              offset += p.numel;
            }
          }),
        );
      } finally {
        flat.dispose();
      }
    }
  }

  /** Averages tensors in place over the ranks (running statistics such as EMA codebooks). */
  async averageTensors(tensors: readonly Tensor[]): Promise<void> {
    if (!this.group) return;
    const group = this.group;
    await this.#inPlaceByBuckets(tensors, (flat) => group.allReduce([flat], 'mean'));
  }

  /** Sums (or averages) plain numbers over the ranks, e.g. a loss to log or a step count to agree on. */
  async reduceNumbers(values: readonly number[], op: 'sum' | 'mean' = 'sum'): Promise<number[]> {
    if (!this.group) return [...values];
    const t = tensor(Float64Array.from(values), undefined, { device: this.#device }).keep();
    try {
      await this.group.allReduce([t], op);
      return t.toArray();
    } finally {
      t.dispose();
    }
  }

  /** Rank 0's values of plain numbers (a step count, a best score) on every rank. */
  async broadcastNumbers(values: readonly number[]): Promise<number[]> {
    if (!this.group) return [...values];
    const t = tensor(Float64Array.from(values), undefined, { device: this.#device }).keep();
    try {
      await this.group.broadcast([t], 0);
      return t.toArray();
    } finally {
      t.dispose();
    }
  }

  /** True on every rank when `flag` is true on any (e.g. stop: a signal or a time limit seen by one rank). */
  async anyRank(flag: boolean): Promise<boolean> {
    if (!this.group) return flag;
    return (await this.reduceNumbers([flag ? 1 : 0]))[0]! > 0;
  }

  /** Resolves when every rank got here (e.g. before rank 0 reads what the others wrote). */
  async barrier(): Promise<void> {
    await this.group?.barrier();
  }

  /** Leaves the process group. */
  destroy(): void {
    this.group?.destroy();
  }

  /** Fails on every rank, naming the ranks, when some rank's tensor list differs in count, shapes or dtypes. */
  async #checkSameShapes(tensors: readonly Tensor[], what: string): Promise<void> {
    // A fingerprint of the layout: count, elements, and a shape/dtype hash that fits a float64 exactly.
    let hash = 0;
    for (const t of tensors) {
      for (const c of `${t.dtype}[${t.shape.join(',')}];`)
        hash = (Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0) % 2 ** 31;
    }
    const mine = [tensors.length, tensors.reduce((n, t) => n + t.numel, 0), hash];
    const main = tensor(Float64Array.from(mine), undefined, { device: this.#device }).keep();
    let reference: number[];
    try {
      await this.group!.broadcast([main], 0);
      reference = main.toArray();
    } finally {
      main.dispose();
    }
    const differs = mine.some((v, k) => v !== reference[k]);
    const flags = await this.reduceNumbers(
      Array.from({ length: this.worldSize }, (_, r) => (r === this.rank && differs ? 1 : 0)),
    );
    const bad = flags.flatMap((f, r) => (f > 0 ? [r] : []));
    if (bad.length)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `the ${what} of rank${bad.length > 1 ? 's' : ''} ${bad.join(', ')} differs from rank 0's ` +
          `(${mine[0]} tensors, ${mine[1]} elements here; ${reference[0]} and ${reference[1]} on rank 0)`,
      );
  }
}
