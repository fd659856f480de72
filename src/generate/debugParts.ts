// Stand-ins that let the whole pipeline run before anything is trained (`V2Meow.fromPretrained('debug')`):
// a condition source that reads only the video's rhythm (src/rhythm analyzeVideo -> the 'curves' stream of
// src/features/streams.ts), a text style with a small fixed lexicon, a semantic tokenizer that quantises
// frame loudness, and seeded random debug-preset stages sized for the codec they drive. The real extractor
// (src/features/visual.ts), text encoder (src/encoders/textStyle.ts) and tokenizer replace them in bundles.

import { TextStyleEncoder } from '../encoders/textStyle.js';
import { V2meowError } from '../errors.js';
import { videoCurves } from '../features/curves.js';
import {
  curveNames,
  type FeatureStream,
  type VisualStreamName,
  visualStreamNames,
} from '../features/streams.js';
import { samplesPerSemanticFrame, semanticFramesOf, semanticRateHz } from '../features/timeline.js';
import { VisualFeatureExtractor } from '../features/visual.js';
import { assertDecodableVideo, probe } from '../media/probe.js';
import { Stage1, stage1Config } from '../models/stage1.js';
import { Stage2, stage2Config } from '../models/stage2.js';
import { Stage3, stage3Config } from '../models/stage3.js';
import type { VideoAnalysis } from '../rhythm/videoAnalysis.js';
import { analyzeVideo } from '../rhythm/videoAnalysis.js';
import type { SemanticTokenizer } from '../tokens/semantic.js';
import { manualSeed } from '../torch/index.js';
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

/** Visual streams and rhythm curves of a window, from one decode (src/features/visual.ts, curves.ts). */
export class VisualConditionSource implements ConditionSource {
  readonly id: string;
  private extractor: VisualFeatureExtractor | null = null;
  /** `streams`: the stage-1 stream names; 'curves' comes from the rhythm analysis, the others from encoders. */
  constructor(readonly streams: readonly string[]) {
    this.id = `visual:${streams.join('+')}`;
  }
  private get visualStreams(): VisualStreamName[] {
    return this.streams.filter((s): s is VisualStreamName =>
      (visualStreamNames as readonly string[]).includes(s),
    );
  }
  async extract(videoPath: string, window: ConditionWindow = {}): Promise<VideoConditions> {
    const durationSec = await checkVideo(videoPath);
    const options = { startSec: window.startSec, seconds: window.seconds, onProgress: window.onProgress };
    let analysis: VideoAnalysis;
    const streams: Record<string, FeatureStream> = {};
    if (this.visualStreams.length > 0) {
      this.extractor ??= await VisualFeatureExtractor.create({ streams: this.visualStreams });
      const extraction = await this.extractor.extract(videoPath, options);
      Object.assign(streams, extraction.streams);
      analysis = extraction.analysis;
    } else {
      analysis = await analyzeVideo(videoPath, options);
    }
    if (this.streams.includes('curves')) streams.curves = videoCurves(analysis);
    return {
      source: videoPath,
      durationSec,
      streams,
      beatsSec: analysis.beatsSec,
      cutsSec: analysis.cutsSec,
      tempoBpm: analysis.tempoBpm,
    };
  }
  dispose(): void {
    this.extractor?.dispose?.();
    this.extractor = null;
  }
}

/** The video's rhythm alone: one decode (src/rhythm/videoAnalysis.ts) -> the 'curves' stream. */
export class RhythmConditionSource extends VisualConditionSource {
  constructor() {
    super(['curves']);
  }
}

/** The real text style (src/encoders/textStyle.ts): its top tags by lift, and the words it did not know. */
export class LexiconTextStyle implements TextStyleSource {
  readonly id: string;
  constructor(private readonly encoder: TextStyleEncoder) {
    this.id = encoder.id;
  }
  static load(dir?: string): LexiconTextStyle {
    return new LexiconTextStyle(TextStyleEncoder.load(dir ? { dir } : {}));
  }
  encode(text: string): TextStyle {
    const style = this.encoder.encode(text);
    return {
      vector: style.vector,
      tags: style.tags.slice(0, 5).map((t) => t.label),
      matched: style.matched,
      unknownWords: style.unknownWords,
    };
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
