// RIFF/WAVE encoding and parsing in TypeScript (no ffmpeg): 16-bit PCM and 32-bit IEEE float, mono or
// interleaved multichannel. Reference: Microsoft RIFF WAVE format (WAVE_FORMAT_PCM = 1, WAVE_FORMAT_IEEE_FLOAT = 3).
import { readFileSync } from 'node:fs';
import { V2meowError } from '../errors.js';
import { writeFileAtomically } from './atomicFile.js';

export type WavFormat = 'pcm16' | 'float32';

export interface WavOptions {
  /** Sample encoding; default 'pcm16'. PCM16 clips to [-1, 1]. */
  readonly format?: WavFormat;
  /** Interleaved channel count of `samples`; default 1. */
  readonly channels?: number;
}

/** Encodes samples (interleaved when channels > 1, nominal range [-1, 1]) as a WAV file in memory. */
export function encodeWav(samples: Float32Array, sampleRateHz: number, options: WavOptions = {}): Uint8Array {
  const format = options.format ?? 'pcm16';
  const channels = options.channels ?? 1;
  if (!(sampleRateHz > 0) || !Number.isInteger(sampleRateHz))
    throw new V2meowError('BAD_ARGUMENT', `sample rate must be a positive integer, got ${sampleRateHz}`);
  if (samples.length % channels !== 0)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `${samples.length} samples do not divide into ${channels} channels`,
    );
  const bytesPerSample = format === 'pcm16' ? 2 : 4;
  const dataBytes = samples.length * bytesPerSample;
  const buffer = new ArrayBuffer(44 + dataBytes);
  const view = new DataView(buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'pcm16' ? 1 : 3, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  if (format === 'pcm16') {
    for (let i = 0; i < samples.length; i++) {
      const clipped = Math.max(-1, Math.min(1, samples[i]!));
      view.setInt16(44 + 2 * i, Math.round(clipped < 0 ? clipped * 32768 : clipped * 32767), true);
    }
  } else {
    for (let i = 0; i < samples.length; i++) view.setFloat32(44 + 4 * i, samples[i]!, true);
  }
  return new Uint8Array(buffer);
}

/** Writes a WAV file through a temporary file renamed at the end. */
export function writeWav(
  path: string,
  samples: Float32Array,
  sampleRateHz: number,
  options: WavOptions = {},
): Promise<void> {
  return writeFileAtomically(path, encodeWav(samples, sampleRateHz, options));
}

export interface DecodedWav {
  /** Interleaved samples in [-1, 1]. */
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
  readonly channels: number;
  readonly format: WavFormat;
}

/** Parses a PCM16 or float32 WAV (as written by encodeWav and most tools). Throws BAD_FORMAT otherwise. */
export function parseWav(bytes: Uint8Array, path?: string): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new V2meowError('BAD_FORMAT', 'not a RIFF/WAVE file', path);
  let offset = 12;
  let formatCode = 0;
  let channels = 0;
  let sampleRateHz = 0;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      formatCode = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRateHz = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (formatCode === 0xfffe) formatCode = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      const length = Math.min(size, bytes.length - body);
      if (formatCode === 1 && bits === 16) {
        const samples = new Float32Array(Math.floor(length / 2));
        for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true) / 32768;
        return { samples, sampleRateHz, channels, format: 'pcm16' };
      }
      if (formatCode === 3 && bits === 32) {
        const samples = new Float32Array(Math.floor(length / 4));
        for (let i = 0; i < samples.length; i++) samples[i] = view.getFloat32(body + 4 * i, true);
        return { samples, sampleRateHz, channels, format: 'float32' };
      }
      throw new V2meowError(
        'BAD_FORMAT',
        `unsupported WAV encoding (format ${formatCode}, ${bits} bits)`,
        path,
      );
    }
    offset = body + size + (size % 2);
  }
  throw new V2meowError('BAD_FORMAT', 'WAV file has no data chunk', path);
}

/** Reads a WAV file from disk with parseWav. */
export function readWav(path: string): DecodedWav {
  return parseWav(readFileSync(path), path);
}
