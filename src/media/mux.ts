// Outputs: generated audio muxed into the user's video (video stream copied, AAC audio cut or padded to the
// video's duration, faststart for the web) and audio-only files (WAV, FLAC). Always via a temporary file.
import { extname } from 'node:path';
import { V2meowError } from '../errors.js';
import { writeAtomically } from './atomicFile.js';
import { ffmpegFileArgument, ffmpegPath, runProcess, throwFfmpegError } from './ffmpeg.js';
import { assertDecodableVideo, probe } from './probe.js';
import { encodeWav, type WavFormat, writeWav } from './wav.js';

/** Audio to put into a video: mono samples in [-1, 1] at a rate, or a file ffmpeg can read. */
export type AudioSource =
  | { readonly samples: Float32Array; readonly sampleRateHz: number }
  | { readonly path: string };

export interface MuxOptions {
  /** AAC bit rate in kbit/s; default 192. */
  readonly audioBitrateKbps?: number;
}

export interface MuxResult {
  readonly outputPath: string;
  /** Duration of the video (and so of the output) in seconds. */
  readonly durationSec: number;
}

/**
 * Writes `outputPath` (mp4/mov/mkv by extension): the first video stream of `videoPath` copied as is, plus the
 * given audio encoded as AAC, cut or zero-padded to the video's duration, with the index up front (faststart).
 * The video's own audio is dropped. Throws the probe/decoder errors of the video, BAD_ARGUMENT for empty audio.
 */
export async function muxAudioIntoVideo(
  videoPath: string,
  audio: AudioSource,
  outputPath: string,
  options: MuxOptions = {},
): Promise<MuxResult> {
  const info = await probe(videoPath);
  assertDecodableVideo(info);
  const videoStream = info.streams.find((s) => s.type === 'video')!;
  const durationSec =
    videoStream.durationSec && videoStream.durationSec > 0 ? videoStream.durationSec : info.durationSec;
  let stdin: Buffer | undefined;
  let audioInput: string;
  if ('samples' in audio) {
    if (audio.samples.length === 0)
      throw new V2meowError('BAD_ARGUMENT', 'audio to mux has no samples', outputPath);
    stdin = Buffer.from(encodeWav(audio.samples, audio.sampleRateHz, { format: 'float32' }));
    audioInput = 'pipe:0';
  } else {
    const audioInfo = await probe(audio.path);
    if (!audioInfo.hasAudio)
      throw new V2meowError('NO_AUDIO_STREAM', 'has no audio stream to mux', audio.path);
    audioInput = ffmpegFileArgument(audio.path);
  }
  await writeAtomically(outputPath, async (temporaryPath) => {
    const args = ['-v', 'error', '-y', '-i', ffmpegFileArgument(videoPath)];
    if (stdin) args.push('-f', 'wav');
    args.push('-i', audioInput, '-map', '0:v:0', '-map', '1:a:0', '-c:v', 'copy');
    args.push('-c:a', 'aac', '-b:a', `${options.audioBitrateKbps ?? 192}k`, '-af', 'apad');
    args.push('-t', durationSec.toFixed(6), '-movflags', '+faststart', ffmpegFileArgument(temporaryPath));
    const result = await runProcess(ffmpegPath(), args, stdin);
    if (result.exitCode !== 0) throwFfmpegError(videoPath, result.stderr);
  });
  return { outputPath, durationSec };
}

export interface WriteAudioOptions {
  /** WAV sample format; default 'pcm16'. FLAC is always 16-bit. */
  readonly wavFormat?: WavFormat;
}

/**
 * Writes mono samples in [-1, 1] as an audio-only file chosen by extension: .wav (TypeScript encoder) or
 * .flac (ffmpeg). Through a temporary file. Throws BAD_ARGUMENT for other extensions.
 */
export async function writeAudio(
  path: string,
  samples: Float32Array,
  sampleRateHz: number,
  options: WriteAudioOptions = {},
): Promise<void> {
  const extension = extname(path).toLowerCase();
  if (extension === '.wav')
    return writeWav(path, samples, sampleRateHz, { format: options.wavFormat ?? 'pcm16' });
  if (extension !== '.flac')
    throw new V2meowError('BAD_ARGUMENT', `audio output must end in .wav or .flac, got '${extension}'`, path);
  const wav = Buffer.from(encodeWav(samples, sampleRateHz, { format: 'float32' }));
  await writeAtomically(path, async (temporaryPath) => {
    const args = [
      '-v',
      'error',
      '-y',
      '-f',
      'wav',
      '-i',
      'pipe:0',
      '-c:a',
      'flac',
      '-sample_fmt',
      's16',
      ffmpegFileArgument(temporaryPath),
    ];
    const result = await runProcess(ffmpegPath(), args, wav);
    if (result.exitCode !== 0) throwFfmpegError(path, result.stderr);
  });
}
