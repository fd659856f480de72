// Chooses the semantic tokenizer's MusiCNN layer, pooling and vocabulary size by measurement (issue 11,
// docs/tokens.md). Each candidate is fitted on 10 s clips of the corpus's train split and measured on clips of
// the validation split by (a) H(codec level 1 | semantic token): how much a token tells about the first RVQ
// level of the committed music codec (the stage-2 target; semantic frame k pairs with codec frames 2k and
// 2k + 1), plug-in and held-out, beside H(level 1) alone; (b) a linear probe on per-clip token histograms
// predicting the clip's top MusiCNN MTT tag (argmax of the MTT half of the style vector of src/encoders/musicnn.ts,
// the clip being one 10 s style segment: the mean tag probabilities of its 3 s patches) and, when asked, its
// top MSD tag (the MSD half; one more MusiCNN pass per clip); (c) vocabulary usage and perplexity.
// MusiCNN runs once per clip; the candidates share its pooled features.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCodec } from '../codec/files.js';
import type { SplitName } from '../data/corpusFormat.js';
import { CorpusReader } from '../data/corpusReader.js';
import { MusicnnTagger } from '../encoders/musicnn.js';
import { musicnnLogMel } from '../encoders/musicnnFrontend.js';
import { frameFeatureChannels } from '../encoders/musicnnNetwork.js';
import { V2meowError } from '../errors.js';
import { acousticPerSemantic, semanticFramesOf } from '../features/timeline.js';
import { noGrad, tensor, tidy } from '../torch/index.js';
import { createRandom, mixSeed } from '../util/random.js';
import { type CorpusClip, consecutiveClips, readClip, sampleClips } from './corpusClips.js';
import {
  type FeaturePooling,
  layerChannels,
  type MusicnnLayer,
  poolToSemanticFrames,
} from './musicnnFeatures.js';
import { defaultSemanticSettings, fitSemanticCodebook, standardize } from './musicnnKmeans.js';
import {
  type ConditionalEntropy,
  conditionalEntropy,
  linearProbe,
  type ProbeResult,
  type TokenUsage,
  tokenHistograms,
  tokenUsage,
} from './tokenMetrics.js';

export interface MeasureOptions {
  /** Corpus folder (CorpusReader). */
  readonly corpusDir: string;
  /** Train segments (2 s each) to fit on, taken as whole clips. */
  readonly fitSegments: number;
  /** Validation segments to measure on. */
  readonly validationSegments: number;
  /** Segments per clip (5 = 10 s). */
  readonly segmentsPerClip: number;
  readonly layers: readonly MusicnnLayer[];
  readonly poolings: readonly FeaturePooling[];
  readonly vocabularySizes: readonly number[];
  /** Seconds between MusiCNN patch starts. */
  readonly patchHopSeconds: number;
  /** At most this many frames (random, seeded) feed each k-means fit. */
  readonly maxFitFrames: number;
  /** Mini-batch k-means steps. */
  readonly kmeansIterations: number;
  readonly seed: number;
  /** Codec file (default: the committed weights/codec). */
  readonly codecPath?: string;
  /**
   * Folder keeping the MusiCNN features, labels and codec codes of the chosen clips between runs (one file
   * set per split, named by the clip choice), so that other candidates can be measured without MusiCNN.
   */
  readonly cacheDir?: string;
  /** Also label clips with their top MSD tag (a second MusiCNN model pass per clip). */
  readonly msdLabels?: boolean;
  readonly log?: (message: string) => void;
}

export const defaultMeasureOptions = {
  fitSegments: 3000,
  validationSegments: 500,
  segmentsPerClip: 5,
  layers: ['midend', 'all'],
  poolings: ['mean', 'meanMax'],
  vocabularySizes: [256, 1024],
  patchHopSeconds: defaultSemanticSettings.patchHopSeconds,
  maxFitFrames: 60000,
  kmeansIterations: 200,
  seed: 0,
} as const satisfies Omit<MeasureOptions, 'corpusDir'>;

