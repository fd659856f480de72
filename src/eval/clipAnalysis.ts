// Everything the metrics need from one clip, computed once and cached by content: YAMNet window embeddings
// (FAD) and clip-mean class scores (KL, genre), music beat times (beat alignment), the clip's style embedding
// (style cosine), and for videos the visual beats. Audio is decoded once at 16 kHz mono, optionally limited
// to the first `maxDurationSec` seconds.
import type { Yamnet } from '../encoders/yamnet.js';
import { decodeAudio } from '../media/audio.js';
import { analyzeMusicRhythm } from '../rhythm/musicRhythm.js';
import { analyzeVideo } from '../rhythm/videoAnalysis.js';
import { contentHash, type EvalCache, keyOf } from './cache.js';
import { type StyleSource, YamnetMusicStyle } from './style.js';

/** Sample rate of every decode for evaluation (YAMNet's rate). */
export const evalSampleRateHz = 16000;

export interface ClipAnalysisOptions {
  /** Analyse at most this many seconds from the start; default whole clip. */
  readonly maxDurationSec?: number;
}

/** Features of one clip. */
export interface ClipFeatures {
  readonly path: string;
  /** Cache key: content hash + settings. */
  readonly key: string;
  /** Analysed duration in seconds. */
  readonly durationSec: number;
  readonly numWindows: number;
  /** [numWindows, 1024] YAMNet embeddings, row-major. */
  readonly embeddings: Float32Array;
  /** [521] YAMNet scores averaged over windows. */
  readonly clipScores: Float32Array;
  /** Music beat times in seconds. */
  readonly beatsSec: number[];
  /** Style embedding from `styleEncoder`. */
  readonly style: Float32Array;
  readonly styleEncoderId: string;
  /** [styleFrameCount, styleFrames.length / styleFrameCount] frame features of the style encoder, if it has them. */
  readonly styleFrames?: Float32Array;
  readonly styleFrameCount?: number;
}

interface ClipMeta {
  durationSec: number;
  numWindows: number;
  beatsSec: number[];
  styleEncoderId: string;
  styleFrameCount?: number;
}

/** Computes clip features with YAMNet (and a style encoder), or reads them from the cache. */
export class ClipAnalyzer {
  constructor(
    private readonly yamnet: Yamnet,
    private readonly style: StyleSource,
    private readonly cache: EvalCache,
    private readonly options: ClipAnalysisOptions = {},
  ) {}

  async analyze(path: string): Promise<ClipFeatures> {
    const key = keyOf({
      kind: 'clip',
      content: await contentHash(path),
      maxDurationSec: this.options.maxDurationSec ?? null,
      yamnetHopSamples: this.yamnet.config.hopSamples,
      style: this.style.id,
    });
    const cached = this.cache.read<ClipMeta>('clip', key);
    if (cached?.arrays.embeddings && cached.arrays.clipScores && cached.arrays.style) {
      return {
        path,
        key,
        ...cached.meta,
        embeddings: cached.arrays.embeddings as Float32Array,
        clipScores: cached.arrays.clipScores as Float32Array,
        style: cached.arrays.style as Float32Array,
        ...(cached.arrays.styleFrames ? { styleFrames: cached.arrays.styleFrames as Float32Array } : {}),
      };
    }
    const full = await decodeAudio(path, { sampleRateHz: evalSampleRateHz });
    const limit = this.options.maxDurationSec;
    const samples =
      limit && full.length > limit * evalSampleRateHz
        ? full.subarray(0, Math.round(limit * evalSampleRateHz))
        : full;
    const yamnetResult = this.yamnet.run(samples);
    const clipScores = this.yamnet.clipScores(yamnetResult);
    const beatsSec = analyzeMusicRhythm(samples, evalSampleRateHz).beatsSec;
    const styleFeatures =
      this.style instanceof YamnetMusicStyle
        ? { style: this.style.fromClipScores(clipScores) }
        : this.style.embedWithFrames
          ? this.style.embedWithFrames(samples)
          : { style: await this.style.embed(samples) };
    const meta: ClipMeta = {
      durationSec: samples.length / evalSampleRateHz,
      numWindows: yamnetResult.numWindows,
      beatsSec,
      styleEncoderId: this.style.id,
      ...('numFrames' in styleFeatures ? { styleFrameCount: styleFeatures.numFrames } : {}),
    };
    const arrays = {
      embeddings: yamnetResult.embeddings,
      clipScores,
      style: styleFeatures.style,
      ...('frames' in styleFeatures ? { styleFrames: styleFeatures.frames } : {}),
    };
    await this.cache.write('clip', key, { meta, arrays });
    return { path, key, ...meta, ...arrays };
  }
}

/** Visual beats of a video (first `maxDurationSec` seconds when given), cached by content. */
export async function videoBeats(
  path: string,
  cache: EvalCache,
  options: ClipAnalysisOptions = {},
): Promise<number[]> {
  const key = keyOf({ kind: 'video', content: await contentHash(path), motionFps: 8 });
  const cached = cache.read<{ beatsSec: number[] }>('video', key);
  const beatsSec = cached?.meta.beatsSec ?? (await analyzeVideo(path, { motionFps: 8 })).beatsSec;
  if (!cached) await cache.write('video', key, { meta: { beatsSec }, arrays: {} });
  const limit = options.maxDurationSec;
  return limit ? beatsSec.filter((t) => t < limit) : beatsSec;
}
