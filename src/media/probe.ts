// probe(): what a media file holds (duration, streams, frame rate, size, rotation, audio) via ffprobe's JSON,
// plus the checks every decoder runs first (video present, nonzero duration, decodable codec, sane size).
import { V2meowError } from '../errors.js';
import { assertInputFile, ffmpegFileArgument, ffprobePath, runProcess, throwFfmpegError } from './ffmpeg.js';

/** One stream of a media file. */
export interface StreamInfo {
  readonly index: number;
  readonly type: 'video' | 'audio' | 'subtitle' | 'data' | 'other';
  /** ffmpeg codec name, or undefined when ffmpeg has no decoder for it. */
  readonly codec: string | undefined;
  /** Video only: coded width and height in pixels. */
  readonly width?: number;
  readonly height?: number;
  /** Video only: average frame rate in frames per second. */
  readonly fps?: number;
  /** Video only: clockwise rotation in degrees (0, 90, 180, 270) a player applies before display. */
  readonly rotationDeg?: number;
  /** Audio only. */
  readonly sampleRateHz?: number;
  readonly channels?: number;
  /** Stream duration in seconds when the container says. */
  readonly durationSec?: number;
}

/** What `probe` reports about a file. Video fields describe the first video stream (0 when there is none). */
export interface MediaInfo {
  readonly path: string;
  readonly formatName: string;
  /** Container duration in seconds (0 when unknown). */
  readonly durationSec: number;
  readonly streams: readonly StreamInfo[];
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  /** Frames per second of the first video stream. */
  readonly fps: number;
  /** Coded size of the first video stream in pixels. */
  readonly width: number;
  readonly height: number;
  /** Clockwise rotation in degrees from the display matrix (phone videos); decoders apply it. */
  readonly rotationDeg: number;
  /** Size as displayed, after rotation (width and height swapped for 90 and 270). */
  readonly displayWidth: number;
  readonly displayHeight: number;
}

/** Largest frame we accept by default: 8K UHD (7680 x 4320 pixels). */
export const defaultMaxPixels = 7680 * 4320;

function parseRate(text: string | undefined): number {
  if (!text) return 0;
  const [numerator, denominator] = text.split('/').map(Number);
  if (!denominator) return numerator || 0;
  return numerator! / denominator;
}

interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

function toStreamInfo(raw: RawStream): StreamInfo {
  const type = (['video', 'audio', 'subtitle', 'data'] as const).find((t) => t === raw.codec_type) ?? 'other';
  const codec = raw.codec_name && raw.codec_name !== 'none' ? raw.codec_name : undefined;
  const durationSec = raw.duration ? Number(raw.duration) : undefined;
  if (type === 'video') {
    const matrixRotation = raw.side_data_list?.find((s) => typeof s.rotation === 'number')?.rotation;
    // The display matrix stores counter-clockwise degrees; the legacy `rotate` tag stores clockwise.
    const clockwise = matrixRotation !== undefined ? -matrixRotation : Number(raw.tags?.rotate ?? 0);
    const rotationDeg = (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
    const fps = parseRate(raw.avg_frame_rate) || parseRate(raw.r_frame_rate);
    return {
      index: raw.index,
      type,
      codec,
      width: raw.width ?? 0,
      height: raw.height ?? 0,
      fps,
      rotationDeg,
      durationSec,
    };
  }
  if (type === 'audio') {
    return {
      index: raw.index,
      type,
      codec,
      sampleRateHz: Number(raw.sample_rate ?? 0),
      channels: raw.channels ?? 0,
      durationSec,
    };
  }
  return { index: raw.index, type, codec, durationSec };
}

/**
 * Reads a file's container and streams with ffprobe.
 * Throws V2meowError FILE_NOT_FOUND, NOT_MEDIA (not a media file or no audio/video stream), CORRUPT_MEDIA.
 */
export async function probe(path: string): Promise<MediaInfo> {
  assertInputFile(path);
  const result = await runProcess(ffprobePath(), [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    ffmpegFileArgument(path),
  ]);
  if (result.exitCode !== 0) throwFfmpegError(path, result.stderr);
  let parsed: { format?: { format_name?: string; duration?: string }; streams?: RawStream[] };
  try {
    parsed = JSON.parse(result.stdout.toString('utf8'));
  } catch {
    throw new V2meowError('FFMPEG_FAILED', 'ffprobe printed output that is not JSON', path);
  }
  const streams = (parsed.streams ?? []).map(toStreamInfo);
  const video = streams.find((s) => s.type === 'video');
  const hasAudio = streams.some((s) => s.type === 'audio');
  if (!video && !hasAudio)
    throw new V2meowError('NOT_MEDIA', 'no audio or video stream (not a media file)', path);
  const formatDuration = Number(parsed.format?.duration ?? 0);
  const durationSec =
    Number.isFinite(formatDuration) && formatDuration > 0
      ? formatDuration
      : Math.max(0, ...streams.map((s) => s.durationSec ?? 0));
  const width = video?.width ?? 0;
  const height = video?.height ?? 0;
  const rotationDeg = video?.rotationDeg ?? 0;
  const swap = rotationDeg === 90 || rotationDeg === 270;
  return {
    path,
    formatName: parsed.format?.format_name ?? '',
    durationSec,
    streams,
    hasVideo: video !== undefined,
    hasAudio,
    fps: video?.fps ?? 0,
    width,
    height,
    rotationDeg,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
  };
}

/** Checks a probed file can feed a video decoder: a decodable video stream, nonzero duration, size within limits. */
export function assertDecodableVideo(info: MediaInfo, maxPixels = defaultMaxPixels): void {
  const video = info.streams.find((s) => s.type === 'video');
  if (!video) throw new V2meowError('NO_VIDEO_STREAM', 'has no video stream', info.path);
  if (!video.codec)
    throw new V2meowError('UNSUPPORTED_CODEC', 'video codec is not supported by ffmpeg', info.path);
  if (!(info.durationSec > 0)) throw new V2meowError('ZERO_DURATION', 'has zero duration', info.path);
  if (info.width * info.height > maxPixels)
    throw new V2meowError(
      'RESOLUTION_TOO_LARGE',
      `resolution ${info.width}x${info.height} is above the limit of ${maxPixels} pixels`,
      info.path,
    );
}

/** Checks a probed file can feed an audio decoder: a decodable audio stream and nonzero duration. */
export function assertDecodableAudio(info: MediaInfo): void {
  const audio = info.streams.find((s) => s.type === 'audio');
  if (!audio) throw new V2meowError('NO_AUDIO_STREAM', 'has no audio stream', info.path);
  if (!audio.codec)
    throw new V2meowError('UNSUPPORTED_CODEC', 'audio codec is not supported by ffmpeg', info.path);
  if (!(info.durationSec > 0)) throw new V2meowError('ZERO_DURATION', 'has zero duration', info.path);
}
