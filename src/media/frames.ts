// decodeFrames(): video to raw RGB (or gray) frames at chosen rates and sizes, streamed as an async iterator
// so a 2-hour video is never held in memory. One ffmpeg decode serves several rates: the decoded picture is
// split (ffmpeg `split` filter) into one fps+scale chain per requested output, each written to its own pipe.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { V2meowError } from '../errors.js';
import { ffmpegPath, throwFfmpegError } from './ffmpeg.js';
import { assertDecodableVideo, defaultMaxPixels, probe } from './probe.js';

export type PixelFormat = 'rgb24' | 'gray';

/** One requested frame stream. */
export interface FrameStreamSpec {
  /** Output rate in frames per second (frame k is the picture shown at k / fps seconds). */
  readonly fps: number;
  /** Output size in pixels. */
  readonly width: number;
  readonly height: number;
  /** 'rgb24' (default): HxWx3 bytes; 'gray': HxW luma bytes. */
  readonly pixelFormat?: PixelFormat;
  /** 'stretch' (default) scales to width x height; 'crop' scales to cover and center-crops. */
  readonly resize?: 'stretch' | 'crop';
}

/** One decoded frame. */
export interface VideoFrame {
  /** Which spec (index into the requested list) this frame belongs to; 0 for decodeFrames. */
  readonly streamIndex: number;
  /** Frame number within its stream. */
  readonly frameIndex: number;
  /** Presentation time in seconds from the start of the video: frameIndex / fps. */
  readonly timeSec: number;
  readonly width: number;
  readonly height: number;
  /** Row-major pixels, shape [height, width, 3] for rgb24 or [height, width] for gray. Owned by the caller. */
  readonly data: Uint8Array;
}

/** A decoded RGB frame (decodeFrames with the default pixel format): `rgb` is [height, width, 3]. */
export interface RgbFrame extends VideoFrame {
  readonly rgb: Uint8Array;
}

export interface DecodeFramesOptions {
  /** Reject inputs whose coded size exceeds this many pixels; default 8K UHD. */
  readonly maxPixels?: number;
  /** Pause ffmpeg when this many bytes of decoded frames wait unread; default 64 MiB. */
  readonly maxQueuedBytes?: number;
  /** Decode from this time in seconds (frame times then count from it); default 0. */
  readonly startSec?: number;
  /** Decode at most this many seconds; default to the end. */
  readonly durationSec?: number;
}

/** Damage reported on stderr that ffmpeg does not treat as fatal. */
const damagePattern = /partial file|Invalid NAL|corrupt|error while decoding|Invalid data found/i;

function filterChain(spec: FrameStreamSpec, label: string): string {
  const format = spec.pixelFormat === 'gray' ? 'gray' : 'rgb24';
  const scale =
    spec.resize === 'crop'
      ? `scale=${spec.width}:${spec.height}:force_original_aspect_ratio=increase:flags=area,crop=${spec.width}:${spec.height}`
      : `scale=${spec.width}:${spec.height}:flags=area`;
  return `[${label}]fps=fps=${spec.fps}:round=up,${scale},format=${format}[out${label}]`;
}

function validateSpec(spec: FrameStreamSpec, path: string): void {
  const ok =
    spec.fps > 0 &&
    Number.isInteger(spec.width) &&
    Number.isInteger(spec.height) &&
    spec.width > 0 &&
    spec.height > 0;
  if (!ok)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `bad frame stream (fps ${spec.fps}, size ${spec.width}x${spec.height}): need fps > 0 and a positive integer size`,
      path,
    );
}

/**
 * Decodes several frame streams from one pass over the video. Frames arrive roughly in time order, interleaved
 * across streams; each frame's `streamIndex` says which spec it belongs to.
 * Throws V2meowError FILE_NOT_FOUND, NOT_MEDIA, NO_VIDEO_STREAM, ZERO_DURATION, UNSUPPORTED_CODEC,
 * RESOLUTION_TOO_LARGE, CORRUPT_MEDIA (after the frames that could be decoded).
 */
