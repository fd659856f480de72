// decodeAudio(): any ffmpeg-readable file (audio or video) to mono float32 samples at a chosen rate.
// Channels are averaged by ffmpeg's downmix (-ac 1); resampling uses ffmpeg's swresample.
import { V2meowError } from '../errors.js';
import { ffmpegFileArgument, ffmpegPath, runProcess, throwFfmpegError } from './ffmpeg.js';
import { assertDecodableAudio, probe } from './probe.js';

export interface DecodeAudioOptions {
  /** Output sample rate in Hz. */
  readonly sampleRateHz: number;
  /** Start offset in seconds; default 0. */
  readonly startSec?: number;
  /**
   * Length in seconds. When given, the result has exactly round(durationSec * sampleRateHz) samples
   * (zero-padded past the end of the file). Default: to the end of the file.
   */
  readonly durationSec?: number;
}

/** Stderr lines that mean the input is damaged even when ffmpeg exits 0. */
const damagePattern = /partial file|Invalid data found|corrupt|error while decoding|Error submitting packet/i;

/**
 * Decodes the first audio stream of `path` to mono float32 in [-1, 1], shape [numSamples].
 * Throws V2meowError FILE_NOT_FOUND, NOT_MEDIA, NO_AUDIO_STREAM, ZERO_DURATION, UNSUPPORTED_CODEC, CORRUPT_MEDIA.
 */
export async function decodeAudio(path: string, options: DecodeAudioOptions): Promise<Float32Array> {
  const { sampleRateHz, startSec = 0, durationSec } = options;
  if (!(sampleRateHz > 0) || !Number.isInteger(sampleRateHz))
    throw new V2meowError(
      'BAD_ARGUMENT',
      `sample rate must be a positive integer, got ${sampleRateHz}`,
      path,
    );
  const info = await probe(path);
  assertDecodableAudio(info);
  const args = ['-v', 'error', '-nostdin'];
  if (startSec > 0) args.push('-ss', String(startSec));
  args.push('-i', ffmpegFileArgument(path));
  if (durationSec !== undefined) args.push('-t', String(durationSec));
  args.push('-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(sampleRateHz), '-f', 'f32le', 'pipe:1');
  const result = await runProcess(ffmpegPath(), args);
  if (result.exitCode !== 0 || damagePattern.test(result.stderr)) throwFfmpegError(path, result.stderr);
  const decoded = new Float32Array(
    result.stdout.buffer,
    result.stdout.byteOffset,
    Math.floor(result.stdout.length / 4),
  );
  if (durationSec === undefined) {
    if (decoded.length === 0) throw new V2meowError('ZERO_DURATION', 'decodes to zero audio samples', path);
    return decoded.slice();
  }
  const exact = new Float32Array(Math.round(durationSec * sampleRateHz));
  exact.set(decoded.subarray(0, exact.length));
  return exact;
}
