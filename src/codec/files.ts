// File-level codec operations shared by the CLI and library users: open a codec (the committed default,
// a model file, or Lyra), audio file -> .v2c token file, .v2c -> WAV.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V2meowError } from '../errors.js';
import { writeFileAtomically } from '../media/atomicFile.js';
import { decodeAudio } from '../media/audio.js';
import { writeWav } from '../media/wav.js';
import { noGrad, tensor, tidy } from '../torch/index.js';
import { withFileSync } from '../util/fileErrors.js';
import { checkOutputFile } from '../util/outputPath.js';
import { loadCodec, loadLyraCodec, type SoundStreamCodec } from './soundstream.js';
import { encodeTokenFile, readTokenFile, type TokenFileHeader } from './tokenFile.js';

/** weights/codec/codec.safetensors in the package (the trained default codec). */
export function defaultCodecPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'weights', 'codec', 'codec.safetensors');
}

/** 'lyra' -> Lyra v2; a path -> that codec file; nothing -> the committed default. */
export function openCodec(spec?: string): SoundStreamCodec {
  if (spec === 'lyra') return loadLyraCodec();
  const path = spec ?? defaultCodecPath();
  if (!existsSync(path))
    throw new V2meowError(
      'FILE_NOT_FOUND',
      'codec weights not found (train one with `v2meow codec train`)',
      path,
    );
  if (!statSync(path).isFile())
    throw new V2meowError('BAD_ARGUMENT', 'is a folder; --codec wants a codec file or lyra', path);
  return withFileSync(path, () => loadCodec(path).codec);
}

/** Tokens [numLevels, numFrames] as uint16 from an int64 tensor [1, K, T]. */
function tokensOf(codes: ReturnType<SoundStreamCodec['encode']>): Uint16Array {
  return Uint16Array.from(codes.squeeze(0).toArray());
}

/** Encodes an audio file (any format ffmpeg reads) into a .v2c token file. Returns the header written. */
export async function encodeToFile(
  codec: SoundStreamCodec,
  input: string,
  output: string,
  numLevels = codec.numCodebooks,
): Promise<TokenFileHeader> {
  checkOutputFile(output, { extensions: ['.v2c'], inputs: [input] });
  const wave = await decodeAudio(input, { sampleRateHz: codec.sampleRateHz });
  const tokens = noGrad(() => tidy(() => tokensOf(codec.encode(tensor(wave, [1, wave.length]), numLevels))));
  const header = {
    codec: codec.id,
    sampleRateHz: codec.sampleRateHz,
    frameRateHz: codec.frameRateHz,
    codebookSize: codec.codebookSize,
    numLevels,
    numFrames: tokens.length / numLevels,
    numSamples: wave.length,
  };
  const bytes = encodeTokenFile(header, tokens);
  await writeFileAtomically(output, bytes);
  return { formatVersion: 2, ...header };
}

/** Waveform of a token file (first `numLevels` levels; default all stored). */
export function decodeTokens(codec: SoundStreamCodec, input: string, numLevels?: number): Float32Array {
  const { header, tokens } = readTokenFile(input);
  if (header.codec !== codec.id)
    throw new V2meowError(
      'BAD_FORMAT',
      `tokens were made by codec '${header.codec}', this codec is '${codec.id}'`,
      input,
    );
  const expected = {
    sampleRateHz: codec.sampleRateHz,
    frameRateHz: codec.frameRateHz,
    codebookSize: codec.codebookSize,
  } as const;
  for (const [field, value] of Object.entries(expected))
    if (header[field as keyof typeof expected] !== value)
      throw new V2meowError(
        'BAD_FORMAT',
        `header says ${field} ${header[field as keyof typeof expected]}, codec '${codec.id}' has ${value}`,
        input,
      );
  if (header.numLevels > codec.numCodebooks)
    throw new V2meowError(
      'BAD_FORMAT',
      `header says ${header.numLevels} levels, codec '${codec.id}' has ${codec.numCodebooks}`,
      input,
    );
  const levels = numLevels ?? header.numLevels;
  if (!Number.isInteger(levels) || levels < 1 || levels > header.numLevels)
    throw new V2meowError('BAD_ARGUMENT', `--levels ${levels}: the file holds 1..${header.numLevels}`, input);
  return noGrad(() =>
    tidy(() => {
      const codes = tensor(Int32Array.from(tokens), [1, header.numLevels, header.numFrames], {
        dtype: 'int64',
      }).narrow(1, 0, levels);
      return codec
        .decode(codes)
        .narrow(1, 0, Math.min(header.numSamples, header.numFrames * codec.hopSamples))
        .contiguous()
        .toFloat32Array();
    }),
  );
}

/** Decodes a token file to a WAV at the codec's rate. Returns the duration in seconds. */
export async function decodeToFile(
  codec: SoundStreamCodec,
  input: string,
  output: string,
  numLevels?: number,
): Promise<number> {
  checkOutputFile(output, { extensions: ['.wav'], inputs: [input] });
  const wave = decodeTokens(codec, input, numLevels);
  // Lyra's decoder has no output squashing: clip to [-1, 1] as Lyra does when it converts to int16.
  for (let i = 0; i < wave.length; i++) wave[i] = Math.max(-1, Math.min(1, wave[i]!));
  await writeWav(output, wave, codec.sampleRateHz);
  return wave.length / codec.sampleRateHz;
}
