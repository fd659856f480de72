// The metrics of one generated set against its references: FAD over the YAMNet windows of each set, mean KL
// (all classes and music classes), mean style cosine, segment beat alignment, and (with videos) whole-clip
// beat alignment against visual beats. Baselines reuse this with other "generated" clips.
import {
  type BeatPair,
  type BeatProtocolOptions,
  type BeatScores,
  type SegmentBeatScores,
  segmentBeatScores,
  wholeClipBeatScores,
} from './beatProtocol.js';
import { type EvalCache, keyOf } from './cache.js';
import type { ClipFeatures } from './clipAnalysis.js';
import { frechetDistance, type GaussianStatistics, gaussianStatistics } from './frechet.js';
import { clipKl } from './kl.js';
import { cosineSimilarity } from './style.js';

/** The numbers of one row of the report (Table 1 layout). */
export interface MetricSet {
  /** Fréchet Audio Distance on YAMNet embeddings (lower is better). */
  readonly fad: number;
  /** FAD on the style encoder's frame features (MusiCNN penultimate layers); null when it has none. */
  readonly fadStyle: number | null;
  /** Mean KL(reference || generated) over the 521 AudioSet classes (lower is better). */
  readonly kl: number;
  /** The same over the 145 music classes. */
  readonly klMusic: number;
  /** Mean cosine of style embeddings, generated vs reference (higher is better). */
  readonly styleCos: number;
  /** Segment-protocol means (2/6/10 s); null when no segment had beats. */
  readonly beatCoverage: number | null;
  readonly beatHit: number | null;
  readonly beatF1: number | null;
  /** Per segment length. */
  readonly beatSegments: SegmentBeatScores;
  /** Generated music beats vs the videos' visual beats (whole clips), when videos were given. */
  readonly videoBeats: BeatScores | null;
}

/** Per-pair numbers, for the per-clip and per-genre tables. */
export interface PairMetrics {
  readonly kl: number;
  readonly klMusic: number;
  readonly styleCos: number;
  readonly beatF1: number | null;
}

/** Which frame features a set's statistics are over. */
export type FrameFeature = 'yamnet' | 'style';

function frames(
  clip: ClipFeatures,
  feature: FrameFeature,
): { data: Float32Array; count: number } | undefined {
  if (feature === 'yamnet') return { data: clip.embeddings, count: clip.numWindows };
  return clip.styleFrames && clip.styleFrameCount
    ? { data: clip.styleFrames, count: clip.styleFrameCount }
    : undefined;
}

/** Whether every clip has frame features of this kind. */
export function hasFrames(clips: readonly ClipFeatures[], feature: FrameFeature): boolean {
  return clips.length > 0 && clips.every((clip) => frames(clip, feature) !== undefined);
}

/**
 * Statistics of the frame features (YAMNet windows, or style-encoder frames) of a set of clips, cached under
 * the clips' keys.
 */
export async function setStatistics(
  clips: readonly ClipFeatures[],
  cache: EvalCache,
  feature: FrameFeature = 'yamnet',
): Promise<GaussianStatistics> {
  const key = keyOf({ kind: 'set', feature, clips: clips.map((c) => c.key).sort() });
  const cached = cache.read<{ dim: number; count: number }>('set', key);
  if (cached?.arrays.mean && cached.arrays.covariance)
    return {
      ...cached.meta,
      mean: cached.arrays.mean as Float64Array,
      covariance: cached.arrays.covariance as Float64Array,
    };
  const parts = clips.map((clip) => frames(clip, feature)!);
  const dim = parts[0]!.data.length / parts[0]!.count;
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const rows = new Float32Array(count * dim);
  let offset = 0;
  for (const part of parts) {
    rows.set(part.data, offset);
    offset += part.data.length;
  }
  const statistics = gaussianStatistics(rows, count, dim);
  await cache.write('set', key, {
    meta: { dim, count },
    arrays: { mean: statistics.mean, covariance: statistics.covariance },
  });
  return statistics;
}

/** Per-pair KL, style cosine and segment beat F1. */
export function pairMetrics(
  generated: ClipFeatures,
  reference: ClipFeatures,
  musicIndices: readonly number[],
  beatOptions: BeatProtocolOptions,
): PairMetrics {
  return {
    kl: clipKl(reference.clipScores, generated.clipScores),
    klMusic: clipKl(reference.clipScores, generated.clipScores, musicIndices),
    styleCos: cosineSimilarity(generated.style, reference.style),
    beatF1:
      segmentBeatScores(
        [beatPair(generated.beatsSec, reference, Math.min(generated.durationSec, reference.durationSec))],
        beatOptions,
      ).mean?.beatF1 ?? null,
  };
}

function beatPair(generatedSec: readonly number[], reference: ClipFeatures, durationSec: number): BeatPair {
  return { generatedSec, referenceSec: reference.beatsSec, durationSec };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

/** Inputs of one metric set: generated[i] is scored against reference[i]. */
export interface SetMetricInputs {
  readonly generated: readonly ClipFeatures[];
  readonly reference: readonly ClipFeatures[];
  /** Statistics of the whole reference set (FAD's reference side). */
  readonly referenceStatistics: GaussianStatistics;
  /** The same over style-encoder frames, when the encoder has them. */
  readonly referenceStyleStatistics?: GaussianStatistics;
  /** Visual beats of the video matched to each pair, when videos were given. */
  readonly visualBeatsSec?: readonly (readonly number[])[];
  readonly musicIndices: readonly number[];
  readonly beatOptions: BeatProtocolOptions;
  readonly cache: EvalCache;
}

/** All metrics of a generated set (see MetricSet). */
export async function setMetrics(
  inputs: SetMetricInputs,
): Promise<{ metrics: MetricSet; pairs: PairMetrics[] }> {
  const { generated, reference, musicIndices, beatOptions } = inputs;
  const generatedStatistics = await setStatistics(generated, inputs.cache);
  const pairs = generated.map((clip, i) => pairMetrics(clip, reference[i]!, musicIndices, beatOptions));
  const beatPairs = generated.map((clip, i) =>
    beatPair(clip.beatsSec, reference[i]!, Math.min(clip.durationSec, reference[i]!.durationSec)),
  );
  const beatSegments = segmentBeatScores(beatPairs, beatOptions);
  const videoBeats = inputs.visualBeatsSec
    ? wholeClipBeatScores(
        generated.map((clip, i) => ({
          generatedSec: clip.beatsSec,
          referenceSec: inputs.visualBeatsSec![i]!,
          durationSec: clip.durationSec,
        })),
        beatOptions.toleranceSec,
      )
    : null;
  return {
    metrics: {
      fad: frechetDistance(generatedStatistics, inputs.referenceStatistics),
      fadStyle:
        inputs.referenceStyleStatistics && hasFrames(generated, 'style')
          ? frechetDistance(
              await setStatistics(generated, inputs.cache, 'style'),
              inputs.referenceStyleStatistics,
            )
          : null,
      kl: mean(pairs.map((p) => p.kl)),
      klMusic: mean(pairs.map((p) => p.klMusic)),
      styleCos: mean(pairs.map((p) => p.styleCos)),
      beatCoverage: beatSegments.mean?.beatCoverage ?? null,
      beatHit: beatSegments.mean?.beatHit ?? null,
      beatF1: beatSegments.mean?.beatF1 ?? null,
      beatSegments,
      videoBeats,
    },
    pairs,
  };
}
