// Training batches of the music corpus for one rank of a data-parallel run: the global batch of each step is
// the pure, seeded order of dataParallel.ts (epochs of the split in a seeded order, rank r taking rows r, r+W,
// ...), and each row's random crop is a function of the seed and its position in that order. So a run resumed
// at step s, with any number of processes that divides the batch, trains on the same global batches.

import type { SplitName } from '../data/corpusFormat.js';
import type { CorpusBatch, CorpusReader } from '../data/corpusReader.js';
import { createRandom, mixSeed, randomInt } from '../util/random.js';
import { shardItems } from './dataParallel.js';

export interface ShardedBatchOptions {
  /** Rows per step over all ranks together. */
  readonly globalBatchSize: number;
  /** Samples of each row's random crop (default: whole segments). */
  readonly cropSamples?: number;
  /** Seed of the epoch orders and the crops. */
  readonly seed: number;
  /** First step to produce (a resumed run passes its step count). */
  readonly startStep: number;
  readonly rank: number;
  readonly worldSize: number;
}

/** Endless batches of this rank's rows, step after step, from `startStep` on. */
export function* shardedCorpusBatches(
  corpus: CorpusReader,
  split: SplitName,
  o: ShardedBatchOptions,
): Generator<CorpusBatch, never> {
  const all = corpus.segments(split);
  const numSamples = o.cropSamples ?? corpus.segmentSamples;
  for (let step = o.startStep; ; step++) {
    const items = shardItems({
      numItems: all.length,
      seed: o.seed,
      step,
      globalBatchSize: o.globalBatchSize,
      rank: o.rank,
      worldSize: o.worldSize,
    });
    const samples = new Float32Array(items.length * numSamples);
    const rows = items.map(({ item, position }, row) => {
      const location = all[item]!;
      const random = createRandom(mixSeed(o.seed, `crop:${split}:${position}`));
      const cropStart = randomInt(random, corpus.segmentSamples - numSamples + 1);
      corpus.readSegmentInto(location, samples, row * numSamples, cropStart, numSamples);
      return { ...location, cropStart };
    });
    yield { samples, batchSize: items.length, numSamples, rows, epoch: items[0]!.epoch };
  }
}
