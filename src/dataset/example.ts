// Makes one example from one source file (issue 11, part 5): decode the soundtrack at 16 kHz, cut it to whole
// semantic frames (so every stream covers the same time: src/features/timeline.ts), run the featurizer's
// parts, check their shapes and ranges, and write the example file atomically. Files that cannot be read as
// media (corrupt, no audio, no video in a video folder) come back as 'skipped' with the reason; any other
// failure (a featurizer bug, out of memory) is thrown, naming the file, and stops the build.
import { rmsDb } from '../data/pcm16.js';
import { meanOfSegments, styleDim, styleSegmentBounds } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import { curveNames, type FeatureStream, sliceStream, type VisualStreamName } from '../features/streams.js';
import {
  acousticPerSemantic,
  audioSampleRateHz,
  samplesPerAcousticFrame,
  samplesPerSemanticFrame,
  semanticFramesOf,
  semanticRateHz,
} from '../features/timeline.js';
import { decodeAudio } from '../media/audio.js';
import { probe } from '../media/probe.js';
import type { ExampleFeaturizer } from './featurizer.js';
import {
  datasetFormatVersion,
  type ExampleKind,
  type ExampleMetadata,
  exampleFormatName,
  type FeaturizerIds,
  type StoredStreamInfo,
} from './format.js';
import { encodeTensorFile, type TensorToWrite, writeBytesDurably } from './tensorFile.js';

/** One source file to turn into an example. */
export interface ExampleJob {
  /** Absolute path of the source file. */
  readonly path: string;
  readonly key: string;
  readonly source: string;
  readonly kind: ExampleKind;
  readonly contentSha256: string;
  /** Where to write the example (…/examples/NAME.safetensors). */
  readonly outPath: string;
}

export type ExampleResult =
  | { readonly status: 'built'; readonly metadata: ExampleMetadata }
  | { readonly status: 'skipped'; readonly reason: string };

/** Error codes that mean "this file is not usable media": the file is skipped, the build goes on. */
const unreadableCodes = new Set([
  'FILE_NOT_FOUND',
  'NOT_MEDIA',
  'NO_VIDEO_STREAM',
  'NO_AUDIO_STREAM',
  'ZERO_DURATION',
  'CORRUPT_MEDIA',
  'UNSUPPORTED_CODEC',
  'RESOLUTION_TOO_LARGE',
  'FFMPEG_FAILED',
]);

/** The reason to skip a file when `error` says it is unreadable media, else undefined. */
export function unreadableReason(error: unknown, path: string): string | undefined {
  if (!(error instanceof V2meowError) || !unreadableCodes.has(error.code)) return undefined;
  return error.message.replace(`${path}: `, '');
}

/** Floor of the stored frame levels (digital silence would be -Infinity). */
export const silenceFloorDb = -120;

/** RMS level of each codec frame, dB re full scale (floored at silenceFloorDb). */
export function frameRmsDb(samples: Float32Array, numFrames: number): Float32Array {
  const out = new Float32Array(numFrames);
  for (let t = 0; t < numFrames; t++)
    out[t] = Math.max(silenceFloorDb, rmsDb(samples, t * samplesPerAcousticFrame, samplesPerAcousticFrame));
  return out;
}

/**
 * A curve set held to exactly `numFrames` frames at 25 Hz (cut, or its last frame repeated): music curves may
 * differ by a frame or two at the end, video curves by up to 2 s (a picture and its soundtrack rarely end
 * together); more than `toleranceFrames` is an error.
 */
function fitCurves(
  curves: FeatureStream,
  numFrames: number,
  toleranceFrames: number,
  what: string,
  path: string,
): FeatureStream {
  if (curves.rateHz !== semanticRateHz || curves.dim !== curveNames.length)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${what}: want ${curveNames.length} channels at ${semanticRateHz} Hz, got ${curves.dim} at ${curves.rateHz} Hz`,
      path,
    );
  if (Math.abs(curves.numFrames - numFrames) > toleranceFrames)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${what}: ${curves.numFrames} frames for ${numFrames} semantic frames`,
      path,
    );
  return curves.numFrames === numFrames ? curves : sliceStream(curves, 0, numFrames / semanticRateHz);
}

