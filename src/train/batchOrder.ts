// Which training items each step reads, as a pure function of (seed, step, rank): epochs are seeded
// permutations of the items laid end to end, step k of the whole run takes the next batchSize x worldSize
// rows of that stream, and rank r takes rows r, r+W, r+2W, ... of them (dataParallel.ts's shardItems:
// shards that never overlap within an epoch, and global batches that do not depend on the number of ranks,
// so a run resumes with another process count on the same batches). Being random-access, the order needs no saved state beyond the number of batches drawn,
// so a resumed run (src/train/loop.ts) continues the data order exactly. Each row also gets its own seed
// (for a random crop), a function of its place in the stream.
import { createRandom, mixSeed, type RandomSource } from '../util/random.js';
import { shardItems } from './dataParallel.js';
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
  /**
   * @param numItems items in the training set (> 0)
   * @param batchSize rows per batch per rank (the global batch is batchSize x worldSize)
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

  /** Rows of batch `index` (0-based: the batch of step index + 1) for this rank (shardItems). */
  batch(index: number): BatchRows {
    const { rank, worldSize, seed } = this.shard;
    const rows = shardItems({
      numItems: this.numItems,
      seed,
      step: index,
      globalBatchSize: this.batchSize * worldSize,
      rank,
      worldSize,
      label: this.label,
    });
    return {
      items: rows.map((r) => r.item),
      rowRandom: rows.map((r) => createRandom(mixSeed(seed, `${this.label}:row:${r.position}`))),
      epoch: rows[0]!.epoch,
    };
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
