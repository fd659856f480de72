// Reads a corpus built by corpusBuilder.ts for training and evaluation: random batches of segments
// [batchSize, numSamples] as Float32Array for one split, deterministic given a seed (each epoch is a
// seeded permutation of the split's segments), and an ordered finite pass for evaluation.
// Shards are read with positioned reads, so memory stays at one batch; call close() when done.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { createRandom, mixSeed, randomInt, shuffleInPlace } from '../util/random.js';
import { bytesPerSample, type CorpusIndex, readCorpusIndex, type SplitName } from './corpusFormat.js';
import { pcm16ToFloat } from './pcm16.js';

/** Where one segment lives and what it is. */
export interface SegmentLocation {
  /** Shard file, relative to the corpus folder. */
  readonly shard: string;
  /** Position of the segment inside the shard. */
  readonly slot: number;
  /** Source id (CorpusIndex.sources). */
  readonly source: number;
  /** Start of the segment in its source, seconds. */
  readonly offsetSeconds: number;
}

/** A batch of equal-length mono clips. */
export interface CorpusBatch {
  /** Samples [batchSize, numSamples], row-major, in [-1, 1). */
  readonly samples: Float32Array;
  readonly batchSize: number;
  /** Samples per row. */
  readonly numSamples: number;
  /** Origin of each row; `cropStart` is where the row starts inside the segment, in samples. */
  readonly rows: readonly (SegmentLocation & { readonly cropStart: number })[];
  /** Epoch (pass over the split) the batch was drawn in, from 0. */
  readonly epoch: number;
}

export interface BatchOptions {
  /** Rows per batch. */
  readonly batchSize: number;
  /** Seed of the epoch permutations and the crops (default 0). */
  readonly seed?: number;
  /** Take a random crop of this many samples from each segment (default: whole segments). */
  readonly cropSamples?: number;
}

export class CorpusReader {
  readonly index: CorpusIndex;
  private readonly segmentsBySplit = new Map<SplitName, SegmentLocation[]>();
  private readonly descriptors = new Map<string, number>();

  private constructor(
    readonly dir: string,
    index: CorpusIndex,
  ) {
    this.index = index;
    const segmentBytes = index.settings.segmentSamples * bytesPerSample;
    for (const shard of index.shards) {
      const path = join(dir, shard.file);
      if (!existsSync(path))
        throw new V2meowError('FILE_NOT_FOUND', 'shard listed in index.json is missing', path);
      if (statSync(path).size !== shard.numSegments * segmentBytes)
        throw new V2meowError(
          'BAD_FORMAT',
          `shard holds ${statSync(path).size} bytes, index says ${shard.numSegments} x ${segmentBytes}`,
          path,
        );
      const list = this.segmentsBySplit.get(shard.split) ?? [];
      shard.segments.forEach((segment, slot) => {
        list.push({ shard: shard.file, slot, source: segment.source, offsetSeconds: segment.offsetSeconds });
      });
      this.segmentsBySplit.set(shard.split, list);
    }
  }

  /** Opens the corpus in `dir` (reads and checks index.json and the shard sizes). */
  static open(dir: string): CorpusReader {
    return new CorpusReader(dir, readCorpusIndex(dir));
  }

  get sampleRateHz(): number {
    return this.index.settings.sampleRateHz;
  }

  /** Samples per stored segment. */
  get segmentSamples(): number {
    return this.index.settings.segmentSamples;
  }

  /** Segments in `split`, in shard order. */
  segments(split: SplitName): readonly SegmentLocation[] {
    return this.segmentsBySplit.get(split) ?? [];
  }

  /** Reads samples [start, start + length) of one segment into `out` at `outOffset`. */
  readSegmentInto(
    location: SegmentLocation,
    out: Float32Array,
    outOffset = 0,
    start = 0,
    length?: number,
  ): void {
    const count = length ?? this.segmentSamples - start;
    let descriptor = this.descriptors.get(location.shard);
    if (descriptor === undefined) {
      descriptor = openSync(join(this.dir, location.shard), 'r');
      this.descriptors.set(location.shard, descriptor);
    }
    const bytes = Buffer.allocUnsafe(count * bytesPerSample);
    const position = (location.slot * this.segmentSamples + start) * bytesPerSample;
    readSync(descriptor, bytes, 0, bytes.length, position);
    pcm16ToFloat(bytes, out.subarray(outOffset, outOffset + count));
  }

  /**
   * Endless random batches from `split`: each epoch visits every segment once in a seeded order; the
   * same seed gives the same batches. Throws EMPTY_CORPUS when the split has no segments.
   */
  *batches(split: SplitName, options: BatchOptions): Generator<CorpusBatch, never> {
    const all = this.segments(split);
    if (all.length === 0) throw new V2meowError('EMPTY_CORPUS', `split '${split}' has no segments`, this.dir);
    const numSamples = options.cropSamples ?? this.segmentSamples;
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new V2meowError('BAD_ARGUMENT', `batch size ${options.batchSize}: want a positive integer`);
    if (!Number.isInteger(numSamples) || numSamples < 1 || numSamples > this.segmentSamples)
      throw new V2meowError('BAD_ARGUMENT', `crop of ${numSamples} samples: want 1..${this.segmentSamples}`);
    const seed = options.seed ?? 0;
    const random = createRandom(mixSeed(seed, `crop:${split}`));
    let order: SegmentLocation[] = [];
    let position = 0;
    let epoch = 0;
    for (;;) {
      const samples = new Float32Array(options.batchSize * numSamples);
      const rows: (SegmentLocation & { cropStart: number })[] = [];
      for (let row = 0; row < options.batchSize; row++) {
        if (position >= order.length) {
          if (order.length > 0) epoch++;
          order = shuffleInPlace([...all], createRandom(mixSeed(seed, `${split}:${epoch}`)));
          position = 0;
        }
        const location = order[position++]!;
        const cropStart = randomInt(random, this.segmentSamples - numSamples + 1);
        this.readSegmentInto(location, samples, row * numSamples, cropStart, numSamples);
        rows.push({ ...location, cropStart });
      }
      yield { samples, batchSize: options.batchSize, numSamples, rows, epoch };
    }
  }

  /** One ordered pass over `split` (evaluation): whole segments, the last batch possibly smaller. */
  *pass(split: SplitName, batchSize: number): Generator<CorpusBatch, void> {
    const all = this.segments(split);
    for (let first = 0; first < all.length; first += batchSize) {
      const locations = all.slice(first, first + batchSize);
      const samples = new Float32Array(locations.length * this.segmentSamples);
      for (const [row, location] of locations.entries())
        this.readSegmentInto(location, samples, row * this.segmentSamples);
      yield {
        samples,
        batchSize: locations.length,
        numSamples: this.segmentSamples,
        rows: locations.map((location) => ({ ...location, cropStart: 0 })),
        epoch: 0,
      };
    }
  }

  /** Closes the shard files. */
  close(): void {
    for (const descriptor of this.descriptors.values()) closeSync(descriptor);
    this.descriptors.clear();
  }
}
