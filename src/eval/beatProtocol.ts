// Beat alignment of generated music against reference beats on short segments, the AIST++ protocol V2Meow
// follows: clips are cut into segments of 2 s, 6 s and 10 s, several segments are sampled from each clip, and
// Beat Coverage Score, Beat Hit Score and F1 (as adjusted by Yu et al. 2023, src/rhythm/beatMetrics.ts) are
// averaged over segments. Beats are tracked once on the whole clip (more reliable than tracking 2 s excerpts),
// then counted per segment. Segment starts are spread evenly over the common duration of the two clips so
// every set is scored on the same time spans. A segment where neither side has a beat is skipped.
import { beatAlignmentScores, defaultBeatToleranceSec } from '../rhythm/beatMetrics.js';

/** Segment lengths of the AIST++ protocol, seconds. */
export const defaultSegmentLengthsSec = [2, 6, 10] as const;
/** Segments sampled per clip and length. */
export const defaultSegmentsPerClip = 5;

export interface BeatProtocolOptions {
  /** Segment lengths in seconds; default 2, 6, 10. */
  readonly segmentLengthsSec?: readonly number[];
  /** Segments per clip and length; default 5. */
  readonly segmentsPerClip?: number;
  /** Matching tolerance in seconds; default 0.07. */
  readonly toleranceSec?: number;
}

/** Mean scores over a number of segments. */
export interface BeatScores {
  readonly beatCoverage: number;
  readonly beatHit: number;
  readonly beatF1: number;
  /** Segments that were scored. */
  readonly numSegments: number;
}

/** Per-length scores and their mean over lengths. */
export interface SegmentBeatScores {
  /** Mean over the segment lengths that had segments (null when none had). */
  readonly mean: BeatScores | null;
  /** Keyed by segment length in seconds, e.g. "2", "6", "10". */
  readonly byLength: Record<string, BeatScores | null>;
}

/** Evenly spread segment starts in [0, durationSec - lengthSec]; none when the clip is shorter. */
export function segmentStarts(durationSec: number, lengthSec: number, count: number): number[] {
  if (durationSec < lengthSec || count < 1) return [];
  const span = durationSec - lengthSec;
  if (count === 1 || span === 0) return [0];
  return Array.from({ length: count }, (_, i) => (span * i) / (count - 1));
}

const within = (beats: readonly number[], start: number, end: number) =>
  beats.filter((t) => t >= start && t < end);

/** Accumulates segment scores (sums) for averaging. */
export class BeatScoreAccumulator {
  private coverage = 0;
  private hit = 0;
  private f1 = 0;
  private count = 0;

  add(generatedSec: readonly number[], referenceSec: readonly number[], toleranceSec: number): void {
    if (generatedSec.length === 0 && referenceSec.length === 0) return;
    const scores = beatAlignmentScores(generatedSec, referenceSec, toleranceSec);
    this.coverage += scores.beatCoverageScore;
    this.hit += scores.beatHitScore;
    this.f1 += scores.f1;
    this.count++;
  }

  result(): BeatScores | null {
    if (this.count === 0) return null;
    const n = this.count;
    return { beatCoverage: this.coverage / n, beatHit: this.hit / n, beatF1: this.f1 / n, numSegments: n };
  }
}

/** One clip pair's beat times and the span they share. */
export interface BeatPair {
  readonly generatedSec: readonly number[];
  readonly referenceSec: readonly number[];
  /** Common duration in seconds (segments are drawn from [0, durationSec]). */
  readonly durationSec: number;
}

/** Segment protocol over many clip pairs: per length, the mean over all segments of all pairs. */
export function segmentBeatScores(
  pairs: readonly BeatPair[],
  options: BeatProtocolOptions = {},
): SegmentBeatScores {
  const lengths = options.segmentLengthsSec ?? defaultSegmentLengthsSec;
  const perClip = options.segmentsPerClip ?? defaultSegmentsPerClip;
  const tolerance = options.toleranceSec ?? defaultBeatToleranceSec;
  const byLength: Record<string, BeatScores | null> = {};
  const scored: BeatScores[] = [];
  for (const length of lengths) {
    const accumulator = new BeatScoreAccumulator();
    for (const pair of pairs)
      for (const start of segmentStarts(pair.durationSec, length, perClip))
        accumulator.add(
          within(pair.generatedSec, start, start + length),
          within(pair.referenceSec, start, start + length),
          tolerance,
        );
    const result = accumulator.result();
    byLength[String(length)] = result;
    if (result) scored.push(result);
  }
  if (scored.length === 0) return { mean: null, byLength };
  const average = (pick: (s: BeatScores) => number) =>
    scored.reduce((sum, s) => sum + pick(s), 0) / scored.length;
  return {
    mean: {
      beatCoverage: average((s) => s.beatCoverage),
      beatHit: average((s) => s.beatHit),
      beatF1: average((s) => s.beatF1),
      numSegments: scored.reduce((sum, s) => sum + s.numSegments, 0),
    },
    byLength,
  };
}

/** Whole-clip scores over many pairs (e.g. music beats vs a video's visual beats), averaged over pairs. */
export function wholeClipBeatScores(
  pairs: readonly BeatPair[],
  toleranceSec = defaultBeatToleranceSec,
): BeatScores | null {
  const accumulator = new BeatScoreAccumulator();
  for (const pair of pairs)
    accumulator.add(
      within(pair.generatedSec, 0, pair.durationSec),
      within(pair.referenceSec, 0, pair.durationSec),
      toleranceSec,
    );
  return accumulator.result();
}
