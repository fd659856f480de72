// Stand-ins that let the whole pipeline run before anything is trained (`V2Meow.fromPretrained('debug')`):
// a condition source that reads only the video's rhythm (src/rhythm analyzeVideo -> the 'curves' stream of
// src/features/streams.ts), a text style with a small fixed lexicon, a semantic tokenizer that quantises
// frame loudness, and seeded random debug-preset stages sized for the codec they drive. The real extractor
// (src/features/visual.ts), text encoder (src/encoders/textStyle.ts) and tokenizer replace them in bundles.
import { styleDim } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import { type CurveSet, curveNames, type FeatureStream, sliceStream } from '../features/streams.js';
import { samplesPerSemanticFrame, semanticFramesOf, semanticRateHz } from '../features/timeline.js';
import { assertDecodableVideo, probe } from '../media/probe.js';
import { Stage1, stage1Config } from '../models/stage1.js';
import { Stage2, stage2Config } from '../models/stage2.js';
import { Stage3, stage3Config } from '../models/stage3.js';
import { analyzeVideo } from '../rhythm/videoAnalysis.js';
import type { SemanticTokenizer } from '../tokens/semantic.js';
import { manualSeed } from '../torch/index.js';
import { createRandom, mixSeed } from '../util/random.js';
import type {
  ConditionSource,
  ConditionWindow,
  TextStyle,
  TextStyleSource,
  VideoConditions,
} from './parts.js';

/** Probes a video and throws V2meowError naming it when it cannot condition a generation. */
export async function checkVideo(path: string): Promise<number> {
  const info = await probe(path);
  assertDecodableVideo(info);
  const stream = info.streams.find((s) => s.type === 'video');
  const durationSec = stream?.durationSec && stream.durationSec > 0 ? stream.durationSec : info.durationSec;
  if (!(durationSec > 0)) throw new V2meowError('ZERO_DURATION', 'has zero duration', path);
  return durationSec;
}

/** Values of an envelope at `rateHz`, scaled to 0..1 by its maximum. */
function onGrid(values: ArrayLike<number>, fromRateHz: number, numFrames: number): Float32Array {
  const out = new Float32Array(numFrames);
  let max = 0;
  for (let k = 0; k < numFrames; k++) {
    const i = Math.min(values.length - 1, Math.floor((k * fromRateHz) / semanticRateHz));
    out[k] = i >= 0 ? values[i]! : 0;
    max = Math.max(max, out[k]!);
  }
  if (max > 0) for (let k = 0; k < numFrames; k++) out[k]! /= max;
  return out;
}

/** Rhythm curves of a video from its visual beats, cuts, flow novelty and motion energy (25 Hz). */
export function rhythmCurves(
  analysis: {
    beatsSec: readonly number[];
    cutsSec: readonly number[];
    onsetEnvelope: { values: ArrayLike<number>; frameRateHz: number };
    motionEnergy: ArrayLike<number>;
    motionFps: number;
  },
  durationSec: number,
): CurveSet {
  const numFrames = Math.max(1, Math.round(durationSec * semanticRateHz));
  const channels: Record<(typeof curveNames)[number], Float32Array> = {
    onset: onGrid(analysis.onsetEnvelope.values, analysis.onsetEnvelope.frameRateHz, numFrames),
    beatSin: new Float32Array(numFrames),
    beatCos: new Float32Array(numFrames),
    downbeat: new Float32Array(numFrames),
    energy: onGrid(analysis.motionEnergy, analysis.motionFps, numFrames),
    boundary: new Float32Array(numFrames),
  };
  const beats = analysis.beatsSec;
  for (let k = 0, b = 0; k < numFrames && beats.length >= 2; k++) {
    const t = k / semanticRateHz;
    while (b + 2 < beats.length && beats[b + 1]! <= t) b++;
    if (t < beats[0]! || t > beats[beats.length - 1]!) continue;
    const phase = (t - beats[b]!) / (beats[b + 1]! - beats[b]!);
    channels.beatSin[k] = Math.sin(2 * Math.PI * phase);
    channels.beatCos[k] = Math.cos(2 * Math.PI * phase);
  }
  for (const cut of analysis.cutsSec) {
    const k = Math.round(cut * semanticRateHz);
    if (k >= 0 && k < numFrames) channels.boundary[k] = 1;
  }
  const data = new Float32Array(numFrames * curveNames.length);
  curveNames.forEach((name, c) => {
    for (let k = 0; k < numFrames; k++) data[k * curveNames.length + c] = channels[name][k]!;
  });
  return { name: 'curves', rateHz: semanticRateHz, numFrames, dim: curveNames.length, kind: 'dense', data };
}

/** Times inside [startSec, startSec + seconds), shifted to the window's start. */
export function timesInWindow(times: readonly number[], startSec: number, seconds: number): number[] {
  return times.filter((t) => t >= startSec && t < startSec + seconds).map((t) => t - startSec);
}