/** One candidate's figures. */
export interface CandidateReport {
  readonly layer: MusicnnLayer;
  readonly pooling: FeaturePooling;
  readonly vocabularySize: number;
  readonly featureDim: number;
  /** H(level 1 | token) on the validation clips. */
  readonly level1: ConditionalEntropy;
  /** Token usage on the validation clips. */
  readonly usage: TokenUsage;
  readonly probeMtt: ProbeResult;
  /** Null when MSD labels were not computed. */
  readonly probeMsd: ProbeResult | null;
  /** Mean squared distance of the (standardised) fit frames to their centre, per dimension. */
  readonly inertiaPerDim: number;
  readonly fitSeconds: number;
}

export interface MeasureReport {
  readonly options: Omit<MeasureOptions, 'log'>;
  readonly fitClips: number;
  readonly validationClips: number;
  readonly fitHours: number;
  readonly validationHours: number;
  readonly candidates: CandidateReport[];
}

/** Pooled features (mean then max of all channels, [frames, 2C]) and labels of a set of clips. */
export interface ClipSet {
  readonly clips: CorpusClip[];
  readonly pooled: Float32Array[];
  readonly topMtt: Int32Array;
  /** -1 when not computed. */
  readonly topMsd: Int32Array;
  /** Codec level-1 codes per clip (validation only). */
  readonly level1: Int32Array[];
}

function argmax(values: ArrayLike<number>, from: number, to: number): number {
  let best = from;
  for (let i = from; i < to; i++) if (values[i]! > values[best]!) best = i;
  return best - from;
}

