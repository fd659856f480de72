// Fits a MusiCNN + k-means semantic tokenizer (musicnnKmeans.ts): from any list of 16 kHz clips, or from 10 s
// clips of a corpus's train split (corpusClips.ts) with the corpus and hours recorded as provenance.
import { CorpusReader } from '../data/corpusReader.js';
import { MusicnnTagger } from '../encoders/musicnn.js';
import { frameFeatureChannels } from '../encoders/musicnnNetwork.js';
import { V2meowError } from '../errors.js';
import { semanticRateHz } from '../features/timeline.js';
import { createRandom, mixSeed } from '../util/random.js';
import { consecutiveClips, readClip, sampleClips } from './corpusClips.js';
import { readClipSet, selectColumns } from './measure.js';
import { layerChannels, pooledDim, semanticFeatures } from './musicnnFeatures.js';
import {
  defaultSemanticSettings,
  fitSemanticCodebook,
  type MusicnnKmeansConfig,
  MusicnnKmeansTokenizer,
  type SemanticProvenance,
} from './musicnnKmeans.js';

export interface SemanticFitOptions {
  readonly settings: Omit<MusicnnKmeansConfig, 'featureDim'>;
  /** At most this many frames (seeded random choice) feed k-means. */
  readonly maxFitFrames: number;
  /** Mini-batch k-means steps. */
  readonly kmeansIterations: number;
  readonly seed: number;
  readonly log?: (message: string) => void;
}

export const defaultFitOptions = {
  settings: defaultSemanticSettings,
  maxFitFrames: 120000,
  kmeansIterations: 300,
  seed: 0,
} as const satisfies SemanticFitOptions;

/** Keeps each frame with probability `keepFraction` (seeded), so memory stays bounded. */
function keepFrames(
  features: Float32Array,
  dim: number,
  keepFraction: number,
  random: () => number,
): Float32Array {
  if (keepFraction >= 1) return features;
  const kept: number[] = [];
  for (let t = 0; t < features.length / dim; t++) if (random() < keepFraction) kept.push(t);
  const out = new Float32Array(kept.length * dim);
  for (const [i, t] of kept.entries()) out.set(features.subarray(t * dim, (t + 1) * dim), i * dim);
  return out;
}

/**
 * Fits on `clips` (a function returning clip i, so they are read one at a time) with `tagger` (its preset
 * named in settings.musicnn). The tokenizer takes ownership of `tagger`.
 */
export function fitSemanticTokenizer(
  tagger: MusicnnTagger,
  numClips: number,
  clip: (i: number) => Float32Array,
  o: SemanticFitOptions,
  provenance: SemanticProvenance = {},
): MusicnnKmeansTokenizer {
  return fitOnFeatures(
    tagger,
    numClips,
    (i, config) => {
      const samples = clip(i);
      return { features: semanticFeatures(tagger, samples, config), seconds: samples.length / 16000 };
    },
    o,
    provenance,
  );
}

/**
 * Fits on features computed elsewhere (`features(i)`: clip i's pooled features for the config, as
 * semanticFeatures gives them, e.g. from the measurement's cache). The tokenizer takes ownership of `tagger`.
 */
