// Reads a training set built by builder.ts (issue 11, part 5): batches of aligned windows for the three
// stages (10 s for stages 1 and 2, 3 s for stage 3, any length by option). A window starts on a semantic
// frame k0, so its semantic frames k0.., acoustic frames 2 k0.., curve frames k0.. and the visual streams
// (sliced with sliceStream at their own rates from k0 / 25 s) cover the same time (src/features/timeline.ts).
// Each epoch visits every example once per whole window it holds (so hours, not files, are sampled evenly),
// in a seeded order, each with a seeded random crop: the batches depend only on the seed, and a position
// {epoch, position} restores a stream exactly. Only the window's bytes are read (positioned reads).
import { join } from 'node:path';
import type { SplitName } from '../data/corpusFormat.js';
import { styleDim, styleSegmentBounds } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import { curveNames, type FeatureStream, sliceStream, type VisualStreamName } from '../features/streams.js';
import { acousticPerSemantic, framesIn, semanticRateHz } from '../features/timeline.js';
import { createRandom, mixSeed, randomInt, shuffleInPlace } from '../util/random.js';
import {
  type DatasetIndex,
  type ExampleKind,
  type ExampleMetadata,
  type ExampleRecord,
  readDatasetIndex,
  type StoredStreamInfo,
} from './format.js';
import { exampleMetadataOf } from './indexing.js';
import { TensorFile } from './tensorFile.js';

/** Where a window stream stands: restore it by passing it as `start`. */
export interface WindowPosition {
  /** Pass over the split, from 0. */
  readonly epoch: number;
  /** Slot within the epoch's order, from 0. */
  readonly position: number;
}

/** Skip crops that are mostly silence (issue 13: silence must not dominate the training crops). */
export interface SilenceOptions {
  /** A codec frame quieter than this RMS level is silent (dB re full scale; default -50). */
  readonly thresholdDb?: number;
  /** A crop with more than this fraction of silent frames is redrawn (default 0.5). */
  readonly maxFraction?: number;
  /** Random crops tried per slot before the slot is passed over (default 8). */
  readonly attempts?: number;
}

export interface WindowOptions {
  /** Window length in seconds (default 10); rounded down to whole semantic frames. */
  readonly seconds?: number;
  readonly batchSize: number;
  /** Seed of the epoch orders and the crops (default 0). */
  readonly seed?: number;
  /** Kinds to draw from (default both). */
  readonly kinds?: readonly ExampleKind[];
  /** 'random' crops (default) or every window from the example's start. */
  readonly crop?: 'random' | 'start';
  /** Skip mostly silent crops (default: keep all). */
  readonly skipSilence?: SilenceOptions;
  /** Resume from this position (a batch's `next`). */
  readonly start?: WindowPosition;
  /** Which style vector a row carries (default 'clip'; see StyleScope). */
  readonly styleScope?: StyleScope;
}

/**
 * 'clip': the example's clip style vector (one per file); 'window': the overlap-weighted mean of the 10 s
 * segment vectors the window covers (styleSegments; a set built without them is refused), so that the style
 * token says what the crop itself sounds like.
 */
export type StyleScope = 'clip' | 'window';
export const styleScopes: readonly StyleScope[] = ['clip', 'window'];

/** A visual stream of a batch: [batchSize, numFrames, dim] at its own rate; zero rows where absent. */
export interface BatchStream extends StoredStreamInfo {
  /** [batchSize, numFrames, dim], row-major. */
  readonly data: Float32Array;
  /** 1 where the row has this stream. */
  readonly present: Uint8Array;
}

/** Where a batch row came from. */
export interface WindowRow {
  readonly file: string;
  readonly key: string;
  readonly kind: ExampleKind;
  /** First semantic frame of the window in the example (the window starts at startFrame / 25 s). */
  readonly startFrame: number;
}

export interface PairBatch {
  readonly batchSize: number;
  /** Semantic frames per row, S = seconds x 25. */
  readonly numSemanticFrames: number;
  /** Codec levels L (12). */
  readonly acousticLevels: number;
  /** int32 [B, S]. */
  readonly semantic: Int32Array;
  /** int32 [B, L, 2S]. */
  readonly acoustic: Int32Array;
  /** [B, 100]. */
  readonly style: Float32Array;
  /** [B, S, 6] (curveNames order). */
  readonly musicCurves: Float32Array;
  /** [B, S, 6], zero rows where hasVideo is 0; absent when no row has video. */
  readonly videoCurves?: Float32Array;
  /** [B]: 1 for a paired (video) row. */
  readonly hasVideo: Uint8Array;
  /** Visual streams of the split's paired examples (none when the batch has no video row). */
  readonly visual: Partial<Record<VisualStreamName, BatchStream>>;
  readonly rows: readonly WindowRow[];
  /** Position of the first row's slot, and where the next batch starts. */
  readonly position: WindowPosition;
  readonly next: WindowPosition;
}

