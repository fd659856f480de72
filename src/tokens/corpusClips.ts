// Longer clips from the music corpus: runs of consecutive 2 s segments of one source file (by source id and
// offset), cut into clips of a fixed number of segments, so that the semantic tokenizer is fitted and measured
// on 10 s windows (the paper's stage-1 and stage-2 window) with MusiCNN's 3 s patches inside.

import type { SplitName } from '../data/corpusFormat.js';
import type { CorpusReader, SegmentLocation } from '../data/corpusReader.js';
import { createRandom, mixSeed, shuffleInPlace } from '../util/random.js';

/** Consecutive segments of one source. */
export interface CorpusClip {
  readonly source: number;
  /** Start in the source, seconds. */
  readonly offsetSeconds: number;
  readonly segments: readonly SegmentLocation[];
}

/**
 * Clips of exactly `segmentsPerClip` consecutive segments of `split` (each segment starts where the previous
 * one ends in the same source); leftovers of a run shorter than a clip are dropped. Ordered by source, offset.
 */
export function consecutiveClips(
  reader: CorpusReader,
  split: SplitName,
  segmentsPerClip: number,
): CorpusClip[] {
  const segmentSeconds = reader.segmentSamples / reader.sampleRateHz;
  const bySource = new Map<number, SegmentLocation[]>();
  for (const s of reader.segments(split)) {
    const list = bySource.get(s.source) ?? [];
    list.push(s);
    bySource.set(s.source, list);
  }
  const clips: CorpusClip[] = [];
  for (const source of [...bySource.keys()].sort((a, b) => a - b)) {
    const list = bySource.get(source)!.sort((a, b) => a.offsetSeconds - b.offsetSeconds);
    let run: SegmentLocation[] = [];
    for (const segment of list) {
      const previous = run[run.length - 1];
      if (previous && Math.abs(segment.offsetSeconds - previous.offsetSeconds - segmentSeconds) > 1e-3)
        run = [];
      run.push(segment);
      if (run.length === segmentsPerClip) {
        clips.push({ source, offsetSeconds: run[0]!.offsetSeconds, segments: run });
        run = [];
      }
    }
  }
  return clips;
}

/** A seeded random choice of clips holding at most `maxSegments` segments, in corpus order. */
export function sampleClips(clips: readonly CorpusClip[], maxSegments: number, seed: number): CorpusClip[] {
  const order = shuffleInPlace(
    clips.map((_, i) => i),
    createRandom(mixSeed(seed, 'clips')),
  );
  const perClip = clips[0]?.segments.length ?? 1;
  return order
    .slice(0, Math.floor(maxSegments / perClip))
    .sort((a, b) => a - b)
    .map((i) => clips[i]!);
}

/** The samples of a clip (its segments one after another). */
export function readClip(reader: CorpusReader, clip: CorpusClip): Float32Array {
  const out = new Float32Array(clip.segments.length * reader.segmentSamples);
  for (const [i, segment] of clip.segments.entries())
    reader.readSegmentInto(segment, out, i * reader.segmentSamples);
  return out;
}
