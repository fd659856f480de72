// `evaluateFolders()`: the whole evaluation of a folder of generated clips against a folder of references (and
// optionally the videos they were made for), as `v2meow eval` and library users run it. Matches files by name,
// analyses every clip once (cached by content), scores the generated set, the two baselines (random shuffle:
// each reference scored against another clip's reference; reference: each reference against itself), and a
// breakdown by the genre YAMNet predicts for the reference clip.
import { Yamnet } from '../encoders/yamnet.js';
import { assertDecodableAudio, probe } from '../media/probe.js';
import { withFile } from '../util/fileErrors.js';
import { genreClassIndices, musicClassIndices, predictGenre } from './audiosetClasses.js';
import {
  type BeatProtocolOptions,
  defaultSegmentLengthsSec,
  defaultSegmentsPerClip,
} from './beatProtocol.js';
import { defaultEvalCacheDir, EvalCache } from './cache.js';
import { ClipAnalyzer, type ClipFeatures, videoBeats } from './clipAnalysis.js';
import { frechetDistance } from './frechet.js';
import { MusicnnStyle } from './musicnnStyle.js';
import { type ClipPair, matchClips } from './pairing.js';
import { derangement } from './random.js';
import { hasFrames, type MetricSet, type PairMetrics, setMetrics, setStatistics } from './setMetrics.js';
import { type StyleEncoder, type StyleSource, YamnetMusicStyle } from './style.js';

export interface EvaluationOptions {
  readonly generatedFolder: string;
  readonly referenceFolder: string;
  /** Videos the music was generated for (matched by name): adds music-vs-visual beat alignment. */
  readonly videoFolder?: string;
  /** Analyse at most this many seconds of each clip (from the start); default whole clips. */
  readonly maxDurationSec?: number;
  /** Cache folder; null disables caching; default defaultEvalCacheDir(). */
  readonly cacheFolder?: string | null;
  readonly beat?: BeatProtocolOptions;
  /**
   * Style space: 'musicnn' (MTT + MSD tag probabilities, default), 'yamnet' (the 145 music-class scores, no
   * extra model), or any StyleEncoder.
   */
  readonly style?: 'musicnn' | 'yamnet' | StyleEncoder;
  /** Seed of the shuffle baseline's pairing; default 1. */
  readonly seed?: number;
  readonly onProgress?: (message: string) => void;
}

/** One matched clip in the report. */
export interface ClipReport extends PairMetrics {
  readonly name: string;
  readonly generated: string;
  readonly reference: string;
  /** Genre YAMNet predicts for the reference clip. */
  readonly genre: string;
  readonly durationSec: number;
}

/** Metrics of the pairs whose reference has one predicted genre. */
export interface GenreReport {
  readonly genre: string;
  readonly numClips: number;
  /** FAD between the genre's generated and reference windows (few windows = noisy). */
  readonly fad: number;
  readonly kl: number;
  readonly klMusic: number;
  readonly styleCos: number;
  readonly beatF1: number | null;
}

export interface EvaluationResult extends MetricSet {
  readonly numClips: number;
  readonly baselines: {
    /** Another clip's reference as the "generated" audio; null with fewer than two clips. */
    readonly shuffle: MetricSet | null;
    /** Each reference against itself: the best attainable values. */
    readonly reference: MetricSet;
  };
  readonly genres: GenreReport[];
  readonly clips: ClipReport[];
  readonly settings: {
    readonly generatedFolder: string;
    readonly referenceFolder: string;
    readonly videoFolder: string | null;
    readonly maxDurationSec: number | null;
    readonly styleEncoder: string;
    readonly embedding: string;
    readonly segmentLengthsSec: readonly number[];
    readonly segmentsPerClip: number;
    readonly toleranceSec: number;
    readonly seed: number;
  };
  /** Reference files with no generated counterpart (left out). */
  readonly unusedReferences: string[];
  readonly elapsedSec: number;
}

async function analyzeAll(
  analyzer: ClipAnalyzer,
  paths: readonly string[],
  label: string,
  progress: (message: string) => void,
): Promise<ClipFeatures[]> {
  const features: ClipFeatures[] = [];
  for (const [i, path] of paths.entries()) {
    progress(`${label} ${i + 1}/${paths.length}: ${path}`);
    features.push(await withFile(path, () => analyzer.analyze(path)));
  }
  return features;
}

