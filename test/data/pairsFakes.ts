// Cheap fake featurizers for the training-set tests: every part encodes TIME in its values, so a reader test
// can prove that a window's streams cover the same time: semantic token k = k, acoustic level l at frame t =
// (t + 7 l) mod 1024, curve channel 0 = frame index, visual streams' first value = their frame index, style
// segment g = [energy, seconds, g, start second]. Also a
// FeaturizerSpec module (createFeaturizer / featurizerIds) for worker-process builds and the kill test.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AcousticTokens, ExampleFeaturizer } from '../../src/dataset/featurizer.js';
import type { FeaturizerIds } from '../../src/dataset/format.js';
import { styleSegmentBounds } from '../../src/encoders/clipStyle.js';
import { curveNames, type FeatureStream } from '../../src/features/streams.js';
import { semanticFramesOf, semanticRateHz } from '../../src/features/timeline.js';
import { probe } from '../../src/media/probe.js';

export interface FakeOptions {
  /** Changes every id (a new featurizer version). */
  readonly version?: number;
  /** SIGKILL this process when the featurizer starts on its (killAfter + 1)-th file, counted across processes in `countDir`. */
  readonly killAfter?: number;
  /** No per-segment style vectors (a set built before they existed). */
  readonly noStyleSegments?: boolean;
  /** Throw (a featurizer bug) on the (throwAfter + 1)-th file. */
  readonly throwAfter?: number;
  /** Folder where each started file leaves a marker (counts work across processes). */
  readonly countDir?: string;
}

export const fakeVisualRates = { motion: 8, semantic: 1, tokens: 2 } as const;

export function featurizerIds(options: FakeOptions = {}): FeaturizerIds {
  const v = options.version ?? 1;
  return {
    semantic: `fake-semantic-${v}`,
    acoustic: `fake-acoustic-${v}`,
    style: `fake-style-${v}`,
    musicCurves: `fake-music-curves-${v}`,
    visual: `fake-visual-${v}`,
    videoCurves: `fake-video-curves-${v}`,
  };
}

function curves(numFrames: number, offset: number): FeatureStream & { name: 'curves' } {
  const dim = curveNames.length;
  const data = new Float32Array(numFrames * dim);
  for (let k = 0; k < numFrames; k++) {
    data[k * dim] = k;
    data[k * dim + 1] = offset;
  }
  return { name: 'curves', rateHz: semanticRateHz, numFrames, dim, kind: 'dense', data };
}

function stream(
  name: string,
  rateHz: number,
  numFrames: number,
  dim: number,
  kind: 'dense' | 'tokens',
): FeatureStream {
  const data = new Float32Array(numFrames * dim);
  for (let j = 0; j < numFrames; j++) data[j * dim] = kind === 'tokens' ? j % 16 : j;
  return { name, rateHz, numFrames, dim, kind, ...(kind === 'tokens' ? { vocabularySize: 16 } : {}), data };
}

/** The fake featurizer; `calls` counts the files it started on. */
export class FakeFeaturizer implements ExampleFeaturizer {
  readonly ids: FeaturizerIds;
  readonly semanticVocabularySize = 4096;
  readonly acousticLevels = 12;
  readonly acousticCodebookSize = 1024;
  calls = 0;
  disposed = false;

  constructor(readonly options: FakeOptions = {}) {
    this.ids = featurizerIds(options);
    if (!options.noStyleSegments) this.styleSegments = (samples) => this.segmentVectors(samples);
  }

  semanticTokens(samples: Float32Array): Int32Array {
    this.calls++;
    const { killAfter, throwAfter, countDir } = this.options;
    let started = this.calls;
    if (countDir) {
      mkdirSync(countDir, { recursive: true });
      started = readdirSync(countDir).length + 1;
      writeFileSync(join(countDir, `${process.pid}-${this.calls}`), '');
    }
    if (killAfter !== undefined && started > killAfter) process.kill(process.pid, 'SIGKILL');
    if (throwAfter !== undefined && started > throwAfter) throw new Error('fake featurizer failure');
    return Int32Array.from({ length: semanticFramesOf(samples.length) }, (_, k) => k % 4096);
  }

  acousticTokens(samples: Float32Array): AcousticTokens {
    const numFrames = Math.ceil(samples.length / 320);
    const data = new Int32Array(12 * numFrames);
    for (let l = 0; l < 12; l++)
      for (let t = 0; t < numFrames; t++) data[l * numFrames + t] = (t + 7 * l) % 1024;
    return { levels: 12, numFrames, data };
  }

  style(samples: Float32Array): Float32Array {
    const out = new Float32Array(100);
    let energy = 0;
    for (const v of samples) energy += v * v;
    out[0] = energy / samples.length;
    out[1] = samples.length / 16000;
    return out;
  }

  /** Per 10 s segment: [energy, seconds, segment index, start second, 0...] (the clip style is their mean). */
  readonly styleSegments?: (samples: Float32Array) => Float32Array;

  private segmentVectors(samples: Float32Array): Float32Array {
    const bounds = styleSegmentBounds(samples.length, 16000);
    const out = new Float32Array(bounds.length * 100);
    bounds.forEach(([from, to], g) => {
      out.set(this.style(samples.subarray(from, to)).subarray(0, 2), g * 100);
      out[g * 100 + 2] = g;
      out[g * 100 + 3] = from / 16000;
    });
    return out;
  }

  musicCurves(samples: Float32Array) {
    return curves(semanticFramesOf(samples.length), 0);
  }

  async visual(videoPath: string) {
    const durationSec = (await probe(videoPath)).durationSec;
    const count = (rate: number) => Math.floor(durationSec * rate);
    return {
      source: videoPath,
      durationSec,
      streams: {
        motion: stream('motion', fakeVisualRates.motion, count(fakeVisualRates.motion), 3, 'dense'),
        semantic: stream('semantic', fakeVisualRates.semantic, count(fakeVisualRates.semantic), 4, 'dense'),
        tokens: stream('tokens', fakeVisualRates.tokens, count(fakeVisualRates.tokens), 2, 'tokens'),
      },
    };
  }

  async videoCurves(videoPath: string) {
    const durationSec = (await probe(videoPath)).durationSec;
    return curves(Math.round(durationSec * semanticRateHz), 1);
  }

  dispose(): void {
    this.disposed = true;
  }
}

export function createFeaturizer(options: FakeOptions = {}): FakeFeaturizer {
  return new FakeFeaturizer(options);
}