export function fitOnFeatures(
  tagger: MusicnnTagger,
  numClips: number,
  features: (i: number, config: MusicnnKmeansConfig) => { features: Float32Array; seconds: number },
  o: SemanticFitOptions,
  provenance: SemanticProvenance = {},
): MusicnnKmeansTokenizer {
  const log = o.log ?? (() => {});
  const featureDim = pooledDim(tagger.config.network, o.settings.layer, o.settings.pooling);
  const config: MusicnnKmeansConfig = { ...o.settings, featureDim };
  const parts: Float32Array[] = [];
  let totalFrames = 0;
  let keptFrames = 0;
  let totalSeconds = 0;
  const random = createRandom(mixSeed(o.seed, 'fit-frames'));
  const started = Date.now();
  for (let i = 0; i < numClips; i++) {
    const clip = features(i, config);
    totalSeconds += clip.seconds;
    const frames = clip.features.length / featureDim;
    totalFrames += frames;
    // Expected frames of all clips so far vs the cap: keep a fraction that fills maxFitFrames on average.
    const expectedTotal = (totalFrames / (i + 1)) * numClips;
    const part = keepFrames(clip.features, featureDim, o.maxFitFrames / expectedTotal, random);
    parts.push(part);
    keptFrames += part.length / featureDim;
    if ((i + 1) % 20 === 0 || i + 1 === numClips)
      log(
        `features: ${i + 1}/${numClips} clips, ${keptFrames} frames kept (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
  }
  if (keptFrames < config.numClusters)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `${keptFrames} frames cannot fit K = ${config.numClusters}: give more audio or a smaller K`,
    );
  const rows = new Float32Array(keptFrames * featureDim);
  let offset = 0;
  for (const part of parts) {
    rows.set(part, offset);
    offset += part.length;
  }
  parts.length = 0;
  log(`k-means: K = ${config.numClusters} on ${keptFrames} frames of ${featureDim} dims`);
  const { standardizer, codebook, fit, float16Agreement } = fitSemanticCodebook(rows, featureDim, {
    numClusters: config.numClusters,
    seed: o.seed,
    iterations: o.kmeansIterations,
    onStep: (step, steps, inertia) => {
      if (step % 50 === 0 || step === steps)
        log(`k-means step ${step}/${steps}: batch inertia/dim ${(inertia / featureDim).toFixed(3)}`);
    },
  });
  const used = fit.counts.filter((c) => c > 0).length;
  return new MusicnnKmeansTokenizer(config, tagger, standardizer, codebook, {
    ...provenance,
    fit: {
      clips: numClips,
      hours: Number((totalSeconds / 3600).toFixed(4)),
      frames: totalFrames,
      framesUsedForKMeans: keptFrames,
      kmeansIterations: o.kmeansIterations,
      seed: o.seed,
      inertiaPerDim: Number((fit.inertia / featureDim).toFixed(5)),
      codesUsed: used,
      reassigned: fit.reassigned,
      float16Agreement: Number(float16Agreement.toFixed(5)),
    },
    date: new Date().toISOString(),
  });
}

/** Fits on about `segments` train segments of a corpus, as clips of `segmentsPerClip` consecutive segments. */
export async function fitSemanticTokenizerOnCorpus(
  corpusDir: string,
  segments: number,
  segmentsPerClip: number,
  o: SemanticFitOptions,
  provenance: SemanticProvenance = {},
): Promise<MusicnnKmeansTokenizer> {
  const reader = CorpusReader.open(corpusDir);
  try {
    const clips = sampleClips(consecutiveClips(reader, 'train', segmentsPerClip), segments, o.seed);
    if (clips.length === 0)
      throw new V2meowError(
        'EMPTY_CORPUS',
        `no train clips of ${segmentsPerClip} consecutive segments`,
        corpusDir,
      );
    o.log?.(`fitting on ${clips.length} train clips of ${segmentsPerClip} segments`);
    const tagger = await MusicnnTagger.fromPretrained(o.settings.musicnn);
    try {
      return fitSemanticTokenizer(tagger, clips.length, (i) => readClip(reader, clips[i]!), o, {
        ...provenance,
        corpus: { ...corpusProvenance(corpusDir, reader), segmentsPerClip },
      });
    } catch (error) {
      tagger.dispose();
      throw error;
    }
  } finally {
    reader.close();
  }
}

/**
 * Fits on the train features that `v2meow tokens measure --cache` kept (`cacheDir`/`key`.json + .f32: every
 * MusiCNN channel pooled mean-then-max at the settings' patch hop), instead of running MusiCNN again.
 */
export async function fitSemanticTokenizerFromCache(
  cacheDir: string,
  key: string,
  o: SemanticFitOptions,
  provenance: SemanticProvenance = {},
): Promise<MusicnnKmeansTokenizer> {
  if (!key.startsWith('train-') || !key.includes(`-${o.settings.patchHopSeconds}-`))
    throw new V2meowError(
      'BAD_ARGUMENT',
      `cache '${key}' is not train features at a ${o.settings.patchHopSeconds} s patch hop`,
      cacheDir,
    );
  const set = readClipSet(cacheDir, key, null);
  if (!set) throw new V2meowError('FILE_NOT_FOUND', `no feature cache '${key}' here`, cacheDir);
  const tagger = await MusicnnTagger.fromPretrained(o.settings.musicnn);
  try {
    const network = tagger.config.network;
    const channels = frameFeatureChannels(network);
    const range = layerChannels(network, o.settings.layer);
    return fitOnFeatures(
      tagger,
      set.pooled.length,
      (i) => {
        const pooled = set.pooled[i]!;
        return {
          features: selectColumns(pooled, channels, range, o.settings.pooling),
          seconds: pooled.length / (2 * channels) / semanticRateHz,
        };
      },
      o,
      { ...provenance, features: { cache: `${cacheDir}/${key}`, clips: set.pooled.length } },
    );
  } catch (error) {
    tagger.dispose();
    throw error;
  }
}

/** What a tokenizer records about its corpus: folder, creation time, hours per split. */
export function corpusProvenance(corpusDir: string, open?: CorpusReader): Record<string, unknown> {
  const reader = open ?? CorpusReader.open(corpusDir);
  try {
    return {
      dir: corpusDir,
      createdAt: reader.index.createdAt,
      hours: reader.index.totals.hours,
      split: 'train',
      segmentSeconds: reader.segmentSamples / reader.sampleRateHz,
    };
  } finally {
    if (!open) reader.close();
  }
}