function genreBreakdown(
  pairs: readonly ClipPair[],
  genres: readonly string[],
  pairMetrics: readonly PairMetrics[],
  generated: readonly ClipFeatures[],
  reference: readonly ClipFeatures[],
) {
  return [...new Set(genres)].sort().map(async (genre) => {
    const members = pairs.map((_, i) => i).filter((i) => genres[i] === genre);
    const average = (pick: (p: PairMetrics) => number) =>
      members.reduce((sum, i) => sum + pick(pairMetrics[i]!), 0) / members.length;
    const beatValues = members.map((i) => pairMetrics[i]!.beatF1).filter((v): v is number => v !== null);
    const noCache = new EvalCache(null);
    return {
      genre,
      numClips: members.length,
      fad: frechetDistance(
        await setStatistics(
          members.map((i) => generated[i]!),
          noCache,
        ),
        await setStatistics(
          members.map((i) => reference[i]!),
          noCache,
        ),
      ),
      kl: average((p) => p.kl),
      klMusic: average((p) => p.klMusic),
      styleCos: average((p) => p.styleCos),
      beatF1: beatValues.length ? beatValues.reduce((a, b) => a + b, 0) / beatValues.length : null,
    } satisfies GenreReport;
  });
}

/** Runs the whole evaluation. Throws the typed errors of matchClips and decodeAudio (naming the file). */
export async function evaluateFolders(options: EvaluationOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const { pairs, unusedReferences } = matchClips(
    options.generatedFolder,
    options.referenceFolder,
    options.videoFolder,
  );
  if (unusedReferences.length > 0)
    progress(`${unusedReferences.length} reference file(s) have no generated counterpart and are left out`);
  // Every clip is probed before the models load, so an unreadable file fails in a second, not after minutes.
  for (const pair of pairs)
    for (const file of [pair.generated, pair.reference]) assertDecodableAudio(await probe(file));
  const cache = new EvalCache(
    options.cacheFolder === undefined ? defaultEvalCacheDir() : options.cacheFolder,
  );
  const yamnet = await Yamnet.fromPretrained();
  const musicnn =
    (options.style ?? 'musicnn') === 'musicnn' ? await MusicnnStyle.fromPretrained() : undefined;
  try {
    const musicIndices = musicClassIndices(yamnet.labels);
    const style: StyleSource =
      musicnn ?? (typeof options.style === 'object' ? options.style : new YamnetMusicStyle(musicIndices));
    const analysis = { maxDurationSec: options.maxDurationSec };
    const analyzer = new ClipAnalyzer(yamnet, style, cache, analysis);
    const generated = await analyzeAll(
      analyzer,
      pairs.map((p) => p.generated),
      'generated',
      progress,
    );
    const reference = await analyzeAll(
      analyzer,
      pairs.map((p) => p.reference),
      'reference',
      progress,
    );
    const visualBeatsSec = options.videoFolder ? ([] as number[][]) : undefined;
    for (const [i, pair] of pairs.entries())
      if (visualBeatsSec && pair.video) {
        progress(`video ${i + 1}/${pairs.length}: ${pair.video}`);
        visualBeatsSec.push(await withFile(pair.video, () => videoBeats(pair.video!, cache, analysis)));
      }
    const beatOptions = options.beat ?? {};
    progress('scoring');
    const referenceStatistics = await setStatistics(reference, cache);
    const referenceStyleStatistics = hasFrames(reference, 'style')
      ? await setStatistics(reference, cache, 'style')
      : undefined;
    const common = {
      reference,
      referenceStatistics,
      referenceStyleStatistics,
      visualBeatsSec,
      musicIndices,
      beatOptions,
      cache,
    };
    const main = await setMetrics({ generated, ...common });
    const seed = options.seed ?? 1;
    const shuffle =
      pairs.length >= 2
        ? (
            await setMetrics({
              generated: derangement(pairs.length, seed).map((j) => reference[j]!),
              ...common,
            })
          ).metrics
        : null;
    const self = (await setMetrics({ generated: reference, ...common })).metrics;
    const genreIndices = genreClassIndices(yamnet.labels);
    const genres = reference.map((clip) => predictGenre(clip.clipScores, yamnet.labels, genreIndices));
    return {
      ...main.metrics,
      numClips: pairs.length,
      baselines: { shuffle, reference: self },
      genres: await Promise.all(genreBreakdown(pairs, genres, main.pairs, generated, reference)),
      clips: pairs.map((pair, i) => ({
        name: pair.name,
        generated: pair.generated,
        reference: pair.reference,
        genre: genres[i]!,
        durationSec: Math.min(generated[i]!.durationSec, reference[i]!.durationSec),
        ...main.pairs[i]!,
      })),
      settings: {
        generatedFolder: options.generatedFolder,
        referenceFolder: options.referenceFolder,
        videoFolder: options.videoFolder ?? null,
        maxDurationSec: options.maxDurationSec ?? null,
        styleEncoder: style.id,
        embedding: `yamnet-1024 (hop ${yamnet.config.hopSamples / yamnet.config.sampleRateHz} s)`,
        segmentLengthsSec: beatOptions.segmentLengthsSec ?? defaultSegmentLengthsSec,
        segmentsPerClip: beatOptions.segmentsPerClip ?? defaultSegmentsPerClip,
        toleranceSec: beatOptions.toleranceSec ?? 0.07,
        seed,
      },
      unusedReferences,
      elapsedSec: (performance.now() - started) / 1000,
    };
  } finally {
    yamnet.dispose();
    musicnn?.dispose();
  }
}