function checkRange(values: Int32Array, size: number, what: string, path: string): void {
  for (const v of values)
    if (!(v >= 0 && v < size))
      throw new V2meowError('BAD_FORMAT', `${what}: token ${v} outside 0..${size - 1}`, path);
}

/** The parts of the featurizer ids that an example of `kind` depends on. */
export function idsFor(kind: ExampleKind, ids: FeaturizerIds): Partial<FeaturizerIds> {
  const { semantic, acoustic, style, musicCurves, visual, videoCurves } = ids;
  return kind === 'paired'
    ? { semantic, acoustic, style, musicCurves, visual, videoCurves }
    : { semantic, acoustic, style, musicCurves };
}

/** Runs the featurizer on one file and returns the example's tensors and metadata (nothing written). */
export async function featurizeFile(
  job: ExampleJob,
  featurizer: ExampleFeaturizer,
): Promise<
  | { status: 'built'; tensors: Record<string, TensorToWrite>; metadata: ExampleMetadata }
  | { status: 'skipped'; reason: string }
> {
  const { path } = job;
  let samples: Float32Array;
  try {
    if (job.kind === 'paired') {
      const info = await probe(path);
      if (!info.hasVideo)
        throw new V2meowError('NO_VIDEO_STREAM', 'has no video stream (in a video folder)', path);
      if (!info.hasAudio) throw new V2meowError('NO_AUDIO_STREAM', 'has no soundtrack', path);
    }
    samples = await decodeAudio(path, { sampleRateHz: audioSampleRateHz });
  } catch (error) {
    const reason = unreadableReason(error, path);
    if (reason === undefined) throw error;
    return { status: 'skipped', reason };
  }
  const numSemantic = semanticFramesOf(samples.length);
  if (numSemantic === 0) return { status: 'skipped', reason: 'shorter than one semantic frame (40 ms)' };
  const audio = samples.subarray(0, numSemantic * samplesPerSemanticFrame);
  const numAcoustic = numSemantic * acousticPerSemantic;

  const semantic = await featurizer.semanticTokens(audio);
  if (semantic.length !== numSemantic)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `semantic tokens: ${semantic.length} for ${numSemantic} frames`,
      path,
    );
  checkRange(semantic, featurizer.semanticVocabularySize, 'semantic tokens', path);
  const acoustic = await featurizer.acousticTokens(audio);
  if (acoustic.levels !== featurizer.acousticLevels || acoustic.numFrames !== numAcoustic)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `acoustic tokens [${acoustic.levels}, ${acoustic.numFrames}], want [${featurizer.acousticLevels}, ${numAcoustic}]`,
      path,
    );
  checkRange(acoustic.data, featurizer.acousticCodebookSize, 'acoustic tokens', path);
  let styleSegments: Float32Array | undefined;
  if (featurizer.styleSegments) {
    styleSegments = await featurizer.styleSegments(audio);
    const want = styleSegmentBounds(audio.length, audioSampleRateHz).length * styleDim;
    if (styleSegments.length !== want)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `style segments: ${styleSegments.length} values, want ${want} (10 s segments x ${styleDim})`,
        path,
      );
  }
  const style = styleSegments ? meanOfSegments(styleSegments) : await featurizer.style(audio);
  if (style.length !== styleDim)
    throw new V2meowError('SHAPE_MISMATCH', `style vector of ${style.length} values, want ${styleDim}`, path);
  const musicCurves = fitCurves(
    await featurizer.musicCurves(audio, path),
    numSemantic,
    2,
    'music curves',
    path,
  );

  const tensors: Record<string, TensorToWrite> = {
    semantic: { dtype: 'I16', shape: [numSemantic], values: semantic },
    acoustic: { dtype: 'I16', shape: [acoustic.levels, numAcoustic], values: acoustic.data },
    style: { dtype: 'F32', shape: [styleDim], values: style },
    ...(styleSegments
      ? {
          styleSegments: {
            dtype: 'F32' as const,
            shape: [styleSegments.length / styleDim, styleDim],
            values: styleSegments,
          },
        }
      : {}),
    musicCurves: { dtype: 'F16', shape: [numSemantic, curveNames.length], values: musicCurves.data },
    frameRmsDb: { dtype: 'F16', shape: [numAcoustic], values: frameRmsDb(audio, numAcoustic) },
  };
  const visualStreams: Partial<Record<VisualStreamName, StoredStreamInfo>> = {};
  if (job.kind === 'paired') {
    let visual: Awaited<ReturnType<ExampleFeaturizer['visual']>>;
    let videoCurves: FeatureStream;
    try {
      visual = await featurizer.visual(path);
      videoCurves = await featurizer.videoCurves(path);
    } catch (error) {
      const reason = unreadableReason(error, path);
      if (reason === undefined) throw error;
      return { status: 'skipped', reason };
    }
    tensors.videoCurves = {
      dtype: 'F16',
      shape: [numSemantic, curveNames.length],
      values: fitCurves(videoCurves, numSemantic, 2 * semanticRateHz, 'video curves', path).data,
    };
    for (const name of Object.keys(visual.streams).sort() as VisualStreamName[]) {
      const stream = visual.streams[name]!;
      if (stream.data.length !== stream.numFrames * stream.dim || !(stream.rateHz > 0))
        throw new V2meowError('SHAPE_MISMATCH', `visual stream ${name}: bad shape or rate`, path);
      tensors[`visual.${name}`] = {
        dtype: stream.kind === 'tokens' ? 'I16' : 'F16',
        shape: [stream.numFrames, stream.dim],
        values: stream.data,
      };
      visualStreams[name] = {
        rateHz: stream.rateHz,
        numFrames: stream.numFrames,
        dim: stream.dim,
        kind: stream.kind,
        ...(stream.vocabularySize !== undefined ? { vocabularySize: stream.vocabularySize } : {}),
      };
    }
  }
  const metadata: ExampleMetadata = {
    format: exampleFormatName,
    version: datasetFormatVersion,
    kind: job.kind,
    key: job.key,
    source: job.source,
    contentSha256: job.contentSha256,
    durationSec: numSemantic / semanticRateHz,
    numSemanticFrames: numSemantic,
    numAcousticFrames: numAcoustic,
    acousticLevels: acoustic.levels,
    acousticCodebookSize: featurizer.acousticCodebookSize,
    semanticVocabularySize: featurizer.semanticVocabularySize,
    featurizers: idsFor(job.kind, featurizer.ids),
    visualStreams,
  };
  return { status: 'built', tensors, metadata };
}

