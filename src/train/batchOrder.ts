// Which training items each step reads, as a pure function of (seed, step, rank): epochs are seeded
// permutations of the items laid end to end, step k of the whole run takes the next batchSize x worldSize
// rows of that stream, and rank r takes its own batchSize of them (data-parallel shards that never overlap
// within an epoch). Being random-access, the order needs no saved state beyond the number of batches drawn,
// so a resumed run (src/train/loop.ts) continues the data order exactly. Each row also gets its own seed
// (for a random crop), a function of its place in the stream.
import { createRandom, mixSeed, type RandomSource, shuffleInPlace } from '../util/random.js';
import type { BatchSource, DataShard } from './loop.js';

/** Rows of one batch of one rank. */
export interface BatchRows {
  /** Item indices (0..numItems-1), batchSize of them. */
  readonly items: readonly number[];
  /** A random source per row (e.g. for its crop), seeded by the row's place in the stream. */
  readonly rowRandom: readonly RandomSource[];
  /** Epoch of the batch's first row, from 0. */
  readonly epoch: number;
}

export class EpochOrder {
  private readonly permutations = new Map<number, Int32Array>();

  /**
   * @param numItems items in the training set (> 0)
   * @param batchSize rows per batch per rank
   * @param shard this process's rank and the number of ranks, and the run's seed
   * @param label separates orders of different data under one seed
   */
  constructor(
    readonly numItems: number,
    readonly batchSize: number,
    readonly shard: DataShard,
    readonly label = 'train',
  ) {
    if (!Number.isInteger(numItems) || numItems < 1) throw new RangeError(`EpochOrder: ${numItems} items`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`EpochOrder: batch ${batchSize}`);
  }

  private permutation(epoch: number): Int32Array {
    let order = this.permutations.get(epoch);
    if (!order) {
      const items = Array.from({ length: this.numItems }, (_, i) => i);
      shuffleInPlace(items, createRandom(mixSeed(this.shard.seed, `${this.label}:epoch:${epoch}`)));
      order = Int32Array.from(items);
      // a batch spans at most two epochs (more when batches outnumber items): keep the recent few
      for (const old of this.permutations.keys()) if (old < epoch - 2) this.permutations.delete(old);
      this.permutations.set(epoch, order);
    }
    return order;
  }

  /** Rows of batch `index` (0-based: the batch of step index + 1) for this rank. */
  batch(index: number): BatchRows {
    const { rank, worldSize } = this.shard;
    const first = (index * worldSize + rank) * this.batchSize;
    const items: number[] = [];
    const rowRandom: RandomSource[] = [];
    for (let row = first; row < first + this.batchSize; row++) {
      const epoch = Math.floor(row / this.numItems);
      items.push(this.permutation(epoch)[row % this.numItems]!);
      rowRandom.push(createRandom(mixSeed(this.shard.seed, `${this.label}:row:${row}`)));
    }
    return { items, rowRandom, epoch: Math.floor(first / this.numItems) };
  }
}

/**
 * A batch source over a random-access batch function: batch `index` is `make(index)`, and the saved state
 * is the index of the next batch. On resume, a saved number state wins; without one (a checkpoint written
 * before states were saved) it continues at `fallbackIndex` (the checkpoint's step).
 */
export function indexedBatches<B>(
  make: (index: number) => B,
  resumeState: unknown,
  fallbackIndex = 0,
  close?: () => void,
): BatchSource<B> {
  let next = typeof resumeState === 'number' && Number.isInteger(resumeState) ? resumeState : fallbackIndex;
  return {
    next: () => make(next++),
    state: () => next,
    close,
  };
}