/** Runs MusiCNN (and the codec) over clips. */
function analyseClips(
  reader: CorpusReader,
  clips: CorpusClip[],
  taggers: { mtt: MusicnnTagger; msd: MusicnnTagger | null },
  o: MeasureOptions,
  codec: ReturnType<typeof openCodec> | null,
  label: string,
): ClipSet {
  const channels = frameFeatureChannels(taggers.mtt.config.network);
  const pooled: Float32Array[] = [];
  const topMtt = new Int32Array(clips.length);
  const topMsd = new Int32Array(clips.length);
  const level1: Int32Array[] = [];
  const started = Date.now();
  for (const [i, clip] of clips.entries()) {
    const samples = readClip(reader, clip);
    const mel = musicnnLogMel(samples);
    const tagged = taggers.mtt.tagMel(mel, { hopSeconds: o.patchHopSeconds, frameFeatures: true });
    pooled.push(
      poolToSemanticFrames(tagged.frameFeatures!, semanticFramesOf(samples.length), [0, channels], 'meanMax'),
    );
    // The style vector's MTT half is the mean over one-patch-hop patches: reuse this pass when its hop is that.
    const mtt =
      tagged.patchStartSec.length > 1 && Math.abs(tagged.patchStartSec[1]! - tagged.patchSec) > 1e-6
        ? taggers.mtt.tagMel(mel).clipProbabilities
        : tagged.clipProbabilities;
    const msd = taggers.msd?.tagMel(mel).clipProbabilities ?? null;
    topMtt[i] = argmax(mtt, 0, mtt.length);
    topMsd[i] = msd ? argmax(msd, 0, msd.length) : -1;
    if (codec)
      level1.push(
        noGrad(() =>
          tidy(
            () =>
              codec
                .encode(tensor(samples, [1, samples.length]), 1)
                .reshape([-1])
                .cast('int32')
                .data() as Int32Array,
          ),
        ),
      );
    if ((i + 1) % 20 === 0 || i + 1 === clips.length)
      o.log?.(`${label}: ${i + 1}/${clips.length} clips (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return { clips, pooled, topMtt, topMsd, level1 };
}

/** Columns of one layer and pooling out of the stored [frames, 2C] mean-then-max rows. */
export function selectColumns(
  pooled: Float32Array,
  channels: number,
  [from, to]: [number, number],
  pooling: FeaturePooling,
): Float32Array {
  const width = to - from;
  const dim = pooling === 'meanMax' ? 2 * width : width;
  const frames = pooled.length / (2 * channels);
  const out = new Float32Array(frames * dim);
  for (let t = 0; t < frames; t++) {
    const row = t * 2 * channels;
    out.set(pooled.subarray(row + from, row + to), t * dim);
    if (pooling === 'meanMax')
      out.set(pooled.subarray(row + channels + from, row + channels + to), t * dim + width);
  }
  return out;
}

/** Fits and measures every candidate. */
export async function measureSemanticCandidates(o: MeasureOptions): Promise<MeasureReport> {
  const log = o.log ?? (() => {});
  const reader = CorpusReader.open(o.corpusDir);
  const pick = (split: SplitName, segments: number, seed: number) => {
    const clips = sampleClips(consecutiveClips(reader, split, o.segmentsPerClip), segments, seed);
    if (clips.length < 2)
      throw new V2meowError(
        'EMPTY_CORPUS',
        `split '${split}' has fewer than 2 clips of ${o.segmentsPerClip} consecutive segments`,
        o.corpusDir,
      );
    return clips;
  };
  const fitClips = pick('train', o.fitSegments, o.seed);
  const validationClips = pick('validation', o.validationSegments, o.seed);
  const clipHours = (n: number) =>
    (n * o.segmentsPerClip * reader.segmentSamples) / reader.sampleRateHz / 3600;
  log(
    `fit on ${fitClips.length} train clips (${clipHours(fitClips.length).toFixed(2)} h), measure on ${validationClips.length} validation clips (${clipHours(validationClips.length).toFixed(2)} h)`,
  );
  const mtt = await MusicnnTagger.fromPretrained('mtt');
  const network = mtt.config.network;
  let fitSet: ClipSet;
  let validationSet: ClipSet;
  const cacheKey = (split: string) =>
    `${split}-${o.fitSegments}-${o.validationSegments}-${o.segmentsPerClip}-${o.patchHopSeconds}-${o.seed}-${o.msdLabels ? 'msd' : 'mtt'}`;
  const fromCache = (split: string, clips: CorpusClip[]) =>
    o.cacheDir ? readClipSet(o.cacheDir, cacheKey(split), clips) : null;
  try {
    const cachedFit = fromCache('train', fitClips);
    const cachedValidation = fromCache('validation', validationClips);
    const msd =
      (cachedFit && cachedValidation) || !o.msdLabels ? null : await MusicnnTagger.fromPretrained('msd');
    const codec = cachedValidation ? null : openCodec(o.codecPath);
    try {
      fitSet = cachedFit ?? analyseClips(reader, fitClips, { mtt, msd }, o, null, 'train');
      if (o.cacheDir && !cachedFit) writeClipSet(o.cacheDir, cacheKey('train'), fitSet);
      validationSet =
        cachedValidation ?? analyseClips(reader, validationClips, { mtt, msd }, o, codec, 'validation');
      if (o.cacheDir && !cachedValidation) writeClipSet(o.cacheDir, cacheKey('validation'), validationSet);
    } finally {
      codec?.dispose();
      msd?.dispose();
    }
  } finally {
    reader.close();
    mtt.dispose();
  }
  const channels = frameFeatureChannels(network);
  const candidates: CandidateReport[] = [];
  for (const layer of o.layers)
    for (const pooling of o.poolings) {
      const range = layerChannels(network, layer);
      const fitFeatures = fitSet.pooled.map((p) => selectColumns(p, channels, range, pooling));
      const validationFeatures = validationSet.pooled.map((p) => selectColumns(p, channels, range, pooling));
      const featureDim = (range[1] - range[0]) * (pooling === 'meanMax' ? 2 : 1);
      const rows = subsampleFrames(
        fitFeatures,
        featureDim,
        o.maxFitFrames,
        mixSeed(o.seed, `${layer}/${pooling}`),
      );
      for (const vocabularySize of o.vocabularySizes) {
        const started = Date.now();
        const { standardizer, codebook, fit } = fitSemanticCodebook(rows, featureDim, {
          numClusters: vocabularySize,
          seed: o.seed,
          iterations: o.kmeansIterations,
        });
        const fitSeconds = (Date.now() - started) / 1000;
        const tokensOf = (features: Float32Array[]) =>
          features.map((f) => codebook.assign(standardize(f.slice(), standardizer)));
        const fitTokens = tokensOf(fitFeatures);
        const validationTokens = tokensOf(validationFeatures);
        const level1 = conditionalEntropy(
          level1Pairs(validationTokens, validationSet.level1, vocabularySize),
        );
        const allValidation = Int32Array.from(validationTokens.flatMap((t) => [...t]));
        const probe = (labels: 'topMtt' | 'topMsd') =>
          linearProbe(
            { features: tokenHistograms(fitTokens, vocabularySize), labels: fitSet[labels] },
            { features: tokenHistograms(validationTokens, vocabularySize), labels: validationSet[labels] },
            network.numTags,
          );
        const report: CandidateReport = {
          layer,
          pooling,
          vocabularySize,
          featureDim,
          level1,
          usage: tokenUsage(allValidation, vocabularySize),
          probeMtt: probe('topMtt'),
          probeMsd: fitSet.topMsd[0]! >= 0 ? probe('topMsd') : null,
          inertiaPerDim: fit.inertia / featureDim,
          fitSeconds,
        };
        log(
          `${layer}/${pooling}/K=${vocabularySize}: H(L1|tok) ${level1.plugInBits.toFixed(3)} plug-in, ` +
            `${level1.heldOutBits.toFixed(3)} held-out (H(L1) ${level1.yBits.toFixed(3)}); perplexity ` +
            `${report.usage.perplexity.toFixed(0)}; probe MTT ${report.probeMtt.accuracy.toFixed(3)}, MSD ` +
            `${report.probeMsd?.accuracy.toFixed(3) ?? '-'}; fit ${fitSeconds.toFixed(0)} s`,
        );
        candidates.push(report);
      }
    }
  const { log: _log, ...options } = o;
  return {
    options,
    fitClips: fitClips.length,
    validationClips: validationClips.length,
    fitHours: clipHours(fitClips.length),
    validationHours: clipHours(validationClips.length),
    candidates,
  };
}

/** At most `maxFrames` rows drawn (seeded, without replacement) from the clips' frames, in order. */
function subsampleFrames(
  features: Float32Array[],
  dim: number,
  maxFrames: number,
  seed: number,
): Float32Array {
  const total = features.reduce((a, f) => a + f.length / dim, 0);
  const keep = Math.min(total, maxFrames);
  const random = createRandom(seed);
  const out = new Float32Array(keep * dim);
  // Selection sampling (Knuth's algorithm S): each frame kept with probability needed / remaining.
  let needed = keep;
  let remaining = total;
  let written = 0;
  for (const f of features)
    for (let t = 0; t < f.length / dim; t++, remaining--) {
      if (random() * remaining < needed) {
        out.set(f.subarray(t * dim, (t + 1) * dim), written * dim);
        written++;
        needed--;
      }
    }
  return out;
}

/** Semantic token k of each clip paired with codec frames 2k and 2k + 1; clips alternate between folds. */
function level1Pairs(tokens: Int32Array[], codes: Int32Array[], vocabularySize: number) {
  const x: number[] = [];
  const y: number[] = [];
  const fold: number[] = [];
  let ySize = 0;
  for (const [c, clipTokens] of tokens.entries()) {
    const clipCodes = codes[c]!;
    for (let k = 0; k < clipTokens.length; k++)
      for (let j = 0; j < acousticPerSemantic; j++) {
        const code = clipCodes[k * acousticPerSemantic + j];
        if (code === undefined) continue;
        x.push(clipTokens[k]!);
        y.push(code);
        fold.push(c % 2);
        ySize = Math.max(ySize, code + 1);
      }
  }
  return {
    x: Int32Array.from(x),
    y: Int32Array.from(y),
    fold: Uint8Array.from(fold),
    xSize: vocabularySize,
    ySize,
  };
}

/** The report as a Markdown table (docs/tokens.md). */
export function formatMeasureTable(r: MeasureReport): string {
  const first = r.candidates[0];
  const lines = [
    `Fit: ${r.fitClips} train clips of ${r.options.segmentsPerClip * 2} s (${r.fitHours.toFixed(2)} h), at most ${r.options.maxFitFrames} frames per k-means fit; measured on ${r.validationClips} validation clips (${r.validationHours.toFixed(2)} h).`,
    first
      ? `H(L1) = ${first.level1.yBits.toFixed(3)} bits plug-in, ${first.level1.heldOutYBits.toFixed(3)} bits held-out; majority-class probe accuracy MTT ${first.probeMtt.majorityAccuracy.toFixed(3)}, MSD ${first.probeMsd?.majorityAccuracy.toFixed(3) ?? '-'}.`
      : '',
    '',
    '| layer | pooling | K | dim | H(L1\\|tok) plug-in | H(L1\\|tok) held-out | used | perplexity | probe MTT | probe MSD | fit s |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of r.candidates)
    lines.push(
      `| ${c.layer} | ${c.pooling} | ${c.vocabularySize} | ${c.featureDim} | ${c.level1.plugInBits.toFixed(3)} | ` +
        `${c.level1.heldOutBits.toFixed(3)} | ${c.usage.used} | ${c.usage.perplexity.toFixed(0)} | ` +
        `${c.probeMtt.accuracy.toFixed(3)} | ${c.probeMsd?.accuracy.toFixed(3) ?? '-'} | ${c.fitSeconds.toFixed(0)} |`,
    );
  return lines.join('\n');
}

/** Writes a clip set as `key`.json (clips, labels, lengths) + `key`.f32 (pooled features, then codes). */
function writeClipSet(dir: string, key: string, set: ClipSet): void {
  mkdirSync(dir, { recursive: true });
  const arrays = [...set.pooled, ...set.level1.map((codes) => new Float32Array(codes))];
  const bytes = Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  const meta = {
    clips: set.clips.map((c) => [c.source, c.offsetSeconds]),
    pooledLengths: set.pooled.map((p) => p.length),
    level1Lengths: set.level1.map((c) => c.length),
    topMtt: [...set.topMtt],
    topMsd: [...set.topMsd],
  };
  for (const [name, data] of [
    [`${key}.f32`, bytes],
    [`${key}.json`, JSON.stringify(meta)],
  ] as const) {
    const tmp = join(dir, `.${name}.tmp-${process.pid}`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(dir, name));
  }
}

/**
 * Reads a clip set written by writeClipSet, or null when absent or made for other clips (`clips` null: any
 * clips; they come back with their source and offset only).
 */
export function readClipSet(dir: string, key: string, clips: CorpusClip[] | null): ClipSet | null {
  const metaPath = join(dir, `${key}.json`);
  if (!existsSync(metaPath) || !existsSync(join(dir, `${key}.f32`))) return null;
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  const same =
    clips === null ||
    (meta.clips.length === clips.length &&
      clips.every((c, i) => meta.clips[i][0] === c.source && meta.clips[i][1] === c.offsetSeconds));
  if (!same) return null;
  const bytes = readFileSync(join(dir, `${key}.f32`));
  // Copied: a Buffer's offset need not be 4-byte aligned.
  const all = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(all.buffer).set(bytes);
  let offset = 0;
  const take = (n: number) => {
    offset += n;
    return all.subarray(offset - n, offset);
  };
  const pooled = (meta.pooledLengths as number[]).map(take);
  const level1 = (meta.level1Lengths as number[]).map((n) => Int32Array.from(take(n)));
  const described = (meta.clips as [number, number][]).map(([source, offsetSeconds]) => ({
    source,
    offsetSeconds,
    segments: [],
  }));
  return {
    clips: clips ?? described,
    pooled,
    level1,
    topMtt: Int32Array.from(meta.topMtt),
    topMsd: Int32Array.from(meta.topMsd),
  };
}