export async function* decodeFrameStreams(
  path: string,
  specs: readonly FrameStreamSpec[],
  options: DecodeFramesOptions = {},
): AsyncGenerator<VideoFrame> {
  if (specs.length === 0) throw new V2meowError('BAD_ARGUMENT', 'no frame stream requested', path);
  for (const spec of specs) validateSpec(spec, path);
  const { startSec = 0, durationSec } = options;
  if (!(startSec >= 0) || (durationSec !== undefined && !(durationSec > 0)))
    throw new V2meowError('BAD_ARGUMENT', `bad time window (start ${startSec} s, ${durationSec} s)`, path);
  const info = await probe(path);
  assertDecodableVideo(info, options.maxPixels ?? defaultMaxPixels);
  const maxQueuedBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;

  const labels = specs.map((_, i) => `s${i}`);
  const graph = [
    `[0:v:0]split=${specs.length}${labels.map((l) => `[${l}]`).join('')}`,
    ...specs.map((s, i) => filterChain(s, labels[i]!)),
  ].join(';');
  const outputFd = (i: number) => (i === 0 ? 1 : i + 2);
  const args = ['-v', 'error', '-nostdin'];
  if (options.startSec) args.push('-ss', String(options.startSec));
  if (options.durationSec !== undefined) args.push('-t', String(options.durationSec));
  args.push('-i', path, '-filter_complex', graph);
  specs.forEach((_, i) => {
    args.push('-map', `[out${labels[i]}]`, '-f', 'rawvideo', `pipe:${outputFd(i)}`);
  });
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
  for (let i = 1; i < specs.length; i++) stdio.push('pipe');
  const child = spawn(ffmpegPath(), args, { stdio });

  const queue: VideoFrame[] = [];
  let queuedBytes = 0;
  let stderr = '';
  let exitCode: number | null = null;
  let spawnError: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const outputs: Readable[] = specs.map((_, i) => child.stdio[outputFd(i)] as Readable);
  const setPaused = (paused: boolean) => {
    for (const stream of outputs) {
      if (paused) stream.pause();
      else stream.resume();
    }
  };

  outputs.forEach((stream, streamIndex) => {
    const spec = specs[streamIndex]!;
    const frameBytes = spec.width * spec.height * (spec.pixelFormat === 'gray' ? 1 : 3);
    let partial = Buffer.alloc(frameBytes);
    let filled = 0;
    let frameIndex = 0;
    stream.on('data', (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(partial, filled, offset, offset + take);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          const data = new Uint8Array(partial.buffer, partial.byteOffset, frameBytes);
          queue.push({
            streamIndex,
            frameIndex,
            timeSec: frameIndex / spec.fps,
            width: spec.width,
            height: spec.height,
            data,
          });
          queuedBytes += frameBytes;
          frameIndex++;
          partial = Buffer.alloc(frameBytes);
          filled = 0;
        }
      }
      if (queuedBytes > maxQueuedBytes) setPaused(true);
      notify();
    });
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 65536) stderr += chunk.toString('utf8');
  });
  child.on('error', (error) => {
    spawnError = error;
    notify();
  });
  child.on('close', (code) => {
    exitCode = code ?? -1;
    notify();
  });

  try {
    for (;;) {
      if (queue.length > 0) {
        const frame = queue.shift()!;
        queuedBytes -= frame.data.length;
        if (queuedBytes <= maxQueuedBytes / 2) setPaused(false);
        yield frame;
        continue;
      }
      if (spawnError)
        throw new V2meowError('FFMPEG_FAILED', `cannot run ${ffmpegPath()}: ${spawnError.message}`, path, {
          cause: spawnError,
        });
      if (exitCode !== null) break;
      setPaused(false);
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (exitCode !== 0 || damagePattern.test(stderr)) throwFfmpegError(path, stderr);
  } finally {
    if (exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Decodes one stream of frames at `spec.fps`, resized to `spec.width` x `spec.height`.
 * For the default rgb24 format each frame's `rgb` (same bytes as `data`) has shape [height, width, 3].
 */
export async function* decodeFrames(
  path: string,
  spec: FrameStreamSpec,
  options: DecodeFramesOptions = {},
): AsyncGenerator<RgbFrame> {
  for await (const frame of decodeFrameStreams(path, [spec], options)) yield { ...frame, rgb: frame.data };
}
