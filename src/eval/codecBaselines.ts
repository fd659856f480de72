// The two codec rows of the default model's evaluation (docs/evaluation-default.md): the reference through the
// codec (encode to all RVQ levels, decode: the ceiling of the sound any token model can reach), and the noise
// floor (codec tokens drawn independently per level and frame from their unigram frequencies, decoded: what
// the token vocabulary sounds like with no sequence model at all). The frequencies come from the acoustic
// tensors of a V2Meow training set (src/dataset/format.ts, train split) or from given token arrays.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AudioCodec } from '../codec/audioCodec.js';
import { datasetIndexFileName, examplesFolderName, readDatasetIndex } from '../dataset/format.js';
import { TensorFile } from '../dataset/tensorFile.js';
import { V2meowError } from '../errors.js';
import { noGrad, tensor, tidy } from '../torch/index.js';
import { createRandom } from '../util/random.js';

/** Codec tokens of one clip: [levels, frames] row-major. */
export interface CodecCodes {
  readonly levels: number;
  readonly frames: number;
  readonly data: Int32Array;
}

/** All levels of the codec's tokens of 16 kHz samples. */
export function encodeCodes(codec: AudioCodec, samples16k: Float32Array): CodecCodes {
  return noGrad(() =>
    tidy(() => {
      const codes = codec.encode(tensor(samples16k, [1, samples16k.length]));
      const [, levels, frames] = codes.shape as [number, number, number];
      return { levels, frames, data: Int32Array.from(codes.toArray()) };
    }),
  );
}

/** Waveform of codes, exactly `numSamples` long (cut, or zero-padded). */
export function decodeCodes(codec: AudioCodec, codes: CodecCodes, numSamples: number): Float32Array {
  const wave = noGrad(() =>
    tidy(() =>
      codec.decode(tensor(codes.data, [1, codes.levels, codes.frames], { dtype: 'int64' })).toFloat32Array(),
    ),
  );
  const out = new Float32Array(numSamples);
  out.set(wave.subarray(0, numSamples));
  return out;
}

/** Encode + decode with every level: the best the codec can do on this audio. */
export function codecRoundTrip(codec: AudioCodec, samples16k: Float32Array): Float32Array {
  return decodeCodes(codec, encodeCodes(codec, samples16k), samples16k.length);
}

/** Token counts per level: counts[level * codebookSize + token]. */
export interface UnigramCounts {
  readonly levels: number;
  readonly codebookSize: number;
  readonly counts: Float64Array;
  /** Frames counted (per level). */
  numFrames: number;
  /** Where the counts come from, in words (printed with the results). */
  source: string;
}

export function emptyCounts(levels: number, codebookSize: number, source: string): UnigramCounts {
  return { levels, codebookSize, counts: new Float64Array(levels * codebookSize), numFrames: 0, source };
}

/** Adds a clip's codes to the counts (SHAPE_MISMATCH when levels or token range differ). */
export function addCodes(counts: UnigramCounts, codes: CodecCodes, file?: string): void {
  if (codes.levels !== counts.levels)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `codes have ${codes.levels} levels, the codec ${counts.levels}`,
      file,
    );
  for (let level = 0; level < codes.levels; level++)
    for (let f = 0; f < codes.frames; f++) {
      const token = codes.data[level * codes.frames + f]!;
      if (!(token >= 0 && token < counts.codebookSize))
        throw new V2meowError(
          'SHAPE_MISMATCH',
          `token ${token} outside the codec's codebook of ${counts.codebookSize}`,
          file,
        );
      counts.counts[level * counts.codebookSize + token]! += 1;
    }
  counts.numFrames += codes.frames;
}

/**
 * Unigram counts of a training set's acoustic tokens: the train split of DIR/index.json, or every example
 * file under DIR/examples when the index is not written yet (the source says which). The examples must hold
 * the codec's levels and codebook size (SHAPE_MISMATCH naming the file otherwise).
 */
export function datasetCounts(dir: string, levels: number, codebookSize: number): UnigramCounts {
  if (!existsSync(dir)) throw new V2meowError('FILE_NOT_FOUND', 'training set folder does not exist', dir);
  let files: string[];
  let what: string;
  if (existsSync(join(dir, datasetIndexFileName))) {
    const index = readDatasetIndex(dir);
    files = index.examples.filter((e) => e.split === 'train').map((e) => join(dir, e.file));
    what = 'train split';
  } else {
    const folder = join(dir, examplesFolderName);
    if (!existsSync(folder))
      throw new V2meowError(
        'FILE_NOT_FOUND',
        `neither ${datasetIndexFileName} nor ${examplesFolderName}/`,
        dir,
      );
    files = readdirSync(folder)
      .filter((name) => name.endsWith('.safetensors'))
      .sort()
      .map((name) => join(folder, name));
    what = `all example files (no ${datasetIndexFileName} yet: splits unknown)`;
  }
  if (files.length === 0)
    throw new V2meowError('EMPTY_FOLDER', 'no training examples to count tokens in', dir);
  const counts = emptyCounts(levels, codebookSize, '');
  for (const path of files) {
    const file = TensorFile.open(path);
    try {
      const entry = file.entry('acoustic');
      const [fileLevels, frames] = entry.shape as [number, number];
      addCodes(counts, { levels: fileLevels, frames, data: file.read('acoustic') as Int32Array }, path);
    } finally {
      file.close();
    }
  }
  counts.source = `training set ${dir}, ${what}: ${files.length} examples, ${(counts.numFrames / 50 / 3600).toFixed(2)} h`;
  return counts;
}

/**
 * Codes [levels, frames] with each token drawn independently from its level's unigram frequencies (add-one
 * smoothing is not applied: tokens never seen are never drawn), seeded.
 */
export function sampleUnigramCodes(counts: UnigramCounts, frames: number, seed: number): CodecCodes {
  const { levels, codebookSize } = counts;
  if (counts.numFrames === 0) throw new V2meowError('BAD_ARGUMENT', 'no token counts to sample from');
  const random = createRandom(seed);
  const data = new Int32Array(levels * frames);
  for (let level = 0; level < levels; level++) {
    const cumulative = new Float64Array(codebookSize);
    let total = 0;
    for (let t = 0; t < codebookSize; t++) {
      total += counts.counts[level * codebookSize + t]!;
      cumulative[t] = total;
    }
    for (let f = 0; f < frames; f++) {
      const u = random() * total;
      let lo = 0;
      let hi = codebookSize - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > u) hi = mid;
        else lo = mid + 1;
      }
      data[level * frames + f] = lo;
    }
  }
  return { levels, frames, data };
}
