// Synthetic test videos drawn in TypeScript and encoded by ffmpeg: a bright square sliding back and forth at
// constant speed, reversing direction at known times (the visual beats).
import { spawnSync } from 'node:child_process';
import { V2meowError } from '../../src/errors.js';

export interface SyntheticVideo {
  readonly path: string;
  /** Times in seconds where the square reverses direction. */
  readonly reversalsSec: number[];
}

/**
 * Writes an H.264 mp4: `durationSec` at `fps`, width x height, a square bouncing horizontally with a
 * reversal every 60 / bpm seconds. Optionally a hard cut (colour change of the background) at `cutSec`.
 */
export function writeBouncingSquareVideo(
  path: string,
  options: {
    bpm: number;
    durationSec: number;
    fps?: number;
    width?: number;
    height?: number;
    cutSec?: number;
  },
): SyntheticVideo {
  const fps = options.fps ?? 24;
  const width = options.width ?? 192;
  const height = options.height ?? 108;
  const numFrames = Math.round(options.durationSec * fps);
  const halfPeriodSec = 60 / options.bpm;
  const square = 24;
  const travel = 30; // pixels per half period: slow enough for flow at 8 fps on 160-pixel frames
  const frameBytes = width * height * 3;
  const video = Buffer.alloc(frameBytes * numFrames);
  for (let f = 0; f < numFrames; f++) {
    const t = f / fps;
    const phase = (t / halfPeriodSec) % 2; // 0..2: out then back
    const position = phase < 1 ? phase : 2 - phase;
    const left = Math.round((width - square - travel) / 2 + position * travel);
    const top = Math.round(height / 2 - square / 2);
    const background = options.cutSec !== undefined && t >= options.cutSec ? [150, 40, 40] : [20, 30, 60];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = x >= left && x < left + square && y >= top && y < top + square;
        const offset = f * frameBytes + (y * width + x) * 3;
        // Texture on the square so flow has gradients inside it, not only at its edges.
        const shade = inside ? 120 + Math.round((135 * (x - left + (y - top))) / (2 * square)) : 0;
        video[offset] = inside ? shade : background[0]!;
        video[offset + 1] = inside ? shade : background[1]!;
        video[offset + 2] = inside ? shade : background[2]!;
      }
    }
  }
  const args = [
    '-v',
    'error',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    String(fps),
    '-i',
    'pipe:0',
  ];
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', path);
  const result = spawnSync('ffmpeg', args, { input: video });
  if (result.status !== 0)
    throw new V2meowError('FFMPEG_FAILED', `cannot encode test video: ${result.stderr}`, path);
  const reversalsSec: number[] = [];
  for (let t = halfPeriodSec; t < options.durationSec - 0.01; t += halfPeriodSec) reversalsSec.push(t);
  return { path, reversalsSec };
}