interface Candidate {
  readonly record: ExampleRecord;
  readonly metadata: ExampleMetadata;
}

const maxOpenFiles = 128;

export class PairDataset {
  private readonly open = new Map<string, TensorFile>();

  private constructor(
    readonly dir: string,
    readonly index: DatasetIndex,
  ) {}

  /** Opens the dataset in `dir` (reads and checks index.json). */
  static open(dir: string): PairDataset {
    return new PairDataset(dir, readDatasetIndex(dir));
  }

  /** Examples of `split` (and `kinds`), in index order. */
  examples(split: SplitName, kinds?: readonly ExampleKind[]): readonly ExampleRecord[] {
    return this.index.examples.filter((e) => e.split === split && (!kinds || kinds.includes(e.kind)));
  }

  /** The open example file of `record` (a small cache of open files). */
  file(record: ExampleRecord): TensorFile {
    let file = this.open.get(record.file);
    if (file) {
      this.open.delete(record.file);
      this.open.set(record.file, file);
      return file;
    }
    file = TensorFile.open(join(this.dir, record.file));
    if (this.open.size >= maxOpenFiles) {
      const [oldest, handle] = this.open.entries().next().value as [string, TensorFile];
      handle.close();
      this.open.delete(oldest);
    }
    this.open.set(record.file, file);
    return file;
  }

  /** Metadata of one example (its header). */
  metadata(record: ExampleRecord): ExampleMetadata {
    return exampleMetadataOf(this.file(record));
  }

  /**
   * Endless batches of random windows of `split` (see the file comment). Examples shorter than the window are
   * left out. Throws EMPTY_CORPUS when no example of the split holds a window.
   */
  *windows(split: SplitName, options: WindowOptions): Generator<PairBatch, never> {
    const numFrames = framesIn(options.seconds ?? 10, semanticRateHz);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new V2meowError('BAD_ARGUMENT', `batch size ${options.batchSize}: want a whole number >= 1`);
    if (numFrames < 1)
      throw new V2meowError('BAD_ARGUMENT', `window of ${options.seconds} s: want >= 0.04 s`);
    const candidates = this.examples(split, options.kinds)
      .filter((record) => record.numSemanticFrames >= numFrames)
      .map((record) => ({ record, metadata: this.metadata(record) }));
    if (candidates.length === 0)
      throw new V2meowError(
        'EMPTY_CORPUS',
        `split '${split}' has no example of ${numFrames / semanticRateHz} s or longer`,
        this.dir,
      );
    const streams = visualStreamsOf(candidates, this.dir);
    const levels = candidates[0]!.metadata.acousticLevels;
    if (candidates.some((c) => c.metadata.acousticLevels !== levels))
      throw new V2meowError('BAD_FORMAT', 'examples have different numbers of codec levels', this.dir);
    // Slot s of an epoch: candidate slots[s]; one slot per whole window a candidate holds.
    const slots: number[] = [];
    candidates.forEach((c, i) => {
      for (let n = Math.floor(c.record.numSemanticFrames / numFrames); n > 0; n--) slots.push(i);
    });
    const seed = options.seed ?? 0;
    let epoch = options.start?.epoch ?? 0;
    let position = options.start?.position ?? 0;
    const orderOf = (e: number) => shuffleInPlace([...slots], createRandom(mixSeed(seed, `${split}:${e}`)));
    let order = orderOf(epoch);
    let slotsWithoutRow = 0;
    for (;;) {
      const first: WindowPosition = { epoch, position };
      const picks: { candidate: Candidate; startFrame: number }[] = [];
      while (picks.length < options.batchSize) {
        if (position >= order.length) {
          epoch++;
          position = 0;
          order = orderOf(epoch);
        }
        const candidate = candidates[order[position]!]!;
        const random = createRandom(mixSeed(seed, `crop:${split}:${epoch}:${position}`));
        position++;
        const startFrame = this.chooseCrop(candidate, numFrames, options, random);
        if (startFrame === undefined) {
          if (++slotsWithoutRow > slots.length)
            throw new V2meowError(
              'EMPTY_CORPUS',
              `every window of split '${split}' is mostly silence`,
              this.dir,
            );
          continue;
        }
        slotsWithoutRow = 0;
        picks.push({ candidate, startFrame });
      }
      yield {
        ...this.readBatch(picks, numFrames, levels, streams, options.styleScope),
        position: first,
        next: { epoch, position },
      };
    }
  }