/** Reads only the video's rhythm: one decode (src/rhythm/videoAnalysis.ts) -> the 'curves' stream. */
export class RhythmConditionSource implements ConditionSource {
  readonly id = 'rhythm-curves';
  async extract(videoPath: string, window: ConditionWindow = {}): Promise<VideoConditions> {
    const durationSec = await checkVideo(videoPath);
    const startSec = window.startSec ?? 0;
    const seconds = window.seconds ?? durationSec - startSec;
    const analysis = await analyzeVideo(videoPath, { onProgress: window.onProgress });
    const curves = rhythmCurves(analysis, Math.max(durationSec, startSec + seconds));
    const streams: Record<string, FeatureStream> = { curves: sliceStream(curves, startSec, seconds) };
    return {
      source: videoPath,
      durationSec,
      streams,
      beatsSec: timesInWindow(analysis.beatsSec, startSec, seconds),
      cutsSec: timesInWindow(analysis.cutsSec, startSec, seconds),
      tempoBpm: analysis.tempoBpm,
    };
  }
  dispose(): void {}
}

/** Style words of the debug text style (each an MTT-like tag); anything else is an unknown word. */
export const debugStyleWords = [
  'ambient',
  'beat',
  'calm',
  'classical',
  'dance',
  'drums',
  'electronic',
  'epic',
  'fast',
  'guitar',
  'happy',
  'jazz',
  'loud',
  'piano',
  'pop',
  'quiet',
  'rock',
  'sad',
  'slow',
  'soft',
  'strings',
  'techno',
  'upbeat',
  'vocal',
] as const;

/**
 * Text style for the debug pipeline: each known word has a seeded random direction in the 100-d style space;
 * a text's vector is the mean of its words' (unknown words are listed, and a text of only unknown words is an
 * error, as the real encoder reports it).
 */
export class DebugTextStyle implements TextStyleSource {
  readonly id = 'debug-text-style';
  encode(text: string): TextStyle {
    const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
    const known = words.filter((w) => (debugStyleWords as readonly string[]).includes(w));
    const unknownWords = words.filter((w) => !known.includes(w));
    if (known.length === 0) {
      const why = unknownWords.length ? `unknown words: ${unknownWords.join(', ')}` : 'no words';
      throw new V2meowError('BAD_ARGUMENT', `-t: no style understood in "${text.trim()}" (${why})`);
    }
    const vector = new Float32Array(styleDim);
    for (const word of known) {
      const random = createRandom(mixSeed(7, word));
      for (let i = 0; i < styleDim; i++) vector[i]! += random() / known.length;
    }
    return { vector, tags: [...new Set(known)], unknownWords };
  }
}

/** Semantic tokens for the debug pipeline: each 40 ms frame's loudness (dB) quantised to vocabularySize bins. */
export class DebugSemanticTokenizer implements SemanticTokenizer {
  readonly id: string;
  readonly frameRateHz = semanticRateHz;
  constructor(readonly vocabularySize = 64) {
    this.id = `debug-loudness-${vocabularySize}`;
  }
  tokenize(samples16k: Float32Array): Int32Array {
    const out = new Int32Array(semanticFramesOf(samples16k.length));
    for (let k = 0; k < out.length; k++) {
      let energy = 0;
      for (let i = k * samplesPerSemanticFrame; i < (k + 1) * samplesPerSemanticFrame; i++)
        energy += samples16k[i]! ** 2;
      const db = 10 * Math.log10(energy / samplesPerSemanticFrame + 1e-10); // -100 .. 0
      out[k] = Math.max(
        0,
        Math.min(this.vocabularySize - 1, Math.floor(((db + 100) / 100) * this.vocabularySize)),
      );
    }
    return out;
  }
  dispose(): void {}
}

/** What the debug stages are sized for. */
export interface DebugStageSizes {
  readonly codecId: string;
  readonly numCodebooks: number;
  readonly numCoarse: number;
  readonly codebookSize: number;
  readonly semanticTokenizerId: string;
  readonly semanticVocabularySize: number;
}

/** Seeded random debug-preset stages (stage 1 reads the rhythm curves; delay stage 2; masked stage 3). */
export function debugStages(
  sizes: DebugStageSizes,
  seed: number,
): { stage1: Stage1; stage2: Stage2; stage3: Stage3 } {
  const ids = {
    codecId: sizes.codecId,
    semanticTokenizerId: sizes.semanticTokenizerId,
    semanticVocabularySize: sizes.semanticVocabularySize,
  };
  manualSeed(seed);
  const stage1 = new Stage1(
    stage1Config('debug', {
      ...ids,
      streams: [{ name: 'curves', kind: 'dense', dim: curveNames.length, rateHz: semanticRateHz }],
    }),
  ).eval();
  const stage2 = new Stage2(
    stage2Config('debug', { ...ids, numLevels: sizes.numCoarse, codebookSize: sizes.codebookSize }),
  ).eval();
  const numFine = sizes.numCodebooks - sizes.numCoarse;
  const stage3 = new Stage3(
    stage3Config('debug', {
      ...ids,
      numCoarseLevels: sizes.numCoarse,
      numFineLevels: numFine,
      codebookSize: sizes.codebookSize,
      passesPerLevel: Array.from({ length: numFine }, (_, k) => (k === 0 ? 4 : 1)),
    }),
  ).eval();
  return { stage1, stage2, stage3 };
}
