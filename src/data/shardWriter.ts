// Phase 2 of a corpus build: gathers the staged segments of every source of a split, shuffles them with a
// seeded generator (so shards mix sources and a reader going through a shard in order still sees variety),
// and writes fixed-size shard files `<split>-<nnnnn>.pcm16` (temp file + rename each).
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, mixSeed, shuffleInPlace } from '../util/random.js';
import {
  bytesPerSample,
  type CorpusSettings,
  type ShardRecord,
  type SplitName,
  splitNames,
} from './corpusFormat.js';
import { stagedPcmPath, writeFileAtomic } from './staging.js';

/** A staged source as phase 2 needs it. */
export interface ShardInput {
  /** Id of the source in the corpus index. */
  readonly id: number;
  readonly key: string;
  readonly split: SplitName;
  /** Start (samples) of each staged segment, in staging-file order. */
  readonly segmentStarts: readonly number[];
}

/** Name of shard `number` of `split`. */
export function shardFileName(split: SplitName, number: number): string {
  return `${split}-${String(number).padStart(5, '0')}.pcm16`;
}

/**
 * Writes the shards of every split into `outDir` and returns their records in split order.
 * `onShard(file, done, total)` is called after each shard.
 */
export function writeShards(
  outDir: string,
  settings: CorpusSettings,
  inputs: readonly ShardInput[],
  onShard?: (file: string, done: number, total: number) => void,
): ShardRecord[] {
  const segmentBytes = settings.segmentSamples * bytesPerSample;
  const plan = splitNames.map((split) => {
    const segments = inputs
      .filter((input) => input.split === split)
      .flatMap((input) => input.segmentStarts.map((start, position) => ({ input, start, position })));
    shuffleInPlace(segments, createRandom(mixSeed(settings.seed, `shuffle:${split}`)));
    const shards: (typeof segments)[] = [];
    for (let first = 0; first < segments.length; first += settings.segmentsPerShard)
      shards.push(segments.slice(first, first + settings.segmentsPerShard));
    return { split, shards };
  });
  const total = plan.reduce((sum, entry) => sum + entry.shards.length, 0);
  const descriptors = new Map<string, number>();
  const records: ShardRecord[] = [];
  try {
    for (const { split, shards } of plan) {
      shards.forEach((segments, number) => {
        const bytes = Buffer.allocUnsafe(segments.length * segmentBytes);
        segments.forEach(({ input, position }, slot) => {
          let descriptor = descriptors.get(input.key);
          if (descriptor === undefined) {
            descriptor = openSync(stagedPcmPath(outDir, input.key), 'r');
            descriptors.set(input.key, descriptor);
          }
          readSync(descriptor, bytes, slot * segmentBytes, segmentBytes, position * segmentBytes);
        });
        const file = shardFileName(split, number);
        writeFileAtomic(join(outDir, file), bytes);
        records.push({
          file,
          split,
          numSegments: segments.length,
          segments: segments.map(({ input, start }) => ({
            source: input.id,
            offsetSeconds: start / settings.sampleRateHz,
            durationSeconds: settings.segmentSeconds,
          })),
        });
        onShard?.(file, records.length, total);
      });
    }
  } finally {
    for (const descriptor of descriptors.values()) closeSync(descriptor);
  }
  return records;
}