  /**
   * One ordered pass over `split` for evaluation: consecutive non-overlapping windows from each example's
   * start, in index order; the last batch may be smaller.
   */
  *evaluationWindows(
    split: SplitName,
    options: {
      readonly seconds?: number;
      readonly batchSize: number;
      readonly kinds?: readonly ExampleKind[];
      /** At most this many windows, evenly spaced over all of them (so every file is represented). */
      readonly maxWindows?: number;
      readonly styleScope?: StyleScope;
    },
  ): Generator<PairBatch, void> {
    const numFrames = framesIn(options.seconds ?? 10, semanticRateHz);
    const candidates = this.examples(split, options.kinds)
      .filter((record) => record.numSemanticFrames >= numFrames)
      .map((record) => ({ record, metadata: this.metadata(record) }));
    if (candidates.length === 0) return;
    const streams = visualStreamsOf(candidates, this.dir);
    const levels = candidates[0]!.metadata.acousticLevels;
    const every = candidates.flatMap((candidate) =>
      Array.from({ length: Math.floor(candidate.record.numSemanticFrames / numFrames) }, (_, n) => ({
        candidate,
        startFrame: n * numFrames,
      })),
    );
    const max = options.maxWindows ?? every.length;
    const all =
      every.length <= max
        ? every
        : Array.from({ length: max }, (_, i) => every[Math.floor((i * every.length) / max)]!);
    for (let start = 0; start < all.length; start += options.batchSize) {
      const picks = all.slice(start, start + options.batchSize);
      const at = { epoch: 0, position: start };
      yield {
        ...this.readBatch(picks, numFrames, levels, streams, options.styleScope),
        position: at,
        next: { epoch: 0, position: start + picks.length },
      };
    }
  }

