// Decoding of source files for the corpus builder: any ffmpeg-readable file -> mono float samples at the
// corpus rate, through src/media's decodeAudio. A decoder is a parameter of the builder so tests can count
// or fail decodes without ffmpeg.
import { decodeAudio } from '../media/index.js';

/** Decodes `path` to mono float samples [n] in [-1, 1] at `sampleRateHz`; rejects with a V2meowError. */
export type AudioDecoder = (path: string, sampleRateHz: number) => Promise<Float32Array>;

/** The decoder the builder uses by default: ffmpeg via src/media. */
export const defaultDecoder: AudioDecoder = (path, sampleRateHz) => decodeAudio(path, { sampleRateHz });