/** Featurizes one file and writes its example (or its skip record) atomically. */
export async function makeExample(job: ExampleJob, featurizer: ExampleFeaturizer): Promise<ExampleResult> {
  let result: Awaited<ReturnType<typeof featurizeFile>>;
  try {
    result = await featurizeFile(job, featurizer);
  } catch (error) {
    if (error instanceof V2meowError && error.file === job.path) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new V2meowError('FEATURIZE_FAILED', message, job.path, { cause: error });
  }
  if (result.status === 'skipped') {
    const record = {
      format: exampleFormatName,
      version: datasetFormatVersion,
      key: job.key,
      reason: result.reason,
    };
    writeBytesDurably(skipPathOf(job.outPath), Buffer.from(`${JSON.stringify(record)}\n`));
    return result;
  }
  const bytes = encodeTensorFile(result.tensors, {
    format: exampleFormatName,
    version: String(datasetFormatVersion),
    example: JSON.stringify(result.metadata),
  });
  writeBytesDurably(job.outPath, bytes);
  return { status: 'built', metadata: result.metadata };
}

/** The skip record beside an example path: NAME.safetensors -> NAME.skipped.json. */
export function skipPathOf(examplePath: string): string {
  return examplePath.replace(/\.safetensors$/, '.skipped.json');
}