  /** A crop start (semantic frame) for one slot, or undefined when every try was mostly silence. */
  private chooseCrop(
    candidate: Candidate,
    numFrames: number,
    options: WindowOptions,
    random: () => number,
  ): number | undefined {
    const room = candidate.record.numSemanticFrames - numFrames + 1;
    const silence = options.skipSilence;
    const attempts = options.crop === 'start' || !silence ? 1 : (silence.attempts ?? 8);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const startFrame = options.crop === 'start' ? 0 : randomInt(random, room);
      if (!silence || !this.mostlySilent(candidate.record, startFrame, numFrames, silence)) return startFrame;
    }
    return undefined;
  }

  private mostlySilent(
    record: ExampleRecord,
    startFrame: number,
    numFrames: number,
    silence: SilenceOptions,
  ): boolean {
    const levels = this.file(record).readRows(
      'frameRmsDb',
      startFrame * acousticPerSemantic,
      numFrames * acousticPerSemantic,
    );
    const threshold = silence.thresholdDb ?? -50;
    let silent = 0;
    for (const level of levels) if (level < threshold) silent++;
    return silent > (silence.maxFraction ?? 0.5) * levels.length;
  }

  /** The overlap-weighted mean of the segment style vectors over frames [startFrame, startFrame + numFrames). */
  windowStyle(record: ExampleRecord, startFrame: number, numFrames: number): Float32Array {
    const file = this.file(record);
    if (!file.has('styleSegments'))
      throw new V2meowError(
        'BAD_FORMAT',
        `${record.file} has no per-segment style vectors (styleSegments): rebuild the set with this v2meow's ` +
          "'v2meow dataset build' to train with --style-scope window",
        this.dir,
      );
    const segments = file.read('styleSegments') as Float32Array;
    const bounds = styleSegmentBounds(record.numSemanticFrames, semanticRateHz);
    if (segments.length !== bounds.length * styleDim)
      throw new V2meowError(
        'BAD_FORMAT',
        `${record.file}: ${segments.length / styleDim} style segments for ${bounds.length} of 10 s`,
        this.dir,
      );
    const out = new Float32Array(styleDim);
    const end = startFrame + numFrames;
    let total = 0;
    bounds.forEach(([from, to], g) => {
      const overlap = Math.min(to, end) - Math.max(from, startFrame);
      if (overlap <= 0) return;
      total += overlap;
      for (let i = 0; i < styleDim; i++) out[i]! += overlap * segments[g * styleDim + i]!;
    });
    for (let i = 0; i < styleDim; i++) out[i]! /= total;
    return out;
  }

  private readBatch(
    picks: readonly { candidate: Candidate; startFrame: number }[],
    numFrames: number,
    levels: number,
    streams: ReadonlyMap<VisualStreamName, StoredStreamInfo>,
    styleScope: StyleScope = 'clip',
  ): Omit<PairBatch, 'position' | 'next'> {
    const batchSize = picks.length;
    const numAcoustic = numFrames * acousticPerSemantic;
    const channels = curveNames.length;
    const semantic = new Int32Array(batchSize * numFrames);
    const acoustic = new Int32Array(batchSize * levels * numAcoustic);
    const style = new Float32Array(batchSize * styleDim);
    const musicCurves = new Float32Array(batchSize * numFrames * channels);
    const hasVideo = new Uint8Array(batchSize);
    const anyVideo = picks.some((pick) => pick.candidate.record.kind === 'paired');
    const videoCurves = anyVideo ? new Float32Array(batchSize * numFrames * channels) : undefined;
    const seconds = numFrames / semanticRateHz;
    const visual: Partial<Record<VisualStreamName, BatchStream>> = {};
    if (anyVideo)
      for (const [name, info] of streams) {
        const count = Math.max(0, Math.round(seconds * info.rateHz)); // sliceStream's frame count
        visual[name] = {
          rateHz: info.rateHz,
          numFrames: count,
          dim: info.dim,
          kind: info.kind,
          ...(info.vocabularySize !== undefined ? { vocabularySize: info.vocabularySize } : {}),
          data: new Float32Array(batchSize * count * info.dim),
          present: new Uint8Array(batchSize),
        };
      }
    const rows: WindowRow[] = [];
    picks.forEach(({ candidate, startFrame }, b) => {
      const { record, metadata } = candidate;
      const file = this.file(record);
      semantic.set(file.readRows('semantic', startFrame, numFrames), b * numFrames);
      // acoustic is [L, T]: read each level's span (rows of the first axis are levels).
      const allLevels = file.entry('acoustic');
      const perLevel = allLevels.shape[1]!;
      for (let level = 0; level < levels; level++) {
        const span = file.readElements(
          'acoustic',
          level * perLevel + startFrame * acousticPerSemantic,
          numAcoustic,
        );
        acoustic.set(span, (b * levels + level) * numAcoustic);
      }
      style.set(
        styleScope === 'window'
          ? this.windowStyle(record, startFrame, numFrames)
          : (file.read('style') as Float32Array),
        b * styleDim,
      );
      musicCurves.set(file.readRows('musicCurves', startFrame, numFrames), b * numFrames * channels);
      if (record.kind === 'paired') {
        hasVideo[b] = 1;
        videoCurves!.set(file.readRows('videoCurves', startFrame, numFrames), b * numFrames * channels);
        for (const [name, target] of Object.entries(visual) as [VisualStreamName, BatchStream][]) {
          const info = metadata.visualStreams[name];
          if (!info) continue;
          const whole: FeatureStream = {
            name,
            rateHz: info.rateHz,
            numFrames: info.numFrames,
            dim: info.dim,
            kind: info.kind,
            data: file.read(`visual.${name}`) as Float32Array,
          };
          const window = sliceStream(whole, startFrame / semanticRateHz, seconds);
          target.data.set(Float32Array.from(window.data), b * target.numFrames * target.dim);
          target.present[b] = 1;
        }
      }
      rows.push({ file: record.file, key: record.key, kind: record.kind, startFrame });
    });
    return {
      batchSize,
      numSemanticFrames: numFrames,
      acousticLevels: levels,
      semantic,
      acoustic,
      style,
      musicCurves,
      ...(videoCurves ? { videoCurves } : {}),
      hasVideo,
      visual,
      rows,
    };
  }

  /** Closes the example files. */
  close(): void {
    for (const file of this.open.values()) file.close();
    this.open.clear();
  }
}

/** The visual streams of the paired candidates: name -> shape and rate (one per name, checked). */
function visualStreamsOf(
  candidates: readonly Candidate[],
  dir: string,
): Map<VisualStreamName, StoredStreamInfo> {
  const streams = new Map<VisualStreamName, StoredStreamInfo>();
  for (const { metadata, record } of candidates)
    for (const [name, info] of Object.entries(metadata.visualStreams) as [
      VisualStreamName,
      StoredStreamInfo,
    ][]) {
      const seen = streams.get(name);
      if (!seen) streams.set(name, info);
      else if (seen.rateHz !== info.rateHz || seen.dim !== info.dim || seen.kind !== info.kind)
        throw new V2meowError(
          'BAD_FORMAT',
          `visual stream ${name} has another rate or size in ${record.file}`,
          dir,
        );
    }
  return streams;
}
